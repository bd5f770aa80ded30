import {
  type AnalysisPeriod,
  DashboardFunnelDocument,
  type DashboardFunnelQuery,
  DashboardLifecycleDocument,
  DashboardPathsDocument,
  DashboardRepurchaseDocument,
  DashboardRetentionDocument,
  DashboardRfmDocument,
} from "../../client/generated";
import { request } from "../api";
import { describeChart, drawChart } from "../charts";
import type { Page } from "../context";
import { chartPanel, h, select } from "../dom";
import { formatValue, label, rfmSegmentName, t } from "../i18n";

/** The demo shop's purchase path (src/generator/shop.ts): view, cart, checkout, paid order. */
const FUNNEL_STEPS = ["product_view", "add_to_cart", "checkout_start", "order_paid"];
const ACTIVITY_EVENTS = ["page_view", "product_view", "add_to_cart", "order_paid"];

/** Breakdowns a funnel takes (FunnelInput.breakdown), by catalog dimension key. */
const FUNNEL_BREAKDOWNS = [
  "channel",
  "platform",
  "utm_source",
  "category",
  "city",
  "region",
  "gender",
  "age_band",
];
/** Bars per step in a breakdown: the values with the most entries. */
const MAX_BREAKDOWN_VALUES = 6;

const settings = {
  funnelBreakdown: "",
  retentionEvent: "page_view",
  retentionPeriod: "WEEK" as AnalysisPeriod,
  lifecycleEvent: "page_view",
  lifecycleGrain: "DAY" as AnalysisPeriod,
};

const percent = (value: number | null | undefined) => formatValue(value, "RATIO");

function table(headers: string[], rows: (string | number)[][], name: string): HTMLTableElement {
  return h(
    "table",
    { class: "data", "data-table": name },
    h("thead", {}, h("tr", {}, ...headers.map((header) => h("th", {}, header)))),
    h("tbody", {}, ...rows.map((row) => h("tr", {}, ...row.map((cell) => h("td", {}, cell))))),
  );
}

const count = (value: number | null | undefined) => formatValue(value, "COUNT");

/** A bin edge of the time to convert as a number and its unit: 5 min, 6 h, 3 d. */
function edge(seconds: number): [number, string] {
  if (seconds < 3600) return [seconds / 60, t("minutes")];
  if (seconds < 86_400) return [seconds / 3600, t("hours")];
  return [seconds / 86_400, t("daysShort")];
}

/** "0–1 min", "15 min–1 h", "1–3 d" (one unit when both edges share it), "≥ 30 d". */
function binLabel(bin: { fromSeconds: number; toSeconds?: number | null }): string {
  const [from, fromUnit] = edge(bin.fromSeconds);
  if (bin.toSeconds == null) return `≥ ${from} ${fromUnit}`;
  const [to, toUnit] = edge(bin.toSeconds);
  return from === 0 || fromUnit === toUnit
    ? `${from}–${to} ${toUnit}`
    : `${from} ${fromUnit}–${to} ${toUnit}`;
}

const duration = (seconds: number | null | undefined) =>
  seconds == null
    ? "–"
    : seconds < 3600
      ? `${Math.round(seconds / 60)} min`
      : seconds < 86_400
        ? `${(seconds / 3600).toFixed(1)} h`
        : `${(seconds / 86_400).toFixed(1)} d`;

export const funnelPage: Page = async (root, context) => {
  const catalog = await context.catalog;
  const dimensionLabel = (key: string) => {
    const dimension = catalog.dimensionCatalog.find((one) => one.key === key);
    return dimension ? label(dimension.labels) : key;
  };
  const controls = h(
    "div",
    { class: "controls" },
    select(
      t("breakdown"),
      [
        { value: "", text: t("noSplit") },
        ...FUNNEL_BREAKDOWNS.map((key) => ({ value: key, text: dimensionLabel(key) })),
      ],
      settings.funnelBreakdown,
      (value) => {
        settings.funnelBreakdown = value;
        context.redraw();
      },
      "breakdown",
    ),
  );
  const chart = chartPanel(t("funnel"), "funnel", controls);
  root.append(chart.panel);
  const { funnel } = await request(DashboardFunnelDocument, {
    input: {
      steps: FUNNEL_STEPS.map((event) => ({ event })),
      window: { value: 1, unit: "DAY" },
      timeRange: context.timeRange,
      segment: context.segment,
      breakdown: settings.funnelBreakdown || undefined,
    },
  });
  const steps = funnel.steps;
  drawChart(
    chart.canvas,
    {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 64, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: steps.map((step) => step.event) },
      yAxis: { type: "value" },
      series: [
        {
          type: "bar",
          name: t("users"),
          stack: "funnel",
          data: steps.map((step) => step.count),
        },
        {
          type: "bar",
          name: t("dropOff"),
          stack: "funnel",
          itemStyle: { color: "#e5e7eb" },
          // Those lost on the way to step k, on top of its bar: together they reach step k − 1's count.
          data: steps.map((step) => step.dropOff),
          // Above the whole stack, so that a short bar's numbers stay readable.
          label: {
            show: true,
            position: "top",
            color: "#111827",
            formatter: ({ dataIndex }: { dataIndex: number }) =>
              `${steps[dataIndex].count} · ${percent(steps[dataIndex].conversionFromPrevious)}`,
          },
        },
      ],
    },
    steps.length,
    describeChart(
      t("funnel"),
      steps.map((step) => step.event),
      [{ name: t("users"), data: steps.map((step) => step.count) }],
      count,
    ),
  );
  root.append(
    table(
      [
        t("step"),
        t("users"),
        t("conversion"),
        `${t("conversion")} (${t("fromStart")})`,
        t("dropOff"),
        t("medianTime"),
      ],
      steps.map((step) => [
        step.event,
        step.count,
        percent(step.conversionFromPrevious),
        percent(step.conversionFromStart),
        step.dropOff,
        duration(step.medianTimeToConvertSeconds),
      ]),
      "funnel",
    ),
  );
  drawTimeToConvert(root, steps);
  const breakdowns = [...(funnel.breakdowns ?? [])]
    .sort((a, b) => (b.steps[0]?.count ?? 0) - (a.steps[0]?.count ?? 0))
    .slice(0, MAX_BREAKDOWN_VALUES);
  if (breakdowns.length === 0) return;
  const split = chartPanel(
    `${t("conversion")} (${t("fromStart")}) · ${dimensionLabel(settings.funnelBreakdown)}`,
    "funnel-breakdown",
  );
  root.append(split.panel);
  drawChart(
    split.canvas,
    {
      tooltip: { trigger: "axis", valueFormatter: (value: unknown) => percent(value as number) },
      legend: { top: 0 },
      grid: { left: 64, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: steps.map((step) => step.event) },
      yAxis: { type: "value", max: 1, axisLabel: { formatter: (value: number) => percent(value) } },
      series: breakdowns.map((breakdown) => ({
        type: "bar" as const,
        name: breakdown.value ?? "–",
        data: breakdown.steps.map((step) => step.conversionFromStart),
      })),
    },
    breakdowns.reduce((sum, breakdown) => sum + breakdown.steps.length, 0),
    describeChart(
      split.panel.querySelector("h2")?.textContent ?? t("breakdown"),
      steps.map((step) => step.event),
      breakdowns.map((breakdown) => ({
        name: breakdown.value ?? "–",
        data: breakdown.steps.map((step) => step.conversionFromStart),
      })),
      percent,
    ),
  );
};

type FunnelSteps = DashboardFunnelQuery["funnel"]["steps"];

/**
 * Users of each later step by time from the previous one (the funnel's `timeToConvert` bins):
 * one bar series per step over the bins, and the same numbers as a table.
 */
function drawTimeToConvert(root: HTMLElement, steps: FunnelSteps): void {
  const later = steps.filter((step) => step.timeToConvert.length > 0);
  if (later.length === 0) return;
  const bins = later[0].timeToConvert.map(binLabel);
  const hop = (index: number) => `${steps[index - 1].event} → ${steps[index].event}`;
  const chart = chartPanel(t("timeToConvert"), "funnel-time");
  root.append(chart.panel);
  const series = later.map((step) => ({
    name: hop(step.index),
    data: step.timeToConvert.map((bin) => bin.users),
  }));
  drawChart(
    chart.canvas,
    {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 64, right: 16, top: 36, bottom: 48 },
      xAxis: {
        type: "category",
        name: t("timeFromPrevious"),
        nameLocation: "middle",
        nameGap: 28,
        data: bins,
      },
      yAxis: { type: "value" },
      series: series.map((one) => ({ type: "bar" as const, ...one })),
    },
    later.length * bins.length,
    describeChart(t("timeToConvert"), bins, series, count),
  );
  root.append(
    table(
      [t("timeFromPrevious"), ...later.map((step) => hop(step.index))],
      bins.map((bin, i) => [bin, ...later.map((step) => step.timeToConvert[i].users)]),
      "funnel-time",
    ),
  );
}

export const retentionPage: Page = async (root, context) => {
  const controls = h(
    "div",
    { class: "controls" },
    select(
      t("period"),
      (["DAY", "WEEK", "MONTH"] as const).map((period) => ({ value: period, text: t(period) })),
      settings.retentionPeriod,
      (value) => {
        settings.retentionPeriod = value as AnalysisPeriod;
        context.redraw();
      },
      "period",
    ),
    select(
      t("event"),
      ACTIVITY_EVENTS.map((event) => ({ value: event, text: event })),
      settings.retentionEvent,
      (value) => {
        settings.retentionEvent = value;
        context.redraw();
      },
      "event",
    ),
  );
  const chart = chartPanel(t("retention"), "retention", controls);
  root.append(chart.panel);
  const { retention } = await request(DashboardRetentionDocument, {
    input: {
      startEvent: settings.retentionEvent,
      returnEvent: settings.retentionEvent,
      period: settings.retentionPeriod,
      periods: 8,
      timeRange: context.timeRange,
      segment: context.segment,
    },
  });
  const cohorts = retention.cohorts;
  const periods = Math.max(0, ...cohorts.map((cohort) => cohort.percentages.length));
  const cells = cohorts.flatMap((cohort, y) =>
    cohort.percentages.flatMap((share, x) => (share == null ? [] : [[x, y, Math.round(share * 1000) / 10]])),
  );
  drawChart(
    chart.canvas,
    {
      tooltip: { formatter: (p: unknown) => `${(p as { value: number[] }).value[2]} %` },
      grid: { left: 150, right: 90, top: 8, bottom: 28 },
      xAxis: { type: "category", data: Array.from({ length: periods }, (_, i) => `${t("period")} ${i}`) },
      yAxis: {
        type: "category",
        inverse: true,
        data: cohorts.map((cohort) => `${cohort.start.slice(0, 10)} (${cohort.size})`),
      },
      visualMap: {
        min: 0,
        max: 100,
        calculable: true,
        orient: "vertical",
        right: 0,
        top: "middle",
        inRange: { color: ["#f0f9ff", "#1d4ed8"] },
      },
      series: [{ type: "heatmap", data: cells, label: { show: true, formatter: "{@[2]}%" } }],
    },
    cells.length,
    describeChart(
      t("retention"),
      retention.average.percentages.map((_, i) => `${t("period")} ${i}`),
      [{ name: t("average"), data: retention.average.percentages }],
      percent,
    ),
  );
  root.append(
    table(
      ["", ...retention.average.percentages.map((_, i) => `${t("period")} ${i}`)],
      [[t("average"), ...retention.average.percentages.map(percent)]],
      "retention-average",
    ),
  );
};

export const rfmPage: Page = async (root, context) => {
  const chart = chartPanel(t("rfm"), "rfm");
  root.append(chart.panel);
  const { rfm } = await request(DashboardRfmDocument, { segment: context.segment });
  // Each cell: its scores, its customers and the segment the API names for it.
  const cells = rfm.grid.map((cell) => ({
    value: [cell.f - 1, cell.r - 1, cell.users],
    name: rfmSegmentName(cell.segment),
  }));
  const cellText = (cell: (typeof rfm.grid)[number]) =>
    `R ${cell.r} · F ${cell.f}: ${rfmSegmentName(cell.segment)} ${count(cell.users)}`;
  drawChart(
    chart.canvas,
    {
      tooltip: {},
      grid: { left: 72, right: 90, top: 8, bottom: 48 },
      xAxis: {
        type: "category",
        name: t("frequency"),
        nameLocation: "middle",
        nameGap: 28,
        data: [1, 2, 3, 4, 5],
      },
      yAxis: {
        type: "category",
        name: t("recency"),
        nameLocation: "middle",
        nameGap: 40,
        data: [1, 2, 3, 4, 5],
      },
      visualMap: {
        min: 0,
        max: Math.max(1, ...rfm.grid.map((cell) => cell.users)),
        calculable: true,
        orient: "vertical",
        right: 0,
        top: "middle",
        inRange: { color: ["#fef3c7", "#b45309"] },
      },
      series: [
        {
          type: "heatmap",
          data: cells,
          label: {
            show: true,
            color: "#111827",
            formatter: ({ name, value }: { name: string; value: unknown }) =>
              `${name}\n${count((value as number[])[2])}`,
          },
        },
      ],
    },
    cells.length,
    `${t("rfm")}: ${rfm.grid.map(cellText).join("; ")}`,
  );
  root.append(
    table(
      [t("rfmSegment"), t("customers"), t("share"), t("avgMonetary")],
      rfm.segments.map((segment) => [
        rfmSegmentName(segment.name),
        segment.users,
        percent(segment.share),
        formatValue(segment.avgMonetary, "CURRENCY"),
      ]),
      "rfm-segments",
    ),
  );
};

export const pathsPage: Page = async (root, context) => {
  const chart = chartPanel(t("paths"), "paths");
  chart.canvas.classList.add("tall");
  root.append(chart.panel);
  const { paths } = await request(DashboardPathsDocument, {
    input: { timeRange: context.timeRange, segment: context.segment, maxSteps: 4, topLinks: 30 },
  });
  const events = new Map(paths.nodes.map((node) => [node.id, node.event]));
  drawChart(
    chart.canvas,
    {
      tooltip: { trigger: "item" },
      series: [
        {
          type: "sankey",
          left: 16,
          right: 120,
          emphasis: { focus: "adjacency" },
          data: paths.nodes.map((node) => ({ name: node.id, value: node.users })),
          links: paths.links.map((link) => ({ source: link.source, target: link.target, value: link.users })),
          label: { formatter: ({ name }: { name: string }) => events.get(name) ?? name },
        },
      ],
    },
    paths.links.length,
    // The busiest links, as the Sankey's widest bands.
    `${t("paths")}: ${[...paths.links]
      .sort((a, b) => b.users - a.users)
      .slice(0, 10)
      .map(
        (link) =>
          `${events.get(link.source) ?? link.source} → ${events.get(link.target) ?? link.target} ${count(link.users)}`,
      )
      .join("; ")}`,
  );
};

export const lifecyclePage: Page = async (root, context) => {
  const controls = h(
    "div",
    { class: "controls" },
    select(
      t("grain"),
      (["DAY", "WEEK", "MONTH"] as const).map((period) => ({ value: period, text: t(period) })),
      settings.lifecycleGrain,
      (value) => {
        settings.lifecycleGrain = value as AnalysisPeriod;
        context.redraw();
      },
      "period",
    ),
    select(
      t("event"),
      ACTIVITY_EVENTS.map((event) => ({ value: event, text: event })),
      settings.lifecycleEvent,
      (value) => {
        settings.lifecycleEvent = value;
        context.redraw();
      },
      "event",
    ),
  );
  const chart = chartPanel(t("lifecycle"), "lifecycle", controls);
  root.append(chart.panel);
  const { lifecycle } = await request(DashboardLifecycleDocument, {
    input: {
      event: settings.lifecycleEvent,
      grain: settings.lifecycleGrain,
      timeRange: context.timeRange,
      segment: context.segment,
    },
  });
  const rows = lifecycle.rows;
  const bar = (name: string, data: number[], color: string) => ({
    type: "bar" as const,
    name,
    stack: "lifecycle",
    data,
    itemStyle: { color },
  });
  drawChart(
    chart.canvas,
    {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 64, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: rows.map((row) => row.time.slice(0, 10)) },
      yAxis: { type: "value" },
      series: [
        bar(
          t("new"),
          rows.map((row) => row.new),
          "#16a34a",
        ),
        bar(
          t("returning"),
          rows.map((row) => row.returning),
          "#2563eb",
        ),
        bar(
          t("resurrecting"),
          rows.map((row) => row.resurrecting),
          "#f59e0b",
        ),
        // Dormant users are the ones lost: drawn below the axis, as PostHog does.
        bar(
          t("dormant"),
          rows.map((row) => -row.dormant),
          "#dc2626",
        ),
      ],
    },
    rows.length,
    describeChart(
      t("lifecycle"),
      rows.map((row) => row.time.slice(0, 10)),
      [
        { name: t("new"), data: rows.map((row) => row.new) },
        { name: t("returning"), data: rows.map((row) => row.returning) },
        { name: t("resurrecting"), data: rows.map((row) => row.resurrecting) },
        { name: t("dormant"), data: rows.map((row) => row.dormant) },
      ],
      count,
    ),
  );
};

export const repurchasePage: Page = async (root, context) => {
  const chart = chartPanel(t("repurchase"), "repurchase");
  root.append(chart.panel);
  const { repurchaseCycle } = await request(DashboardRepurchaseDocument, {
    timeRange: context.timeRange,
    segment: context.segment,
  });
  const { overall } = repurchaseCycle;
  const bins = overall.histogram;
  const binNames = bins.map((bin) =>
    bin.toDays == null ? `≥ ${bin.fromDays}` : `${bin.fromDays}–${bin.toDays}`,
  );
  drawChart(
    chart.canvas,
    {
      tooltip: { trigger: "axis" },
      grid: { left: 64, right: 16, top: 16, bottom: 48 },
      xAxis: {
        type: "category",
        name: t("days"),
        nameLocation: "middle",
        nameGap: 28,
        data: binNames,
      },
      yAxis: { type: "value" },
      series: [{ type: "bar", name: t("intervals"), data: bins.map((bin) => bin.count) }],
    },
    bins.length,
    describeChart(
      `${t("repurchase")} (${t("days")})`,
      binNames,
      [{ name: t("intervals"), data: bins.map((bin) => bin.count) }],
      count,
    ),
  );
  const days = (value: number | null | undefined) => (value == null ? "–" : value.toFixed(1));
  root.append(
    table(
      [t("intervals"), t("median"), `${t("quartiles")} (p25 – p75)`],
      [[overall.intervals, days(overall.medianDays), `${days(overall.p25Days)} – ${days(overall.p75Days)}`]],
      "repurchase",
    ),
  );
};
