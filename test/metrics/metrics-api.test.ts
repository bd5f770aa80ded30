import "reflect-metadata";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Database } from "../../src/db/client";
import { RollupService } from "../../src/metrics-service/rollups";
import { compileMetricQuery } from "../../src/semantic/metrics/compile";
import type { MetricQuery } from "../../src/semantic/metrics/query";
import { compileSql } from "../../src/semantic/sql";
import { countStatements, describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";
import { loadMetricFixture } from "./fixture";
import { churnAll, conversionByChannelWhereCity, ordersAndGmvByDay, TZ } from "./golden-queries";

const ALL_METRICS = `visitors events orders buyers gmv refunds netRevenue aov arppu conversionRate repurchaseRate
  newBuyers returningBuyers churnRate cartAbandonmentRate units itemRevenue`;

/**
 * The whole suite runs twice on each database: reading the user-day rollups wherever they answer
 * (built from the fixture in its zone), and forced onto the raw facts (STRATUM_ROLLUPS=0). The
 * expected values are the same hand computations both times.
 */
function describeWithAndWithoutRollups(
  name: string,
  body: (db: () => Database, rollups: boolean) => void,
): void {
  for (const rollups of [true, false])
    describeEachDatabase(`${name} (${rollups ? "with rollups" : "raw facts"})`, (db) => body(db, rollups));
}

describeWithAndWithoutRollups("metrics API", (db, rollups) => {
  let api: TestApi;
  beforeAll(async () => {
    await loadMetricFixture(db());
    if (rollups) await new RollupService(db()).rebuild(TZ);
    api = await startTestApi(db(), { STRATUM_ROLLUPS: rollups ? "1" : "0" });
  });
  afterAll(() => api?.close());

  const rowsOf = async (query: string, variables?: Record<string, unknown>) => {
    const response = await api.gql(query, variables);
    expect(response.errors).toBeUndefined();
    return response.data.metrics.rows;
  };

  it("computes every catalog metric per local day, dense, with churn against the previous day", async () => {
    const rows = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: DAY,
      timezone: "Asia/Shanghai") { rows { time ${ALL_METRICS} } } }`);
    expect(rows).toEqual([
      {
        time: "2026-03-01T00:00:00+08:00",
        events: 4, // e1 e2 e3 e4
        visitors: 3, // u1 u3 u4
        orders: 3, // o2, o8, o1 (23:30 local is still D1)
        buyers: 2, // u1, u6
        gmv: 180, // 60 + 20 + 100
        refunds: 0,
        netRevenue: 180,
        aov: 60, // 180 / 3
        arppu: 90, // 180 / 2
        conversionRate: 1 / 3, // visitors ∩ buyers = {u1} / 3 visitors
        repurchaseRate: 0.5, // u1 has 2 orders of 2 buyers
        newBuyers: 1, // u1 (first ever o2 on D1); u6's first order was 2026-01-10
        returningBuyers: 1, // 2 − 1
        churnRate: 1, // D0 buyers {u2}; u2 has no order on D1
        cartAbandonmentRate: 0.5, // cart users {u1, u3}; u3 bought nothing → 1/2
        units: 6, // o2 3 + o1 2 + 1
        itemRevenue: 160, // 3×20 + 2×30 + 1×40
      },
      {
        time: "2026-03-02T00:00:00+08:00",
        events: 4, // e5 (u5 → u1, 00:10 local), e6, e7, e8
        visitors: 3, // u1 u2 u3
        orders: 2, // o3 (refunded still counts), o6; o4 cancelled and o5 created excluded
        buyers: 2, // u1 (via u5), u2
        gmv: 120, // 40 + 80
        refunds: 60, // 40 + 20
        netRevenue: 60,
        aov: 60,
        arppu: 60,
        conversionRate: 2 / 3, // {u1, u2} / 3
        repurchaseRate: 0,
        newBuyers: 0, // u1 first bought on D1, u2 on D0
        returningBuyers: 2,
        churnRate: 0.5, // D1 buyers {u1, u6}; u6 has no order on D2
        cartAbandonmentRate: 0, // cart users {u2}; u2 bought
        units: 4, // o6
        itemRevenue: 80, // 4 × 20
      },
      {
        time: "2026-03-03T00:00:00+08:00",
        events: 0,
        visitors: 0,
        orders: 0,
        buyers: 0,
        gmv: 0,
        refunds: 0,
        netRevenue: 0,
        aov: null, // zero denominators are null
        arppu: null,
        conversionRate: null,
        repurchaseRate: null,
        newBuyers: 0,
        returningBuyers: 0,
        churnRate: 1, // D2 buyers {u1, u2}; neither bought on D3
        cartAbandonmentRate: null,
        units: 0,
        itemRevenue: 0,
      },
    ]);
  });

  it("scans only add_to_cart events when cart abandonment is the only event metric", async () => {
    const query = `{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, timezone: "Asia/Shanghai") {
      rows { cartAbandonmentRate } sql } }`;
    const response = await api.gql(query);
    // Raw: only the add_to_cart events; rolled up: only user-days that counted some.
    expect(response.data.metrics.sql).toMatch(rollups ? /and f\.cart_events > 0/ : /and f\.name = \$\d+/);
    // D1: {u1, u3} carted, u3 did not buy; D2: {u2} carted and bought; D3: nobody carted
    expect(response.data.metrics.rows).toEqual([
      { cartAbandonmentRate: 0.5 },
      { cartAbandonmentRate: 0 },
      { cartAbandonmentRate: null },
    ]);
  });

  it("answers ALL with churn against the equally long window before the range", async () => {
    const [row] = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai") { rows { time ${ALL_METRICS} } } }`);
    expect(row).toEqual({
      time: "2026-03-01T00:00:00+08:00",
      events: 8,
      visitors: 4, // u1 u2 u3 u4
      orders: 5, // o1 o2 o8 o3 o6
      buyers: 3, // u1 u2 u6
      gmv: 300, // 180 + 120
      refunds: 60,
      netRevenue: 240,
      aov: 60, // 300 / 5
      arppu: 100, // 300 / 3
      conversionRate: 0.5, // {u1, u2} / 4
      repurchaseRate: 1 / 3, // u1 has 3 orders
      newBuyers: 1, // u1
      returningBuyers: 2, // u2 (first on 02-28), u6 (first on 01-10)
      churnRate: 0, // window before = 02-26..03-01: buyers {u2}; u2 bought in the range
      cartAbandonmentRate: 1 / 3, // cart users {u1, u3, u2}; u3 never bought
      units: 10,
      itemRevenue: 240,
    });
  });

  it("buckets ISO weeks from Monday and carries churn across the week boundary", async () => {
    const rows = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: WEEK,
      timezone: "Asia/Shanghai") { rows { time orders gmv buyers churnRate } } }`);
    expect(rows).toEqual([
      // Sunday 03-01 belongs to the week of Monday 02-23 (only 03-01 is in the range)
      { time: "2026-02-23T00:00:00+08:00", orders: 3, gmv: 180, buyers: 2, churnRate: null }, // week 02-16 had no buyers
      // week 03-02: D2 + D3; of the previous week's buyers {u1, u6}, u6 did not come back
      { time: "2026-03-02T00:00:00+08:00", orders: 2, gmv: 120, buyers: 2, churnRate: 0.5 },
    ]);
  });

  it("shifts buckets with the time zone: in UTC the 00:30 order falls on 03-01", async () => {
    const rows = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-03"}, timezone: "UTC") {
      rows { time orders gmv } } }`);
    // UTC 03-01: o2 (02:00Z), o8 (04:00Z), o1 (15:30Z), o3 (16:30Z) = 60+20+100+40; UTC 03-02: o6 (04:00Z)
    expect(rows).toEqual([
      { time: "2026-03-01T00:00:00+00:00", orders: 4, gmv: 220 },
      { time: "2026-03-02T00:00:00+00:00", orders: 1, gmv: 80 },
    ]);
  });

  it("slices by channel through aliases and fragments, with churn per slice", async () => {
    const rows = await rowsOf(`
      query { metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: DAY, timezone: "Asia/Shanghai") {
        rows { __typename when: time ...Money ... on MetricRow { ch: channel conversionRate } } } }
      fragment Money on MetricRow { revenue: gmv churnRate }`);
    expect(rows).toEqual([
      // D1 app: u1 visits and buys o2+o1; no app buyers on D0 → churn null
      {
        __typename: "MetricRow",
        when: "2026-03-01T00:00:00+08:00",
        ch: "app",
        revenue: 160,
        churnRate: null,
        conversionRate: 1,
      },
      // D1 web: visitors u3 u4, buyer u6 (o8) who did not visit; D0 web buyer u2 gone → churn 1
      {
        __typename: "MetricRow",
        when: "2026-03-01T00:00:00+08:00",
        ch: "web",
        revenue: 20,
        churnRate: 1,
        conversionRate: 0,
      },
      // D2 app: u2 visits and buys o6; D1 app buyer u1 did not buy in app on D2
      {
        __typename: "MetricRow",
        when: "2026-03-02T00:00:00+08:00",
        ch: "app",
        revenue: 80,
        churnRate: 1,
        conversionRate: 1,
      },
      // D2 web: visitors u1 (e5) u3, buyer u1 (o3); D1 web buyer u6 gone
      {
        __typename: "MetricRow",
        when: "2026-03-02T00:00:00+08:00",
        ch: "web",
        revenue: 40,
        churnRate: 1,
        conversionRate: 0.5,
      },
      // D3: empty, dense; D2's buyers per channel all gone
      {
        __typename: "MetricRow",
        when: "2026-03-03T00:00:00+08:00",
        ch: "app",
        revenue: 0,
        churnRate: 1,
        conversionRate: null,
      },
      {
        __typename: "MetricRow",
        when: "2026-03-03T00:00:00+08:00",
        ch: "web",
        revenue: 0,
        churnRate: 1,
        conversionRate: null,
      },
    ]);
  });

  it("splits by user traits of the surviving profile and by item dimensions", async () => {
    const byCity = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai", orderBy: [{field: "gmv", direction: DESC}]) { rows { city gmv buyers } } }`);
    // 上海: u1 incl. merged u5's o3 = 60+100+40; 北京: u6 o8 20 + u2 o6 80
    expect(byCity).toEqual([
      { city: "上海", gmv: 200, buyers: 1 },
      { city: "北京", gmv: 100, buyers: 2 },
    ]);
    const byCategory = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai") { rows { category brand units itemRevenue } } }`);
    // apparel/B: o2 3×20 + o1 1×40; beauty/A: o1 2×30 + o6 4×20 (cancelled o4 excluded)
    expect(byCategory).toEqual([
      { category: "apparel", brand: "B", units: 4, itemRevenue: 100 },
      { category: "beauty", brand: "A", units: 6, itemRevenue: 140 },
    ]);
  });

  it("splits and restricts by tag and segment membership", async () => {
    const split = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai") { rows { vip: hasTag(key: "vip") conversionRate gmv } } }`);
    expect(split).toEqual([
      // non-members: visitors u2 u3 u4, of whom u2 bought; gmv o8 20 + o6 80
      { vip: false, conversionRate: 1 / 3, gmv: 100 },
      // members (u1): visited and bought o2 o1 o3
      { vip: true, conversionRate: 1, gmv: 200 },
    ]);
    const restricted = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai", segment: "big") { rows { gmv orders big: inSegment(key: "big") } } }`);
    expect(restricted).toEqual([{ gmv: 80, orders: 1, big: true }]); // u2's o6
    const tagged = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai", tag: "vip") { rows { gmv } } }`);
    expect(tagged).toEqual([{ gmv: 200 }]);
    const unknown = await api.gql(
      `{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, segment: "nope") { rows { gmv } } }`,
    );
    expect(unknown.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });

  it("splits by the RFM segment as of the end of the range", async () => {
    const rows = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai") { rows { rfmSegment gmv visitors } } }`);
    // RFM at 03-04 00:00 local over 365 days: u1 3 orders, last 03-02 00:30 (1 day); u2 2 orders,
    // last 03-02 12:00 (1 day); u6 2 orders, last 03-01 12:00 (2 days).
    // R (recency desc): u6 rank 0 → 1; u1, u2 rank ½ → 1 + ⌊2.5⌋ = 3. F (asc): u2, u6 rank 0 → 1; u1 rank 1 → 5.
    // u1 (3,5) loyal_customers, u2 (3,1) about_to_sleep, u6 (1,1) hibernating; u3, u4 have no orders → null
    expect(rows).toEqual([
      { rfmSegment: "about_to_sleep", gmv: 80, visitors: 1 }, // u2: o6; visited e6 e7
      { rfmSegment: "hibernating", gmv: 20, visitors: 0 }, // u6: o8
      { rfmSegment: "loyal_customers", gmv: 200, visitors: 1 }, // u1: o2 o1 o3
      { rfmSegment: null, gmv: 0, visitors: 2 }, // u3, u4
    ]);
  });

  it("splits by a value tag and filters by memberships", async () => {
    const rows = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai") { rows { tier: tagValue(key: "tier") gmv } } }`);
    // gold u1: o2 o1 o3; silver u2: o6; u6 has no tier: o8
    expect(rows).toEqual([
      { tier: "gold", gmv: 200 },
      { tier: "silver", gmv: 80 },
      { tier: null, gmv: 20 },
    ]);
    const [filtered] = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai", where: {or: [{tagValue: {key: "tier", eq: "silver"}}, {inSegment: {key: "big"}}]}) {
      rows { gmv } } }`);
    expect(filtered.gmv).toBe(80); // u2 either way
  });

  it("buckets hours from local date-times, and quarters", async () => {
    const hours = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01T23:00:00", to: "2026-03-02T01:00:00"},
      grain: HOUR, timezone: "Asia/Shanghai") { rows { time gmv events } } }`);
    expect(hours).toEqual([
      { time: "2026-03-01T23:00:00+08:00", gmv: 100, events: 0 }, // o1 at 23:30
      { time: "2026-03-02T00:00:00+08:00", gmv: 40, events: 1 }, // o3 at 00:30, e5 at 00:10
    ]);
    const quarters =
      await rowsOf(`{ metrics(timeRange: {from: "2026-01-01", to: "2026-07-01"}, grain: QUARTER,
      timezone: "Asia/Shanghai") { rows { time gmv } } }`);
    // Q1: o7 30 + o0 50 + 300 in March; Q2: nothing
    expect(quarters).toEqual([
      { time: "2026-01-01T00:00:00+08:00", gmv: 380 },
      { time: "2026-04-01T00:00:00+08:00", gmv: 0 },
    ]);
  });

  it("filters with eq, in, notIn, contains, isNull and and/or/not", async () => {
    const gmvWhere = async (where: string) => {
      const [row] = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
        timezone: "Asia/Shanghai", where: ${where}) { rows { gmv } } }`);
      return row.gmv;
    };
    expect(await gmvWhere(`{channel: {eq: "app"}}`)).toBe(240); // o2 60 + o1 100 + o6 80
    expect(await gmvWhere(`{channel: {notIn: ["app"]}}`)).toBe(60); // o8 20 + o3 40
    expect(await gmvWhere(`{city: {in: ["北京"]}}`)).toBe(100);
    expect(await gmvWhere(`{or: [{city: {contains: "上"}}, {channel: {eq: "web"}}]}`)).toBe(220); // 上海 200 + o8 20
    expect(await gmvWhere(`{not: {channel: {eq: "app"}}, city: {isNull: false}}`)).toBe(60);
    expect(await gmvWhere(`{hasTag: {key: "vip", member: false}}`)).toBe(100);
  });

  it("compares with the previous period bucket by bucket", async () => {
    const rows = await rowsOf(`{ metrics(timeRange: {from: "2026-03-02", to: "2026-03-04"}, grain: DAY,
      timezone: "Asia/Shanghai", compareTo: PREVIOUS_PERIOD) { rows { time gmv previousGmv gmvChange } } }`);
    // two days back: 03-02 ↔ 02-28 (o0 50), 03-03 ↔ 03-01 (180)
    expect(rows).toEqual([
      { time: "2026-03-02T00:00:00+08:00", gmv: 120, previousGmv: 50, gmvChange: 1.4 }, // (120 − 50) / 50
      { time: "2026-03-03T00:00:00+08:00", gmv: 0, previousGmv: 180, gmvChange: -1 },
    ]);
  });

  it("compares ALL with the window before and with the previous year", async () => {
    const rows = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai", compareTo: PREVIOUS_PERIOD) { rows { gmv previousGmv gmvChange } } }`);
    expect(rows).toEqual([{ gmv: 300, previousGmv: 50, gmvChange: 5 }]); // 02-26 … 03-01: o0 50; (300 − 50) / 50
    const lastYear = await rowsOf(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: ALL,
      timezone: "Asia/Shanghai", compareTo: PREVIOUS_YEAR) { rows { gmv previousGmv gmvChange } } }`);
    expect(lastYear).toEqual([{ gmv: 300, previousGmv: 0, gmvChange: null }]); // nothing in 2025; change over 0 is null
  });

  it("computes parametrised conversion metrics with a window and a constant property", async () => {
    const rows = await rowsOf(`{ metrics(timeRange: {from: "2026-03-10", to: "2026-03-11"}, grain: DAY,
      timezone: "Asia/Shanghai") { rows { viewToCartRate checkoutCompletionRate } } }`);
    // view → cart within 1 day in the same session: u1 (5 min, s1) and u3 (23 h, s4) of u1 u2 u3 u4;
    // u2 switched session, u4 took 25 h. checkout → order_paid within 1 day: u1 of u1 u2.
    expect(rows).toEqual([{ viewToCartRate: 0.5, checkoutCompletionRate: 0.5 }]);
  });

  it("rejects unsupported dimensions naming the supported ones, and oversized limits", async () => {
    const response = await api.gql(
      `{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}) { rows { brand gmv } } }`,
    );
    expect(response.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(response.errors?.[0].message).toContain(
      "gmv cannot be split or filtered by brand; it supports: channel, platform",
    );
    const limit = await api.gql(
      `{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, limit: 10001) { rows { gmv } } }`,
    );
    expect(limit.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
    const zone = await api.gql(
      `{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, timezone: "Mars/Base") { rows { gmv } } }`,
    );
    expect(zone.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("serves the catalog and the SQL", async () => {
    const response =
      await api.gql(`{ metricCatalog { key field labels { en zh } unit kind supportedDimensions }
      dimensionCatalog { key field metrics } }`);
    expect(response.errors).toBeUndefined();
    // without a metric field in rows there is nothing to compute
    const empty = await api.gql(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}) { sql } }`);
    expect(empty.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const explained = await api.gql(
      `{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}) { sql sqlInlined rows { gmv } } }`,
    );
    expect(explained.data.metrics.sql).toMatch(/^with "series" as/);
    expect(explained.data.metrics.sql).toContain("$1");
    expect(explained.data.metrics.sql).not.toContain("2026-03-01");
    expect(explained.data.metrics.sqlInlined).toMatch(/^with "series" as/);
    expect(explained.data.metrics.sqlInlined).not.toMatch(/\$\d/);
    const gmv = response.data.metricCatalog.find((m: any) => m.key === "gmv");
    expect(gmv).toMatchObject({
      field: "gmv",
      labels: { en: "GMV", zh: "成交总额" },
      unit: "CURRENCY",
      kind: "SIMPLE",
    });
    expect(gmv.supportedDimensions).not.toContain("brand");
    expect(response.data.metricCatalog.map((m: any) => m.key)).toEqual(
      expect.arrayContaining([
        "visitors",
        "net_revenue",
        "churn_rate",
        "cart_abandonment_rate",
        "item_revenue",
      ]),
    );
    expect(response.data.dimensionCatalog.find((d: any) => d.key === "brand").metrics).toEqual([
      "units",
      "item_revenue",
    ]);
  });

  it("runs 10 metrics by 2 dimensions in as many statements as 1 metric", async () => {
    const query = (fields: string) =>
      `{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, timezone: "Asia/Shanghai") { rows { time ${fields} } } }`;
    const one = await countStatements(db(), () => api.gql(query("gmv")));
    const ten = await countStatements(db(), () =>
      api.gql(
        query(
          "channel city visitors orders buyers gmv aov conversionRate repurchaseRate newBuyers churnRate cartAbandonmentRate",
        ),
      ),
    );
    expect((ten.result as any).errors).toBeUndefined();
    // the statement timeout (and with rollups, the zone they are built in), then ONE metrics statement
    expect(ten.statements.filter((s) => !/statement_timeout|from rollup_state/.test(s))).toHaveLength(1);
    expect(ten.statements).toHaveLength(one.statements.length);
  });

  /** Today's date in a time zone (YYYY-MM-DD), and the date `days` after a date, by the calendar. */
  const todayIn = (timezone: string) =>
    new Intl.DateTimeFormat("en-CA", { timeZone: timezone }).format(new Date());
  const addDays = (date: string, days: number) =>
    new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

  it("resolves last and named ranges when the query runs, in the query's time zone", async () => {
    // The fixture's facts are all from early 2026: these recent buckets are empty, but there.
    const days = await rowsOf(`{ metrics(timeRange: { last: "3d" }, grain: DAY, timezone: "Asia/Shanghai") {
      rows { time orders } } }`);
    const today = todayIn("Asia/Shanghai");
    expect(days).toEqual(
      [-3, -2, -1].map((offset) => ({ time: `${addDays(today, offset)}T00:00:00+08:00`, orders: 0 })),
    );
    const month = await rowsOf(`{ metrics(timeRange: { named: "previous_month" }, grain: MONTH,
      timezone: "America/New_York") { rows { time orders } } }`);
    const [year, monthNumber] = todayIn("America/New_York").split("-").map(Number);
    const previous =
      monthNumber === 1 ? `${year - 1}-12` : `${year}-${String(monthNumber - 1).padStart(2, "0")}`;
    expect(month).toHaveLength(1);
    expect(month[0].time).toMatch(new RegExp(`^${previous}-01T00:00:00-0[45]:00$`));
    const hours = await rowsOf(`{ metrics(timeRange: { last: "24h" }, grain: HOUR, timezone: "UTC") {
      rows { time orders } } }`);
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    expect(hours).toHaveLength(24);
    expect(hours[0].time).toBe(`${new Date(hour - 24 * 3_600_000).toISOString().slice(0, 19)}+00:00`);
    expect(hours[23].time).toBe(`${new Date(hour - 3_600_000).toISOString().slice(0, 19)}+00:00`);
  });

  it("compiles absolute ranges to the same statement as before, relative ones to their dates", () => {
    const direct = compileSql(compileMetricQuery(ordersAndGmvByDay).statement);
    const served = api.services.metrics.explain(ordersAndGmvByDay);
    expect({ sql: served.sql, params: served.params }).toEqual(direct);
    const thursday = new Date("2026-12-03T05:00:00Z"); // 13:00 in Shanghai
    const relative = api.services.metrics.explain({ ...ordersAndGmvByDay, range: { last: "2d" } }, thursday);
    const byHand = compileSql(
      compileMetricQuery({ ...ordersAndGmvByDay, range: { from: "2026-12-01", to: "2026-12-03" } }).statement,
    );
    expect({ sql: relative.sql, params: relative.params }).toEqual(byHand);
  });

  it("refuses mixed and malformed relative ranges, naming the field", async () => {
    for (const [range, argument] of [
      ['{ last: "30d", from: "2026-03-01" }', "timeRange.last"],
      ['{ named: "today", to: "2026-03-01" }', "timeRange.named"],
      ['{ last: "30x" }', "timeRange.last"],
      ['{ named: "last_month" }', "timeRange.named"],
      ['{ from: "2026-03-01" }', "timeRange.to"],
      ["{}", "timeRange.from"],
    ]) {
      const answer = await api.gql(`{ metrics(timeRange: ${range}) { rows { gmv } } }`);
      expect(answer.errors?.[0].extensions, range).toMatchObject({ code: "BAD_USER_INPUT", argument });
    }
  });

  const run = (query: MetricQuery) =>
    db().query(compileMetricQuery(query, undefined, rollups ? TZ : undefined).statement);

  it(`${rollups ? "reads" : "does not read"} the rollups for whole local days, as its sql shows`, async () => {
    const response = await api.gql(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-04"}, grain: DAY,
      timezone: "Asia/Shanghai") { rows { gmv } sql } }`);
    expect(response.data.metrics.sql.includes("user_day_orders")).toBe(rollups);
    // An hour grain is finer than the rollups' days: raw facts either way.
    const hourly = await api.gql(`{ metrics(timeRange: {from: "2026-03-01", to: "2026-03-02"}, grain: HOUR,
      timezone: "Asia/Shanghai") { rows { gmv } sql } }`);
    expect(hourly.data.metrics.sql).not.toContain("user_day_orders");
  });

  it("golden: orders and gmv by local day", async () => {
    expect(await run(ordersAndGmvByDay)).toEqual([
      { bucket: new Date("2026-03-01T00:00:00+08:00"), orders: 3, gmv: 180 }, // o2 o8 o1
      { bucket: new Date("2026-03-02T00:00:00+08:00"), orders: 2, gmv: 120 }, // o3 o6
      { bucket: new Date("2026-03-03T00:00:00+08:00"), orders: 0, gmv: 0 },
    ]);
  });

  it("golden: conversion and gmv by channel for users in 上海 or 北京", async () => {
    // u4 (no city) is filtered out. app: visitors u1 u2, both bought (o2 o1, o6) → 1; gmv 240
    // web: visitors u3 (e3 e8) and u1 (e5), buyers u6 (o8) and u1 (o3) → {u1} / 2; gmv 20 + 40
    expect(await run(conversionByChannelWhereCity)).toEqual([
      { bucket: new Date("2026-03-01T00:00:00+08:00"), d_channel: "app", conversion_rate: 1, gmv: 240 },
      { bucket: new Date("2026-03-01T00:00:00+08:00"), d_channel: "web", conversion_rate: 0.5, gmv: 60 },
    ]);
  });

  it("golden: churn for ALL", async () => {
    // previous window 02-26 … 03-01: buyer u2 (o0), who bought o6 in the range → 0
    expect(await run(churnAll)).toEqual([{ bucket: new Date("2026-03-01T00:00:00+08:00"), churn_rate: 0 }]);
  });
});
