import { describe, expect, it } from "vitest";
import { METRICS_BY_KEY } from "../../src/metrics/catalog";
import type { Metric } from "../../src/metrics/types";
import { planMetricQuery } from "../../src/semantic/metrics/plan";
import { metricAnswerTable } from "../../src/server/exports/metrics-csv";

const metrics = (...keys: string[]): Metric[] => keys.map((key) => METRICS_BY_KEY.get(key) as Metric);

describe("metric plan (pure data)", () => {
  it("plans orders and gmv as one totals CTE stacked on the series", () => {
    const plan = planMetricQuery({
      metrics: metrics("orders", "gmv"),
      dimensions: [],
      rfm: false,
      compare: false,
    });
    expect(plan).toEqual({
      metrics: ["orders", "gmv"],
      dimensionColumns: [],
      compare: false,
      current: {
        prefix: "",
        series: "series",
        result: "result",
        rfm: "rfm",
        firstOrders: "first_orders",
        churn: false,
        ctes: [
          { kind: "series", name: "series" },
          { kind: "totals", name: "orders_totals", fact: "orders", measures: ["gmv", "orders"] },
          {
            kind: "parts",
            name: "parts",
            columns: ["m_gmv", "m_orders"],
            branches: [{ source: "orders_totals", columns: ["m_gmv", "m_orders"] }],
          },
          {
            kind: "result",
            name: "result",
            parts: "parts",
            series: "series",
            columns: ["m_gmv", "m_orders"],
            metrics: ["orders", "gmv"],
          },
        ],
      },
      output: [
        { name: "bucket", role: "bucket" },
        { name: "orders", role: "value", metric: "orders" },
        { name: "gmv", role: "value", metric: "gmv" },
      ],
    });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it("plans a cross-fact ratio per user, combined by activity, with a prefixed comparison period", () => {
    const plan = planMetricQuery({
      metrics: metrics("conversion_rate", "gmv"),
      dimensions: [{ column: "d_channel", ref: { key: "channel" } }],
      rfm: false,
      compare: true,
    });
    expect(plan.current.ctes).toEqual([
      { kind: "series", name: "series" },
      { kind: "by_user", name: "events_by_user", fact: "events", measures: ["events"], firstOrder: false },
      {
        kind: "by_user",
        name: "orders_by_user",
        fact: "orders",
        measures: ["gmv", "orders"],
        firstOrder: false,
      },
      {
        kind: "activity",
        name: "activity",
        sources: [
          { cte: "events_by_user", fact: "events", measures: ["events"] },
          { cte: "orders_by_user", fact: "orders", measures: ["gmv", "orders"] },
        ],
        measures: ["events", "gmv", "orders"],
        firstOrder: false,
      },
      {
        kind: "activity_totals",
        name: "activity_totals",
        source: "activity",
        sums: ["gmv"],
        counts: ["visiting_buyers", "visitors"],
      },
      {
        kind: "parts",
        name: "parts",
        columns: ["m_gmv", "m_visiting_buyers", "m_visitors"],
        branches: [{ source: "activity_totals", columns: ["m_gmv", "m_visiting_buyers", "m_visitors"] }],
      },
      { kind: "slices", name: "slices", source: "parts" },
      {
        kind: "result",
        name: "result",
        parts: "parts",
        series: "series",
        slices: "slices",
        columns: ["m_gmv", "m_visiting_buyers", "m_visitors"],
        metrics: ["conversion_rate", "gmv"],
      },
    ]);
    expect(plan.previous?.ctes.map((cte) => cte.name)).toEqual([
      "previous_series",
      "previous_events_by_user",
      "previous_orders_by_user",
      "previous_activity",
      "previous_activity_totals",
      "previous_parts",
      "previous_slices",
      "previous_result",
    ]);
    expect(plan.previous?.result).toBe("previous_result");
    expect(plan.output).toEqual([
      { name: "bucket", role: "bucket" },
      { name: "d_channel", role: "dimension", dimension: { key: "channel" } },
      { name: "conversion_rate", role: "value", metric: "conversion_rate" },
      { name: "previous_conversion_rate", role: "previous", metric: "conversion_rate" },
      { name: "change_conversion_rate", role: "change", metric: "conversion_rate" },
      { name: "gmv", role: "value", metric: "gmv" },
      { name: "previous_gmv", role: "previous", metric: "gmv" },
      { name: "change_gmv", role: "change", metric: "gmv" },
    ]);
  });

  it("plans churn from orders_by_user and new buyers from first orders, with RFM scores", () => {
    const plan = planMetricQuery({
      metrics: metrics("churn_rate", "new_buyers"),
      dimensions: [],
      rfm: true,
      compare: false,
    });
    expect(plan.current.churn).toBe(true);
    expect(plan.current.onlyEvent).toBeUndefined();
    expect(plan.current.ctes).toEqual([
      { kind: "series", name: "series" },
      { kind: "rfm", name: "rfm" },
      { kind: "first_orders", name: "first_orders" },
      { kind: "by_user", name: "orders_by_user", fact: "orders", measures: ["orders"], firstOrder: true },
      {
        kind: "activity",
        name: "activity",
        sources: [{ cte: "orders_by_user", fact: "orders", measures: ["orders"] }],
        measures: ["orders"],
        firstOrder: true,
      },
      {
        kind: "activity_totals",
        name: "activity_totals",
        source: "activity",
        sums: [],
        counts: ["new_buyers"],
      },
      { kind: "churn_users", name: "churn_users", source: "orders_by_user" },
      { kind: "churn", name: "churn", source: "churn_users" },
      {
        kind: "parts",
        name: "parts",
        columns: ["m_churned_buyers", "m_new_buyers", "m_previous_buyers"],
        branches: [
          { source: "activity_totals", columns: ["m_new_buyers"] },
          { source: "churn", columns: ["m_previous_buyers", "m_churned_buyers"] },
        ],
      },
      {
        kind: "result",
        name: "result",
        parts: "parts",
        series: "series",
        columns: ["m_churned_buyers", "m_new_buyers", "m_previous_buyers"],
        metrics: ["churn_rate", "new_buyers"],
      },
    ]);
  });

  it("scans only add_to_cart events when every events measure counts that event", () => {
    const plan = planMetricQuery({
      metrics: metrics("cart_abandonment_rate"),
      dimensions: [],
      rfm: false,
      compare: false,
    });
    expect(plan.current.onlyEvent).toBe("add_to_cart");
  });
});

describe("metric answer table (CSV export, CLI)", () => {
  it("names and fills its columns from the plan's output columns", () => {
    const table = metricAnswerTable({
      rollups: { used: false, reason: "not built" },
      columns: [
        { name: "bucket", role: "bucket" },
        { name: "d_has_tag_0", role: "dimension", dimension: { key: "has_tag", arg: "vip" } },
        { name: "gmv", role: "value", metric: "gmv" },
        { name: "previous_gmv", role: "previous", metric: "gmv" },
        { name: "change_gmv", role: "change", metric: "gmv" },
      ],
      rows: [
        {
          time: "2026-03-01T00:00:00+08:00",
          dimensions: [true],
          values: { gmv: 150 },
          previous: { gmv: 100 },
          change: { gmv: 0.5 },
        },
      ],
      sql: "",
      params: [],
      sqlInlined: "",
    });
    expect(table).toEqual({
      header: ["time", "tag:vip", "gmv", "previous_gmv", "change_gmv"],
      rows: [["2026-03-01T00:00:00+08:00", true, 150, 100, 0.5]],
    });
  });
});
