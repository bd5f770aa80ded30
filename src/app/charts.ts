import type {
  BarSeriesOption,
  CustomSeriesOption,
  HeatmapSeriesOption,
  LineSeriesOption,
  SankeySeriesOption,
  ScatterSeriesOption,
} from "echarts/charts";
import { BarChart, CustomChart, HeatmapChart, LineChart, SankeyChart, ScatterChart } from "echarts/charts";
import type {
  AriaComponentOption,
  GridComponentOption,
  LegendComponentOption,
  MarkLineComponentOption,
  TooltipComponentOption,
  VisualMapComponentOption,
} from "echarts/components";
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import { type ComposeOption, type EChartsType, getInstanceByDom, init, use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

// Only the charts and components the pages draw: the bundle stays a fraction of full ECharts.
use([
  AriaComponent,
  BarChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  SankeyChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export type ChartOption = ComposeOption<
  | AriaComponentOption
  | BarSeriesOption
  | CustomSeriesOption
  | HeatmapSeriesOption
  | LineSeriesOption
  | SankeySeriesOption
  | ScatterSeriesOption
  | MarkLineComponentOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
>;

const charts = new Set<EChartsType>();
window.addEventListener("resize", () => {
  for (const chart of charts) chart.resize();
});

/** Disposes the charts of the page being left (their canvases go with the page's DOM). */
export function disposeCharts(): void {
  for (const chart of charts) chart.dispose();
  charts.clear();
}

/**
 * Draws `option` into `container`. `points` (how many data points the option holds) and the
 * moment the first frame finished are written on the container: the browser tests check that
 * every chart drew something and time the first chart. `description` is what a screen reader
 * says instead of the canvas: ECharts' aria option makes the container `role="img"` with it as
 * `aria-label`, so it names the chart and states its main numbers.
 */
export function drawChart(
  container: HTMLElement,
  option: ChartOption,
  points: number,
  description: string,
): EChartsType {
  const previous = getInstanceByDom(container);
  if (previous) {
    charts.delete(previous);
    previous.dispose();
    delete container.dataset.renderedAt;
  }
  const chart = init(container, undefined, { renderer: "canvas" });
  charts.add(chart);
  container.dataset.points = String(points);
  chart.on("finished", () => {
    container.dataset.renderedAt ??= String(Math.round(performance.now()));
  });
  chart.setOption({ animation: false, aria: { enabled: true, label: { description } }, ...option });
  return chart;
}

/** A small line without axes for a metric card. */
export function drawSparkline(
  container: HTMLElement,
  values: (number | null)[],
  description: string,
): EChartsType {
  return drawChart(
    container,
    {
      grid: { left: 2, right: 2, top: 4, bottom: 4 },
      xAxis: { type: "category", show: false, boundaryGap: false, data: values.map((_, i) => i) },
      yAxis: { type: "value", show: false, scale: true },
      series: [
        {
          type: "line",
          data: values,
          symbol: "none",
          lineStyle: { width: 1.5 },
          areaStyle: { opacity: 0.15 },
        },
      ],
    },
    values.filter((value) => value !== null).length,
    description,
  );
}

/** Values a chart description reads out per series; the rest is summarised by its count. */
const DESCRIBED_VALUES = 12;

/**
 * A chart's accessible description: its title, then each series' values by category, e.g.
 * "GMV: 2026-11-01 12,000, 2026-11-02 13,500 …". Long series are cut after DESCRIBED_VALUES
 * values with how many more there are, so a screen reader does not read hundreds of numbers.
 */
export function describeChart(
  title: string,
  categories: readonly (string | number)[],
  series: readonly { name: string; data: readonly (number | null | undefined)[] }[],
  format: (value: number | null | undefined) => string,
): string {
  const parts = series.map((one) => {
    const values = one.data
      .slice(0, DESCRIBED_VALUES)
      .map((value, i) => `${categories[i] ?? i + 1} ${format(value)}`);
    const more = one.data.length - DESCRIBED_VALUES;
    return `${one.name}: ${values.join(", ")}${more > 0 ? ` (+${more})` : ""}`;
  });
  return [title, ...parts].join(". ");
}
