import {
  type ComparePeriod,
  OverviewCardsDocument,
  type OverviewCardsQuery,
  type TimeGrain,
  TrendDocument,
  type TrendQuery,
  type TrendQueryVariables,
} from "../../client/generated";
import { request } from "../api";
import { describeChart, drawChart, drawSparkline } from "../charts";
import { type Catalog, metricByField, type Page, type PageContext } from "../context";
import { chartPanel, h, select } from "../dom";
import { formatChange, formatValue, label, t } from "../i18n";

/** The catalog's headline metrics, in card order: the fields OverviewCards asks for. */
const KEY_METRICS = [
  "gmv",
  "orders",
  "buyers",
  "visitors",
  "aov",
  "conversionRate",
  "repurchaseRate",
  "netRevenue",
] as const;
type KeyMetric = (typeof KEY_METRICS)[number];

/** The dimensions the Trend operation can split by (its @include switches). */
const TREND_DIMENSIONS = [
  "channel",
  "platform",
  "region",
  "city",
  "gender",
  "ageBand",
  "signupChannel",
  "category",
  "brand",
  "rfmSegment",
] as const;
type TrendDimension = (typeof TREND_DIMENSIONS)[number];

/** Lines drawn for a split: the largest values; the rest would make the chart unreadable. */
const MAX_SERIES = 8;

const settings = {
  compareTo: "PREVIOUS_PERIOD" as ComparePeriod,
  metric: "gmv" as KeyMetric,
  grain: "DAY" as TimeGrain,
  split: "" as TrendDimension | "",
};

type TotalRow = OverviewCardsQuery["total"]["rows"][number];
type DailyRow = OverviewCardsQuery["daily"]["rows"][number];

const previousField = (metric: KeyMetric) =>
  `previous${metric[0].toUpperCase()}${metric.slice(1)}` as keyof TotalRow;
const changeField = (metric: KeyMetric) => `${metric}Change` as keyof TotalRow;

function metricCards(catalog: Catalog, total: TotalRow | undefined, daily: DailyRow[]): HTMLElement {
  const cards = h("div", { class: "cards" });
  for (const field of KEY_METRICS) {
    const metric = metricByField(catalog, field);
    if (!metric) continue;
    const change = total?.[changeField(field)] as number | null | undefined;
    const spark = h("div", { class: "sparkline", "data-chart": `sparkline-${field}` });
    cards.append(
      h(
        "article",
        { class: "card", "data-metric": field },
        h("h3", {}, label(metric.labels)),
        h("div", { class: "value" }, formatValue(total?.[field], metric.unit)),
        h(
          "div",
          { class: `change ${change == null ? "" : change >= 0 ? "up" : "down"}` },
          `${formatChange(change)} · ${t(settings.compareTo === "PREVIOUS_YEAR" ? "previousYear" : "previousPeriod")} ${formatValue(total?.[previousField(field)] as number | null | undefined, metric.unit)}`,
        ),
        spark,
      ),
    );
    queueMicrotask(() =>
      drawSparkline(
        spark,
        daily.map((row) => row[field] ?? null),
        describeChart(
          `${label(metric.labels)} · ${t("daily")}`,
          daily.map((row) => row.time.slice(0, 10)),
          [{ name: label(metric.labels), data: daily.map((row) => row[field] ?? null) }],
          (value) => formatValue(value, metric.unit),
        ),
      ),
    );
  }
  return cards;
}

function trendVariables(context: PageContext): TrendQueryVariables {
  const variables: TrendQueryVariables = {
    timeRange: context.timeRange,
    grain: settings.grain,
    segment: context.segment,
    [settings.metric]: true,
  };
  if (settings.split) variables[settings.split] = true;
  return variables;
}

function trendOption(catalog: Catalog, rows: TrendQuery["metrics"]["rows"]) {
  const metric = metricByField(catalog, settings.metric);
  const times = [...new Set(rows.map((row) => row.time))];
  const value = (row: TrendQuery["metrics"]["rows"][number]) => row[settings.metric] ?? null;
  const split = settings.split;
  let series: { name: string; data: (number | null)[] }[];
  if (!split) series = [{ name: metric ? label(metric.labels) : settings.metric, data: rows.map(value) }];
  else {
    const totals = new Map<string, number>();
    for (const row of rows) {
      const key = row[split] ?? "–";
      totals.set(key, (totals.get(key) ?? 0) + (value(row) ?? 0));
    }
    const kept = [...totals.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_SERIES)
      .map(([key]) => key);
    series = kept.map((key) => {
      const byTime = new Map(
        rows.filter((row) => (row[split] ?? "–") === key).map((row) => [row.time, value(row)]),
      );
      return { name: key, data: times.map((time) => byTime.get(time) ?? null) };
    });
  }
  const unit = metric?.unit ?? "COUNT";
  return {
    option: {
      tooltip: { trigger: "axis" as const, valueFormatter: (v: unknown) => formatValue(v as number, unit) },
      legend: { show: !!split, top: 0 },
      grid: { left: 64, right: 16, top: split ? 36 : 16, bottom: 28 },
      xAxis: {
        type: "category" as const,
        data: times.map((time) => time.slice(0, settings.grain === "HOUR" ? 13 : 10)),
      },
      yAxis: { type: "value" as const, axisLabel: { formatter: (v: number) => formatValue(v, unit) } },
      series: series.map((line) => ({
        type: "line" as const,
        name: line.name,
        data: line.data,
        showSymbol: false,
      })),
    },
    points: series.reduce((sum, line) => sum + line.data.filter((v) => v !== null).length, 0),
    description: describeChart(
      `${t("trend")}: ${metric ? label(metric.labels) : settings.metric}`,
      times.map((time) => time.slice(0, settings.grain === "HOUR" ? 13 : 10)),
      series,
      (v) => formatValue(v, unit),
    ),
  };
}

/** Dimensions the trend can split the chosen metric by (catalog `supportedDimensions`). */
const splitDimensions = (catalog: Catalog) => {
  const selected = metricByField(catalog, settings.metric);
  return catalog.dimensionCatalog.filter(
    (dimension) =>
      (TREND_DIMENSIONS as readonly string[]).includes(dimension.field) &&
      selected?.supportedDimensions.includes(dimension.key),
  );
};

export const overviewPage: Page = async (root, context) => {
  // Asked before the catalog is in, the trend first (one metric, the cheaper question):
  // the first chart waits for nothing but its own answer.
  const trendAnswer = request(TrendDocument, trendVariables(context));
  const cardsAnswer = request(OverviewCardsDocument, {
    timeRange: context.timeRange,
    segment: context.segment,
    compareTo: settings.compareTo,
  });
  // Marked handled: if the catalog fails first (a refused key), these fail unobserved otherwise.
  for (const answer of [trendAnswer, cardsAnswer]) answer.catch(() => undefined);
  const catalog = await context.catalog;
  const metricOptions = KEY_METRICS.flatMap((field) => {
    const metric = metricByField(catalog, field);
    return metric ? [{ value: field, text: label(metric.labels) }] : [];
  });
  const change = (apply: () => void) => () => {
    apply();
    context.redraw();
  };
  const controls = h(
    "div",
    { class: "controls" },
    select(
      t("metric"),
      metricOptions,
      settings.metric,
      (value) =>
        change(() => {
          settings.metric = value as KeyMetric;
          if (!splitDimensions(catalog).some((dimension) => dimension.field === settings.split))
            settings.split = "";
        })(),
      "metric",
    ),
    select(
      t("grain"),
      (["HOUR", "DAY", "WEEK", "MONTH"] as const).map((grain) => ({ value: grain, text: t(grain) })),
      settings.grain,
      (value) => change(() => (settings.grain = value as TimeGrain))(),
      "grain",
    ),
    select(
      t("split"),
      [
        { value: "", text: t("noSplit") },
        ...splitDimensions(catalog).map((dimension) => ({
          value: dimension.field,
          text: label(dimension.labels),
        })),
      ],
      settings.split,
      (value) => change(() => (settings.split = value as TrendDimension | ""))(),
      "split",
    ),
  );
  const compare = h(
    "div",
    { class: "controls" },
    select(
      t("compareTo"),
      [
        { value: "PREVIOUS_PERIOD", text: t("previousPeriod") },
        { value: "PREVIOUS_YEAR", text: t("previousYear") },
      ],
      settings.compareTo,
      (value) => change(() => (settings.compareTo = value as ComparePeriod))(),
      "compareTo",
    ),
  );
  const trend = chartPanel(t("trend"), "trend", controls);
  const cardsHolder = h("div", {}, h("p", { class: "muted" }, t("loading")));
  root.append(compare, cardsHolder, trend.panel);
  await Promise.all([
    trendAnswer.then((data) => {
      const { option, points, description } = trendOption(catalog, data.metrics.rows);
      drawChart(trend.canvas, option, points, description);
    }),
    cardsAnswer.then((data) => {
      cardsHolder.replaceChildren(metricCards(catalog, data.total.rows[0], data.daily.rows));
    }),
  ]);
};
