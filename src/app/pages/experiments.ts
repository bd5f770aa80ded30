import type { CustomSeriesRenderItem } from "echarts";
import {
  DashboardExperimentResultsDocument,
  type DashboardExperimentResultsQuery,
  DashboardExperimentsDocument,
} from "../../client/generated";
import { request } from "../api";
import { describeChart, drawChart } from "../charts";
import type { Catalog, Page } from "../context";
import { chartPanel, h, select } from "../dom";
import { formatValue, label, t } from "../i18n";

const settings = { experiment: "" };

/** An interval [low, high] at a category row: a line with a tick at each end. */
const renderInterval: CustomSeriesRenderItem = (_params, api) => {
  const [low, high, row] = [0, 1, 2].map((dimension) => Number(api.value(dimension)));
  const [x1, y] = api.coord([low, row]);
  const [x2] = api.coord([high, row]);
  const stroke = { stroke: "#2563eb", lineWidth: 2 };
  return {
    type: "group",
    children: [
      { type: "line", shape: { x1, y1: y, x2, y2: y }, style: { ...stroke, lineWidth: 3 } },
      { type: "line", shape: { x1, y1: y - 8, x2: x1, y2: y + 8 }, style: stroke },
      { type: "line", shape: { x1: x2, y1: y - 8, x2, y2: y + 8 }, style: stroke },
    ],
  };
};

const percent = (value: number | null | undefined) => formatValue(value, "RATIO");
const points = (value: number) => `${value >= 0 ? "+" : ""}${(value * 100).toFixed(1)} pp`;
const signed = (value: number, digits: number) => `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`;
const intervalText = (
  interval: { low: number; high: number } | null | undefined,
  format: (value: number) => string,
) => (interval ? `${format(interval.low)} … ${format(interval.high)}` : "–");

type Results = DashboardExperimentResultsQuery["experimentResults"];

/**
 * The experiment's further metrics (every metric after the primary one): each treatment's
 * relative lift over the control on its 95 % interval, one row per variant × metric, and a
 * table with the per-unit means, the absolute lift and its interval, and both p-values.
 */
function secondaryMetrics(root: HTMLElement, catalog: Catalog, results: Results): void {
  const metricName = (key: string) => {
    const metric = catalog.metricCatalog.find((one) => one.key === key);
    return metric ? label(metric.labels) : key;
  };
  const control = results.variants[0];
  const rows = results.variants.slice(1).flatMap((variant) =>
    variant.metrics.slice(1).map((metric) => ({
      variant: variant.key,
      metric,
      control: control.metrics.find((one) => one.metric === metric.metric),
    })),
  );
  if (rows.length === 0) return;
  const chart = chartPanel(t("secondaryMetrics"), "experiment-metrics");
  root.append(chart.panel);
  const intervals = rows.filter((row) => row.metric.relativeCi95 && row.metric.relativeLift != null);
  const rowName = (row: (typeof rows)[number]) => `${row.variant} · ${metricName(row.metric.metric)}`;
  drawChart(
    chart.canvas,
    {
      tooltip: { trigger: "item" },
      grid: { left: 200, right: 24, top: 16, bottom: 28 },
      xAxis: { type: "value", axisLabel: { formatter: (value: number) => percent(value) } },
      yAxis: { type: "category", data: intervals.map(rowName) },
      series: [
        {
          type: "custom",
          name: t("relativeLiftInterval"),
          data: intervals.map((row, index) => [
            row.metric.relativeCi95?.low,
            row.metric.relativeCi95?.high,
            index,
          ]),
          renderItem: renderInterval,
          encode: { x: [0, 1], y: 2 },
        },
        {
          type: "scatter",
          name: t("relativeLift"),
          symbolSize: 12,
          data: intervals.map((row, index) => [row.metric.relativeLift, index]),
          markLine: { silent: true, symbol: "none", data: [{ xAxis: 0 }], lineStyle: { color: "#6b7280" } },
        },
      ],
    },
    intervals.length,
    `${t("secondaryMetrics")}, ${t("relativeLiftInterval")}: ${intervals
      .map(
        (row) =>
          `${rowName(row)} ${percent(row.metric.relativeLift)} (${intervalText(row.metric.relativeCi95, percent)})`,
      )
      .join("; ")}`,
  );
  const mean = (value: number | null | undefined) => (value == null ? "–" : value.toFixed(3));
  root.append(
    h(
      "table",
      { class: "data", "data-table": "experiment-metrics" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...[
            t("metric"),
            t("variant"),
            t("perUnitControl"),
            t("perUnitVariant"),
            t("absoluteLiftInterval"),
            t("relativeLiftInterval"),
            "p",
            t("adjustedP"),
          ].map((x) => h("th", { scope: "col" }, x)),
        ),
      ),
      h(
        "tbody",
        {},
        ...rows.map((row) =>
          h(
            "tr",
            { "data-metric": row.metric.metric, "data-variant": row.variant },
            ...[
              metricName(row.metric.metric),
              row.variant,
              mean(row.control?.mean),
              mean(row.metric.mean),
              `${row.metric.absoluteLift == null ? "–" : signed(row.metric.absoluteLift, 3)} (${intervalText(row.metric.ci95, (value) => signed(value, 3))})`,
              `${percent(row.metric.relativeLift)} (${intervalText(row.metric.relativeCi95, percent)})`,
              row.metric.pValue == null ? "–" : row.metric.pValue.toFixed(3),
              row.metric.adjustedPValue == null ? "–" : row.metric.adjustedPValue.toFixed(3),
            ].map((cell) => h("td", {}, cell)),
          ),
        ),
      ),
    ),
  );
}

export const experimentsPage: Page = async (root, context) => {
  const { experiments } = await request(DashboardExperimentsDocument, {});
  if (experiments.length === 0) {
    root.append(h("p", { class: "muted" }, t("noExperiments")));
    return;
  }
  if (!experiments.some((experiment) => experiment.key === settings.experiment))
    settings.experiment = experiments[0].key;
  const controls = h(
    "div",
    { class: "controls" },
    select(
      t("experiment"),
      experiments.map((experiment) => ({ value: experiment.key, text: experiment.name })),
      settings.experiment,
      (value) => {
        settings.experiment = value;
        context.redraw();
      },
      "experiment",
    ),
  );
  const rates = chartPanel(t("conversion"), "experiment-rates", controls);
  const lifts = chartPanel(t("liftInterval"), "experiment-lift");
  const banner = h("div", {});
  root.append(banner, h("div", { class: "columns" }, rates.panel, lifts.panel));
  const { experimentResults: results } = await request(DashboardExperimentResultsDocument, {
    key: settings.experiment,
  });
  const variants = results.variants;
  if (results.srm.warning)
    banner.append(
      h(
        "p",
        { class: "warning", "data-srm": "" },
        t("srmWarning", { p: results.srm.pValue.toExponential(1), chi: results.srm.chiSquare.toFixed(1) }),
      ),
    );
  drawChart(
    rates.canvas,
    {
      tooltip: { trigger: "axis", valueFormatter: (value: unknown) => percent(value as number) },
      grid: { left: 56, right: 16, top: 16, bottom: 28 },
      xAxis: { type: "category", data: variants.map((variant) => variant.key) },
      yAxis: { type: "value", axisLabel: { formatter: (value: number) => percent(value) } },
      series: [
        {
          type: "bar",
          name: t("conversion"),
          data: variants.map((variant) => variant.conversionRate),
          label: {
            show: true,
            position: "top",
            formatter: ({ value }: { value: unknown }) => percent(value as number),
          },
        },
      ],
    },
    variants.length,
    describeChart(
      t("conversion"),
      variants.map((variant) => variant.key),
      [{ name: t("conversion"), data: variants.map((variant) => variant.conversionRate) }],
      percent,
    ),
  );
  // Each treatment's absolute lift over the control, a dot on its 95 % interval.
  const treated = variants.filter((variant) => variant.ci95 && variant.absoluteLift != null);
  drawChart(
    lifts.canvas,
    {
      tooltip: { trigger: "item" },
      grid: { left: 96, right: 24, top: 16, bottom: 28 },
      xAxis: { type: "value", axisLabel: { formatter: (value: number) => points(value) } },
      yAxis: { type: "category", data: treated.map((variant) => variant.key) },
      series: [
        {
          type: "custom",
          name: t("liftInterval"),
          data: treated.map((variant, index) => [variant.ci95?.low, variant.ci95?.high, index]),
          renderItem: renderInterval,
          // Both ends count for the axis extent, or the interval is cut off.
          encode: { x: [0, 1], y: 2 },
        },
        {
          type: "scatter",
          name: t("lift"),
          symbolSize: 12,
          data: treated.map((variant, index) => [variant.absoluteLift, index]),
          markLine: { silent: true, symbol: "none", data: [{ xAxis: 0 }], lineStyle: { color: "#6b7280" } },
        },
      ],
    },
    treated.length,
    `${t("liftInterval")}: ${treated
      .map(
        (variant) =>
          `${variant.key} ${points(variant.absoluteLift ?? 0)} (${intervalText(variant.ci95, points)})`,
      )
      .join("; ")}`,
  );
  root.append(
    h(
      "table",
      { class: "data", "data-table": "experiment" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["", t("users"), t("conversions"), t("conversion"), t("lift"), t("liftInterval"), "p"].map((x) =>
            h("th", {}, x),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        ...variants.map((variant) =>
          h(
            "tr",
            {},
            ...[
              variant.key,
              variant.units,
              variant.conversions,
              percent(variant.conversionRate),
              variant.absoluteLift == null ? "–" : points(variant.absoluteLift),
              variant.ci95 ? `${points(variant.ci95.low)} … ${points(variant.ci95.high)}` : "–",
              variant.pValue == null ? "–" : variant.pValue.toFixed(3),
            ].map((cell) => h("td", {}, cell)),
          ),
        ),
      ),
    ),
    h(
      "p",
      { class: "muted" },
      results.sampleSizePerVariant == null ? "" : t("sampleSize", { size: results.sampleSizePerVariant }),
    ),
  );
  secondaryMetrics(root, await context.catalog, results);
};
