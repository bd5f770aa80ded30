import type { TimeRangeInput } from "../../client/generated";
import { drawChart } from "../charts";
import { h } from "../dom";
import { formatValue, t } from "../i18n";

/**
 * The charts segments and tags share: sizes, the overlap matrix and the size history, drawn
 * from the API's `overlap(with:)` and `sizeHistory(timeRange:)` of either.
 */

export interface Sized {
  key: string;
  size: number;
}

/** Days of size history drawn, today included. */
export const HISTORY_DAYS = 30;

/**
 * The last HISTORY_DAYS days up to now, as instants: the server buckets them into its own
 * days, so the last point is today where the server is, whatever the browser's calendar
 * says (a relative `last` range would stop before today, and a refresh today is the news).
 */
export function historyRange(): TimeRangeInput {
  const now = Date.now();
  return {
    from: new Date(now - (HISTORY_DAYS - 1) * 86_400_000).toISOString(),
    to: new Date(now).toISOString(),
  };
}

const count = (value: number) => formatValue(value, "COUNT");

/** Horizontal bars of current sizes, largest label on the right of each bar. */
export function drawSizes(canvas: HTMLElement, title: string, items: Sized[]): void {
  drawChart(
    canvas,
    {
      tooltip: { trigger: "axis" },
      grid: { left: 140, right: 48, top: 8, bottom: 24 },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: items.map((item) => item.key) },
      series: [
        {
          type: "bar",
          name: t("size"),
          data: items.map((item) => item.size),
          label: { show: true, position: "right" },
        },
      ],
    },
    items.length,
    `${title}: ${items.map((item) => `${item.key} ${count(item.size)}`).join("; ")}`,
  );
}

/** Users in both of two definitions; the diagonal is each one's size. */
export function drawOverlapMatrix(
  canvas: HTMLElement,
  title: string,
  items: Sized[],
  pairs: readonly { key: string; otherKey: string; size: number }[],
): void {
  const keys = items.map((item) => item.key);
  const cells = items.map((item, i) => [i, i, item.size]);
  for (const pair of pairs) {
    const [a, b] = [keys.indexOf(pair.key), keys.indexOf(pair.otherKey)];
    cells.push([a, b, pair.size], [b, a, pair.size]);
  }
  drawChart(
    canvas,
    {
      tooltip: {},
      grid: { left: 140, right: 90, top: 8, bottom: 80 },
      xAxis: { type: "category", data: keys, axisLabel: { rotate: 30 } },
      yAxis: { type: "category", data: keys, inverse: true },
      visualMap: {
        min: 0,
        max: Math.max(1, ...items.map((item) => item.size)),
        calculable: true,
        orient: "vertical",
        right: 0,
        top: "middle",
        inRange: { color: ["#f5f3ff", "#6d28d9"] },
      },
      series: [{ type: "heatmap", data: cells, label: { show: true } }],
    },
    cells.length,
    `${title}: ${pairs.map((pair) => `${pair.key} & ${pair.otherKey} ${count(pair.size)}`).join("; ")}`,
  );
}

/** Members at the end of each day, from the recorded entries and exits. */
export function drawSizeHistory(
  canvas: HTMLElement,
  key: string,
  points: readonly { at: string; size: number }[],
): void {
  const days = points.map((point) => point.at.slice(0, 10));
  const first = points[0];
  const last = points[points.length - 1];
  drawChart(
    canvas,
    {
      tooltip: { trigger: "axis" },
      grid: { left: 56, right: 16, top: 16, bottom: 28 },
      xAxis: { type: "category", data: days },
      yAxis: { type: "value" },
      series: [{ type: "line", name: key, data: points.map((point) => point.size), showSymbol: false }],
    },
    points.length,
    first && last
      ? t("historyDescription", {
          key,
          from: days[0],
          to: days[days.length - 1],
          first: count(first.size),
          last: count(last.size),
        })
      : `${t("sizeHistory")}: ${key}`,
  );
}

/**
 * A table of definitions; a row with `choose` has its key as a button (reachable by keyboard)
 * that shows that definition's history, and members for segments.
 */
export function definitionTable(
  name: string,
  headers: string[],
  rows: { key: string; cells: (string | number)[]; choose?: () => void }[],
  selected?: string,
): HTMLTableElement {
  const choose = (row: (typeof rows)[number], button: HTMLButtonElement) => {
    for (const other of table.querySelectorAll("button[aria-pressed]"))
      other.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", "true");
    row.choose?.();
  };
  const table: HTMLTableElement = h(
    "table",
    { class: "data", "data-table": name },
    h("thead", {}, h("tr", {}, ...headers.map((header) => h("th", { scope: "col" }, header)))),
    h(
      "tbody",
      {},
      ...rows.map((row) => {
        const [first, ...rest] = row.cells;
        let keyCell: Node = document.createTextNode(String(first));
        if (row.choose) {
          const button = h(
            "button",
            {
              type: "button",
              class: "link",
              "aria-pressed": String(row.key === selected),
              "data-choose": row.key,
            },
            first,
          );
          button.addEventListener("click", () => choose(row, button));
          keyCell = button;
        }
        return h(
          "tr",
          { "data-key": row.key },
          h("td", {}, keyCell),
          ...rest.map((cell) => h("td", {}, cell)),
        );
      }),
    ),
  );
  return table;
}
