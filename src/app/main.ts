import "./style.css";
import { DashboardCatalogDocument, type TimeRangeInput } from "../client/generated";
import { ApiError, forgetKey, request, storedKey, storeKey } from "./api";
import { disposeCharts } from "./charts";
import type { Catalog, Page, PageContext } from "./context";
import { h, select } from "./dom";
import { type Language, language, setLanguage, t, type Word } from "./i18n";
import {
  funnelPage,
  lifecyclePage,
  pathsPage,
  repurchasePage,
  retentionPage,
  rfmPage,
} from "./pages/analyses";
import { campaignsPage } from "./pages/campaigns";
import { experimentsPage } from "./pages/experiments";
import { overviewPage } from "./pages/overview";
import { predictionPage } from "./pages/prediction";
import { segmentsPage } from "./pages/segments";
import { tagsPage } from "./pages/tags";

/** Pages by route (`#/overview` …), in menu order. */
const PAGES: { route: string; title: Word; page: Page }[] = [
  { route: "overview", title: "overview", page: overviewPage },
  { route: "funnel", title: "funnel", page: funnelPage },
  { route: "retention", title: "retention", page: retentionPage },
  { route: "rfm", title: "rfm", page: rfmPage },
  { route: "segments", title: "segments", page: segmentsPage },
  { route: "tags", title: "tags", page: tagsPage },
  { route: "paths", title: "paths", page: pathsPage },
  { route: "lifecycle", title: "lifecycle", page: lifecyclePage },
  { route: "repurchase", title: "repurchase", page: repurchasePage },
  { route: "experiments", title: "experiments", page: experimentsPage },
  { route: "campaigns", title: "campaigns", page: campaignsPage },
  { route: "prediction", title: "prediction", page: predictionPage },
];

/** Relative ranges, resolved by the server in its time zone (TimeRangeInput `last` / `named`). */
const RANGES: { value: string; word: Word; range: TimeRangeInput }[] = [
  { value: "7d", word: "last7d", range: { last: "7d" } },
  { value: "30d", word: "last30d", range: { last: "30d" } },
  { value: "8w", word: "last8w", range: { last: "8w" } },
  { value: "this_month", word: "thisMonth", range: { named: "this_month" } },
  { value: "previous_month", word: "previousMonth", range: { named: "previous_month" } },
];

const filters = { range: "30d", segment: "" };
const root = document.getElementById("app") as HTMLElement;
let catalog: Promise<Catalog> | undefined;
/** Increases with every drawing: an answer for a page no longer shown is dropped. */
let drawing = 0;

function keyForm(message?: string): void {
  const input = h("input", { type: "password", name: "apiKey", autocomplete: "off", required: true });
  const remember = h("input", { type: "checkbox", name: "remember" });
  root.replaceChildren(
    h(
      "form",
      {
        class: "key-form",
        onsubmit: (event: Event) => {
          event.preventDefault();
          storeKey(input.value.trim(), remember.checked);
          start();
        },
      },
      h("h1", {}, t("title")),
      h("p", {}, t("keyPrompt")),
      message ? h("p", { class: "error" }, message) : null,
      h("label", { class: "control" }, h("span", {}, t("apiKey")), input),
      h("label", { class: "check" }, remember, t("remember")),
      h("button", { type: "submit" }, t("open")),
    ),
  );
}

const currentRoute = () => {
  const route = location.hash.replace(/^#\/?/, "");
  return PAGES.find((page) => page.route === route) ?? PAGES[0];
};

function header(active: string): HTMLElement {
  const languages: { value: Language; text: string }[] = [
    { value: "en", text: "English" },
    { value: "zh", text: "简体中文" },
  ];
  return h(
    "header",
    {},
    h("strong", { class: "brand" }, t("title")),
    h(
      "nav",
      { "aria-label": t("pages") },
      ...PAGES.map((page) =>
        h(
          "a",
          {
            href: `#/${page.route}`,
            class: page.route === active ? "active" : "",
            "aria-current": page.route === active ? "page" : undefined,
          },
          t(page.title),
        ),
      ),
    ),
    h(
      "div",
      { class: "controls" },
      select(
        t("range"),
        RANGES.map((range) => ({ value: range.value, text: t(range.word) })),
        filters.range,
        (value) => {
          filters.range = value;
          draw();
        },
        "range",
      ),
      segmentFilter(),
      select(
        "Language / 语言",
        languages,
        language(),
        (value) => {
          setLanguage(value as Language);
          draw();
        },
        "language",
      ),
      h(
        "button",
        {
          class: "link",
          onclick: () => {
            forgetKey();
            keyForm();
          },
        },
        t("forget"),
      ),
    ),
  );
}

/** The segment filter; its options arrive with the catalog. */
function segmentFilter(): HTMLLabelElement {
  const control = select(
    t("segment"),
    [{ value: "", text: t("everyone") }],
    "",
    (value) => {
      filters.segment = value;
      draw();
    },
    "segment",
  );
  void catalog?.then(
    ({ segments }) => {
      const list = control.querySelector("select") as HTMLSelectElement;
      for (const segment of segments)
        list.append(
          h("option", { value: segment.key, selected: segment.key === filters.segment }, segment.name),
        );
    },
    () => undefined,
  );
  return control;
}

function draw(): void {
  if (!catalog) return;
  const number = ++drawing;
  disposeCharts();
  const route = currentRoute();
  const main = h("main", { "data-page": route.route }, h("h1", {}, t(route.title)));
  root.replaceChildren(header(route.route), main);
  document.title = `${t(route.title)} · ${t("title")}`;
  const context: PageContext = {
    catalog,
    timeRange: RANGES.find((range) => range.value === filters.range)?.range ?? RANGES[1].range,
    segment: filters.segment || undefined,
    redraw: draw,
  };
  route.page(main, context).then(
    () => {
      if (number === drawing) main.dataset.loaded = "true";
    },
    (error: unknown) => {
      if (number !== drawing) return;
      if (error instanceof ApiError && (error.code === "UNAUTHENTICATED" || error.code === "FORBIDDEN")) {
        forgetKey();
        return keyForm(t("keyRefused"));
      }
      main.append(
        h(
          "p",
          { class: "error", "data-error": "" },
          t("error", { message: String((error as Error).message) }),
        ),
      );
    },
  );
}

function start(): void {
  if (!storedKey()) {
    keyForm();
    return;
  }
  // Not awaited: the page asks its own questions meanwhile; a refused key fails them all alike,
  // and the page's error handler asks for another.
  catalog = request(DashboardCatalogDocument, {});
  catalog.catch(() => undefined);
  draw();
}

setLanguage(language());
window.addEventListener("hashchange", draw);
start();
