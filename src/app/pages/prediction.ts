import { DashboardPredictionDocument } from "../../client/generated";
import { request } from "../api";
import { describeChart, drawChart } from "../charts";
import type { Page } from "../context";
import { chartPanel, h } from "../dom";
import { formatValue, t } from "../i18n";

/** Models are named when fitted (`stratum fit KEY`); the API has no list, so the key is asked once. */
const MODEL_KEY = "stratum.purchaseModel";
const RISK_BANDS = ["low", "medium", "high"] as const;

const today = () => {
  const date = new Date();
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
};

export const predictionPage: Page = async (root, context) => {
  const model = localStorage.getItem(MODEL_KEY) ?? "";
  const input = h("input", { type: "text", name: "model", value: model, placeholder: "stratum fit KEY" });
  root.append(
    h(
      "form",
      {
        class: "controls",
        onsubmit: (event: Event) => {
          event.preventDefault();
          localStorage.setItem(MODEL_KEY, input.value.trim());
          context.redraw();
        },
      },
      h("label", { class: "control" }, h("span", {}, t("model")), input),
      h("button", { type: "submit" }, t("open")),
    ),
  );
  if (!model) {
    root.append(h("p", { class: "muted" }, t("modelHint")));
    return;
  }
  const { purchaseModel, metrics } = await request(DashboardPredictionDocument, {
    key: model,
    holdoutEnd: today(),
    timeRange: context.timeRange,
  });
  if (!purchaseModel) {
    root.append(h("p", { class: "error" }, t("noModel", { key: model })));
    return;
  }
  const holdout = chartPanel(t("holdoutCheck"), "prediction-holdout");
  const calibration = chartPanel(t("calibrationByBand"), "prediction-calibration");
  const bands = chartPanel(t("riskBands"), "prediction-risk");
  root.append(h("div", { class: "columns" }, holdout.panel, calibration.panel), bands.panel);
  const periods = purchaseModel.holdout.periods;
  drawChart(
    holdout.canvas,
    {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: periods.map((period) => String(period.start)) },
      yAxis: { type: "value" },
      series: [
        { type: "line", name: t("predicted"), data: periods.map((period) => period.predicted) },
        { type: "bar", name: t("actual"), data: periods.map((period) => period.actual) },
      ],
    },
    periods.length,
    describeChart(
      t("holdoutCheck"),
      periods.map((period) => String(period.start)),
      [
        { name: t("predicted"), data: periods.map((period) => period.predicted) },
        { name: t("actual"), data: periods.map((period) => period.actual) },
      ],
      (value) => formatValue(value, "COUNT"),
    ),
  );
  // Per band, repeat transactions per customer over the holdout: a calibrated model's bars match.
  const calibrated = purchaseModel.holdout.riskBands;
  const perCustomer = (total: number, customers: number) => (customers === 0 ? null : total / customers);
  const calibrationSeries = [
    {
      name: t("predicted"),
      data: calibrated.map((band) => perCustomer(band.predicted, band.customers)),
    },
    { name: t("actual"), data: calibrated.map((band) => perCustomer(band.actual, band.customers)) },
  ];
  const bandNames = calibrated.map(
    (band) => `${t(band.band as (typeof RISK_BANDS)[number])} (${band.customers})`,
  );
  const perCustomerText = (value: number | null | undefined) => (value == null ? "–" : value.toFixed(2));
  drawChart(
    calibration.canvas,
    {
      tooltip: { trigger: "axis", valueFormatter: (value: unknown) => perCustomerText(value as number) },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: bandNames },
      yAxis: { type: "value", name: t("perCustomer") },
      series: calibrationSeries.map((one) => ({
        type: "bar" as const,
        ...one,
        label: {
          show: true,
          position: "top" as const,
          formatter: ({ value }: { value: unknown }) => perCustomerText(value as number),
        },
      })),
    },
    calibrated.length * 2,
    describeChart(t("calibrationByBand"), bandNames, calibrationSeries, perCustomerText),
  );
  const byBand = new Map(metrics.rows.map((row) => [row.riskBand, row]));
  drawChart(
    bands.canvas,
    {
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 16, bottom: 28 },
      xAxis: { type: "category", data: RISK_BANDS.map((band) => t(band)) },
      yAxis: { type: "value" },
      series: [
        {
          type: "bar",
          name: t("buyersInRange"),
          data: RISK_BANDS.map((band) => byBand.get(band)?.buyers ?? 0),
          label: { show: true, position: "top" },
        },
      ],
    },
    RISK_BANDS.length,
    describeChart(
      t("riskBands"),
      RISK_BANDS.map((band) => t(band)),
      [{ name: t("buyersInRange"), data: RISK_BANDS.map((band) => byBand.get(band)?.buyers ?? 0) }],
      (value) => formatValue(value, "COUNT"),
    ),
  );
  root.append(
    h(
      "table",
      { class: "data", "data-table": "prediction" },
      h(
        "tbody",
        {},
        ...(
          [
            [t("model"), `${purchaseModel.key} v${purchaseModel.version}`],
            [t("calibrationEnd"), String(purchaseModel.calibrationEnd)],
            [t("customers"), `${purchaseModel.customers} (${purchaseModel.repeatCustomers} ${t("repeat")})`],
            [
              t("holdoutTotals"),
              `${formatValue(purchaseModel.holdout.predictedTotal, "COUNT")} / ${purchaseModel.holdout.actualTotal}`,
            ],
            [
              t("riskThresholds"),
              `${formatValue(purchaseModel.riskThresholds.medium, "RATIO")} / ${formatValue(purchaseModel.riskThresholds.high, "RATIO")}`,
            ],
          ] as const
        ).map(([name, value]) => h("tr", {}, h("th", {}, name), h("td", {}, value))),
      ),
    ),
  );
};
