import { beforeAll, describe, expect, it } from "vitest";
import { compileMetricQuery } from "../../src/semantic/metrics/compile";
import type { MetricQuery } from "../../src/semantic/metrics/query";
import { compileSql } from "../../src/semantic/sql";
import { describeEachDatabase } from "../helpers/db";
import { loadMetricFixture } from "./fixture";

const RANGE = { from: "2026-03-01", to: "2026-03-04" };
const TZ = "Asia/Shanghai";

const ordersAndGmvByDay: MetricQuery = {
  metrics: ["orders", "gmv"],
  dimensions: [],
  grain: "DAY",
  timezone: TZ,
  range: RANGE,
};

/** Reviewed by hand: one fact CTE grouped by local day, stacked on the dense series. */
const GOLDEN_ORDERS_AND_GMV = `with "series" as (select (local_bucket at time zone $1) as bucket
    from generate_series(date_trunc($2, ($3::timestamp at time zone $4) at time zone $5), (($6::timestamp at time zone $7) at time zone $8) - interval '1 microsecond', interval '1 day') as local_bucket),
"orders_totals" as (
  select (date_trunc($9, f.placed_at at time zone $10) at time zone $11) as bucket, sum(f.total_amount) as "m_gmv", count(*) as "m_orders"
  from (
  select o.order_id, coalesce(m.survivor_id, o.user_id) as user_id, o.placed_at, o.status,
    o.total_amount, o.refunded_amount, o.channel, o.platform, o.utm_source, o.utm_campaign,
    o.coupon_code, o.campaign_id
  from orders o left join user_merges m on m.loser_id = o.user_id
  where o.counted
) f
  where f.placed_at >= ($12::timestamp at time zone $13) and f.placed_at < ($14::timestamp at time zone $15)
  group by 1),
"parts" as (
  select "bucket", "m_gmv"::float8 as "m_gmv", "m_orders"::float8 as "m_orders" from "orders_totals"),
"result" as (
  select "bucket", coalesce(sum("m_orders"), 0) as "orders", coalesce(sum("m_gmv"), 0) as "gmv"
  from (select "bucket", "m_gmv", "m_orders", false as dense from "parts"
    union all select s.bucket, null::float8, null::float8, true from "series" s) as stacked
  group by 1
  having bool_or(dense))
select * from "result"
order by "bucket" nulls last
limit $16`;

const conversionByChannelWhereCity: MetricQuery = {
  metrics: ["conversion_rate", "gmv"],
  dimensions: [{ key: "channel" }],
  grain: "ALL",
  timezone: TZ,
  range: RANGE,
  where: { dimension: { key: "city" }, condition: { in: ["上海", "北京"] } },
};

const churnAll: MetricQuery = {
  metrics: ["churn_rate"],
  dimensions: [],
  grain: "ALL",
  timezone: TZ,
  range: RANGE,
};

describe("metrics compiler: golden SQL", () => {
  it("compiles orders and gmv by day to one fact CTE on the dense series", () => {
    const { sql, params } = compileSql(compileMetricQuery(ordersAndGmvByDay).statement);
    expect(sql).toBe(GOLDEN_ORDERS_AND_GMV);
    expect(params).toEqual([
      TZ,
      "day",
      "2026-03-01",
      TZ,
      TZ,
      "2026-03-04",
      TZ,
      TZ,
      "day",
      TZ,
      TZ,
      "2026-03-01",
      TZ,
      "2026-03-04",
      TZ,
      10_000,
    ]);
  });

  it("compiles a cross-fact ratio by slice to per-user CTEs stacked with union all, filters as parameters", () => {
    const { sql, params } = compileSql(compileMetricQuery(conversionByChannelWhereCity).statement);
    expect(sql).toContain(`"activity" as (
  select "bucket", "d_channel", "user_id", sum("m_events") as "m_events", sum("m_gmv") as "m_gmv", sum("m_orders") as "m_orders"
  from (select "bucket", "d_channel", "user_id", "m_events", 0 as "m_gmv", 0 as "m_orders" from "events_by_user"
    union all select "bucket", "d_channel", "user_id", 0 as "m_events", "m_gmv", "m_orders" from "orders_by_user") as stacked`);
    expect(sql).toContain(`count(*) filter (where m_events > 0 and m_orders > 0) as "m_visiting_buyers"`);
    expect(sql).toContain(
      `coalesce(sum("m_visiting_buyers"), 0) / nullif(sum("m_visitors"), 0) as "conversion_rate"`,
    );
    expect(sql).toContain(`coalesce(u.traits ->> 'city' in ($`);
    expect(sql).toContain(`"slices" as (select distinct "d_channel" from "parts")`);
    expect(sql).not.toContain("上海");
    expect(params).toEqual(expect.arrayContaining(["上海", "北京"]));
    expect(sql.match(/;/g)).toBeNull(); // one statement
  });

  it("compiles churn for ALL against the equally long window before the range", () => {
    const { sql } = compileSql(compileMetricQuery(churnAll).statement);
    expect(sql).toContain("f.placed_at >= to_timestamp(2 * extract(epoch from ($");
    expect(sql).toContain(`"churn_users" as (`);
    expect(sql).toContain("having bool_or(not is_current)");
    expect(sql).toContain(
      `coalesce(sum("m_churned_buyers"), 0) / nullif(sum("m_previous_buyers"), 0) as "churn_rate"`,
    );
  });
});

describeEachDatabase("metrics compiler: golden queries on the database", (db) => {
  beforeAll(() => loadMetricFixture(db()));
  const run = (query: MetricQuery) => db().query(compileMetricQuery(query).statement);

  it("orders and gmv by local day", async () => {
    expect(await run(ordersAndGmvByDay)).toEqual([
      { bucket: new Date("2026-03-01T00:00:00+08:00"), orders: 3, gmv: 180 }, // o2 o8 o1
      { bucket: new Date("2026-03-02T00:00:00+08:00"), orders: 2, gmv: 120 }, // o3 o6
      { bucket: new Date("2026-03-03T00:00:00+08:00"), orders: 0, gmv: 0 },
    ]);
  });

  it("conversion and gmv by channel for users in 上海 or 北京", async () => {
    // u4 (no city) is filtered out. app: visitors u1 u2, both bought (o2 o1, o6) → 1; gmv 240
    // web: visitors u3 (e3 e8) and u1 (e5), buyers u6 (o8) and u1 (o3) → {u1} / 2; gmv 20 + 40
    expect(await run(conversionByChannelWhereCity)).toEqual([
      { bucket: new Date("2026-03-01T00:00:00+08:00"), d_channel: "app", conversion_rate: 1, gmv: 240 },
      { bucket: new Date("2026-03-01T00:00:00+08:00"), d_channel: "web", conversion_rate: 0.5, gmv: 60 },
    ]);
  });

  it("churn for ALL", async () => {
    // previous window 02-26 … 03-01: buyer u2 (o0), who bought o6 in the range → 0
    expect(await run(churnAll)).toEqual([{ bucket: new Date("2026-03-01T00:00:00+08:00"), churn_rate: 0 }]);
  });
});
