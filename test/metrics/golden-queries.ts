import type { MetricQuery } from "../../src/semantic/metrics/query";

/** Representative queries whose SQL is pinned in compile.test.ts and whose results on the fixture are checked in metrics-api.test.ts. */
const RANGE = { from: "2026-03-01", to: "2026-03-04" };
export const TZ = "Asia/Shanghai";

export const ordersAndGmvByDay: MetricQuery = {
  metrics: ["orders", "gmv"],
  dimensions: [],
  grain: "DAY",
  timezone: TZ,
  range: RANGE,
};

export const conversionByChannelWhereCity: MetricQuery = {
  metrics: ["conversion_rate", "gmv"],
  dimensions: [{ key: "channel" }],
  grain: "ALL",
  timezone: TZ,
  range: RANGE,
  where: { dimension: { key: "city" }, condition: { in: ["上海", "北京"] } },
};

export const churnAll: MetricQuery = {
  metrics: ["churn_rate"],
  dimensions: [],
  grain: "ALL",
  timezone: TZ,
  range: RANGE,
};
