type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | EventListener | undefined>;

/** A DOM element: `on…` attributes become listeners, `true` boolean attributes, text children nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children)
    if (child !== null && child !== undefined && child !== false)
      element.append(typeof child === "object" ? child : String(child));
  return element;
}

/** A labelled `<select>`; `onChange` gets the chosen value. */
export function select(
  caption: string,
  options: readonly { value: string; text: string }[],
  selected: string,
  onChange: (value: string) => void,
  name: string,
): HTMLLabelElement {
  const control = h(
    "select",
    { name, onchange: (event: Event) => onChange((event.target as HTMLSelectElement).value) },
    ...options.map((option) =>
      h("option", { value: option.value, selected: option.value === selected }, option.text),
    ),
  );
  return h("label", { class: "control" }, h("span", {}, caption), control);
}

/** A chart panel: a title and the element ECharts draws into. */
export function chartPanel(
  title: string,
  name: string,
  extra?: Node,
): { panel: HTMLElement; canvas: HTMLElement } {
  const canvas = h("div", { class: "chart", "data-chart": name });
  return { panel: h("section", { class: "panel" }, h("h2", {}, title), extra ?? null, canvas), canvas };
}
