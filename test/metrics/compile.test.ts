import { describe, expect, it } from "vitest";
import { compileMetricQuery } from "../../src/semantic/metrics/compile";
import { compileSql } from "../../src/semantic/sql";
import { churnAll, conversionByChannelWhereCity, ordersAndGmvByDay, TZ } from "./golden-queries";

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
