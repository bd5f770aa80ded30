import { DashboardCampaignResultsDocument, DashboardCampaignsDocument } from "../../client/generated";
import { request } from "../api";
import { describeChart, drawChart } from "../charts";
import type { Page } from "../context";
import { chartPanel, h, select } from "../dom";
import { formatValue, t } from "../i18n";

const settings = { campaign: "" };

const percent = (value: number | null | undefined) => formatValue(value, "RATIO");
const points = (value: number | null | undefined) =>
  value == null ? "–" : `${value >= 0 ? "+" : ""}${(value * 100).toFixed(1)} pp`;

export const campaignsPage: Page = async (root, context) => {
  const { campaigns } = await request(DashboardCampaignsDocument, {});
  const launched = campaigns.filter((campaign) => campaign.launchedAt);
  if (launched.length === 0) {
    root.append(h("p", { class: "muted" }, t("noCampaigns")));
    return;
  }
  if (!launched.some((campaign) => campaign.key === settings.campaign)) settings.campaign = launched[0].key;
  const controls = h(
    "div",
    { class: "controls" },
    select(
      t("campaign"),
      launched.map((campaign) => ({ value: campaign.key, text: `${campaign.name} (${campaign.channel})` })),
      settings.campaign,
      (value) => {
        settings.campaign = value;
        context.redraw();
      },
      "campaign",
    ),
  );
  const arms = chartPanel(t("conversion"), "campaign-arms", controls);
  const daily = chartPanel(t("daily"), "campaign-daily");
  const banner = h("div", {});
  root.append(banner, h("div", { class: "columns" }, arms.panel, daily.panel));
  const { campaignResults: results } = await request(DashboardCampaignResultsDocument, {
    key: settings.campaign,
  });
  if (results.holdoutTouched > 0)
    banner.append(
      h(
        "p",
        { class: "warning", "data-holdout-touched": "" },
        t("holdoutTouched", { count: results.holdoutTouched }),
      ),
    );
  const armNames = [t("treated"), t("holdout")];
  drawChart(
    arms.canvas,
    {
      tooltip: { trigger: "axis", valueFormatter: (value: unknown) => percent(value as number) },
      grid: { left: 56, right: 16, top: 16, bottom: 28 },
      xAxis: { type: "category", data: armNames },
      yAxis: { type: "value", axisLabel: { formatter: (value: number) => percent(value) } },
      series: [
        {
          type: "bar",
          name: t("conversion"),
          data: [results.conversionRate.treated, results.conversionRate.holdout],
          label: {
            show: true,
            position: "top",
            formatter: ({ value }: { value: unknown }) => percent(value as number),
          },
        },
      ],
    },
    2,
    describeChart(
      t("conversion"),
      armNames,
      [{ name: t("conversion"), data: [results.conversionRate.treated, results.conversionRate.holdout] }],
      percent,
    ),
  );
  const days = results.daily;
  drawChart(
    daily.canvas,
    {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: days.map((day) => day.day) },
      yAxis: { type: "value" },
      series: [
        { type: "line", name: t("sent"), data: days.map((day) => day.sent), showSymbol: false },
        { type: "line", name: t("opened"), data: days.map((day) => day.opened), showSymbol: false },
        {
          type: "bar",
          name: `${t("conversions")} · ${armNames[0]}`,
          data: days.map((day) => day.conversions.treated),
        },
        {
          type: "bar",
          name: `${t("conversions")} · ${armNames[1]}`,
          data: days.map((day) => day.conversions.holdout),
        },
      ],
    },
    days.length,
    describeChart(
      t("daily"),
      days.map((day) => day.day),
      [
        { name: t("sent"), data: days.map((day) => day.sent) },
        { name: t("opened"), data: days.map((day) => day.opened) },
        { name: `${t("conversions")} · ${armNames[0]}`, data: days.map((day) => day.conversions.treated) },
        { name: `${t("conversions")} · ${armNames[1]}`, data: days.map((day) => day.conversions.holdout) },
      ],
      (value) => formatValue(value, "COUNT"),
    ),
  );
  const money = (value: number | null | undefined) => formatValue(value, "CURRENCY");
  const facts: [string, string | number][] = [
    [
      t("audience"),
      `${results.audience} (${armNames[0]} ${results.treated}, ${armNames[1]} ${results.holdout})`,
    ],
    [
      `${t("sent")} / ${t("delivered")} / ${t("opened")} / ${t("clicked")}`,
      `${results.sent} / ${results.delivered} / ${results.opened} / ${results.clicked}`,
    ],
    [t("conversions"), `${results.conversions.treated} / ${results.conversions.holdout}`],
    [t("lift"), points(results.absoluteLift)],
    [
      t("liftOverHoldout"),
      results.absoluteCi95
        ? `${points(results.absoluteCi95.low)} … ${points(results.absoluteCi95.high)}`
        : "–",
    ],
    ["p", results.pValue == null ? "–" : results.pValue.toFixed(3)],
    [
      t("incrementalConversions"),
      results.incrementalConversions == null ? "–" : results.incrementalConversions.toFixed(1),
    ],
    [t("incrementalRevenue"), money(results.incrementalRevenue)],
    [t("cost"), money(results.cost)],
    ["ROI", results.roi == null ? "–" : percent(results.roi)],
  ];
  root.append(
    h(
      "table",
      { class: "data", "data-table": "campaign" },
      h("tbody", {}, ...facts.map(([name, value]) => h("tr", {}, h("th", {}, name), h("td", {}, value)))),
    ),
  );
};
