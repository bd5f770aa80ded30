import "reflect-metadata";
import { beforeAll, describe, expect, it } from "vitest";
import { compileLifecycle } from "../../src/analytics/compile/lifecycle";
import { compilePaths } from "../../src/analytics/compile/paths";
import { compileRepurchaseCycle } from "../../src/analytics/compile/repurchase";
import { compileRetention } from "../../src/analytics/compile/retention";
import { AnalyticsService } from "../../src/analytics/service";
import { compileSql } from "../../src/semantic/sql";
import { describeEachDatabase } from "../helpers/db";
import { type FixtureEvent, insertEvents, insertUsers } from "./fixtures";

let nextId = 1;
const events: FixtureEvent[] = [];
const at = (user: number, name: string, isoUtc: string) => events.push([nextId++, user, name, isoUtc]);

// Retention, UTC days: u1 Mar 1, 2, 4; u2 Mar 1, 3; u3 Feb 27, Mar 2, 3; u4 Mar 2 (and Mar 6, after the range); u5 Mar 4.
for (const [user, days] of [
  [1, ["03-01", "03-02", "03-04"]],
  [2, ["03-01", "03-03"]],
  [3, ["02-27", "03-02", "03-03"]],
  [4, ["03-02", "03-06"]],
  [5, ["03-04"]],
] as const) {
  for (const day of days) at(user, "r_open", `2026-${day}T12:00:00Z`);
}

// Paths on Mar 10 (UTC), 30-minute sessions:
// u11: home, list, list (collapses), item, cart; 2 h later a new session: home, item.
// u12: home, item, cart.  u13: list, home, list.  u14: search only.
at(11, "p_home", "2026-03-10T10:00:00Z");
at(11, "p_list", "2026-03-10T10:01:00Z");
at(11, "p_list", "2026-03-10T10:02:00Z");
at(11, "p_item", "2026-03-10T10:03:00Z");
at(11, "p_cart", "2026-03-10T10:04:00Z");
at(11, "p_home", "2026-03-10T12:10:00Z");
at(11, "p_item", "2026-03-10T12:11:00Z");
at(12, "p_home", "2026-03-10T10:00:00Z");
at(12, "p_item", "2026-03-10T10:05:00Z");
at(12, "p_cart", "2026-03-10T10:06:00Z");
at(13, "p_list", "2026-03-10T09:00:00Z");
at(13, "p_home", "2026-03-10T09:10:00Z");
at(13, "p_list", "2026-03-10T09:20:00Z");
at(14, "p_search", "2026-03-10T10:00:00Z");

// Lifecycle in Asia/Shanghai (UTC+8), local days: u21 Mar 30, Apr 2, 3; u22 Apr 2 (first), 4;
// u23 Apr 1, 3; u24 Apr 1; u25 Apr 3 00:30 local = Apr 2 16:30 UTC (first).
at(21, "q_open", "2026-03-30T02:00:00Z");
at(21, "q_open", "2026-04-02T02:00:00Z");
at(21, "q_open", "2026-04-03T02:00:00Z");
at(22, "q_open", "2026-04-02T02:00:00Z");
at(22, "q_open", "2026-04-04T02:00:00Z");
at(23, "q_open", "2026-04-01T02:00:00Z");
at(23, "q_open", "2026-04-03T02:00:00Z");
at(24, "q_open", "2026-04-01T02:00:00Z");
at(25, "q_open", "2026-04-02T16:30:00Z");

const RETENTION = {
  startEvent: "r_open",
  returnEvent: "r_open",
  period: "DAY" as const,
  periods: 4,
  timeRange: { from: "2026-03-01", to: "2026-03-05" },
  timezone: "UTC",
};

describe("retention and paths compilers", () => {
  it("compiles retention with period indexes in the time zone and a triangle grid", () => {
    const { sql } = compileSql(compileRetention(RETENTION).statement);
    expect(sql).toContain("date_trunc($");
    expect(sql).toContain("(r.bucket::date - s.cohort::date)");
    expect(sql).toContain("generate_series(0, $");
    expect(sql).toContain("min(e.ts) filter (where e.name = $");
    expect(sql).toContain("cross join lateral unnest(s.return_buckets) as r(bucket)");
  });

  it("rejects more than 60 periods", () => {
    expect(() => compileRetention({ ...RETENTION, periods: 61 })).toThrow(/periods/);
  });

  it("compiles lifecycle from one pass per user over local buckets", () => {
    const { sql } = compileSql(
      compileLifecycle({
        event: "q_open",
        grain: "WEEK",
        timeRange: { from: "2026-04-01", to: "2026-05-01" },
        timezone: "UTC",
      }),
    );
    expect(sql).toContain("array_agg(distinct (date_trunc($");
    expect(sql).toContain("then 'returning'");
    expect(sql).toContain("'dormant'");
    expect(sql).toContain("from (select (local_bucket at time zone");
  });

  it("compiles the repurchase cycle as lagged gaps with continuous quartiles", () => {
    const { sql, params } = compileSql(
      compileRepurchaseCycle({
        timeRange: { from: "2026-05-01", to: "2026-06-01" },
        by: "category",
        timezone: "UTC",
      }).statement,
    );
    expect(sql).toContain("lag(placed_at) over (partition by user_id order by placed_at, order_id)");
    expect(sql).toContain("lag(placed_at) over (partition by user_id, grp order by placed_at, order_id)");
    expect(sql).toContain("percentile_cont(0.25) within group (order by days)");
    expect(sql).toContain("width_bucket(days, $");
    expect(params).toContain("{0,1,7,14,30,60,90,180,365}");
  });

  it("splits sessions with a window over the gap and collapses repeats", () => {
    const { sql, params } = compileSql(
      compilePaths({
        startEvent: "p_home",
        timeRange: { from: "2026-03-10", to: "2026-03-11" },
        timezone: "UTC",
      }).statement,
    );
    expect(sql).toContain("since_previous > make_interval(mins => $");
    // A repeat (same event within the gap) is dropped before sessions are numbered.
    expect(sql).toContain(
      "where since_previous is null or since_previous > make_interval(mins => $6::int) or prev_name <> name",
    );
    // Distinct users per node and per link are hashed, not sorted per count(distinct).
    expect(sql).toContain("from (select distinct step, name, user_id from steps) distinct_nodes");
    // One sort: sessions are numbered in the events' order, and each path is read off that order:
    // its steps are numbered from the first start event's position, with no window of their own.
    expect(sql).toContain("lead(name) over r as next_name, min(k) filter (where name = $");
    expect(sql).toContain("(k - first_start + 1)::int as step");
    expect(sql.match(/ over /g)).toHaveLength(6);
    expect(sql).not.toContain("array_agg");
    expect(params).toContain(30);
    expect(params).toContain(50);
  });
});

describeEachDatabase("retention, paths, lifecycle", (db) => {
  let analytics: AnalyticsService;
  beforeAll(async () => {
    await insertUsers(
      db(),
      [...new Set(events.map((e) => e[1]))].map((id) => [id]),
    );
    await insertEvents(db(), events);
    analytics = new AnalyticsService(db(), "UTC");
  });

  it("builds FIRST_TIME cohorts with an empty cohort and a weighted average", async () => {
    const result = await analytics.retention({ ...RETENTION, type: "FIRST_TIME" });
    // First-ever r_open in the range: Mar 1 {u1, u2}; Mar 2 {u4} (u3 started Feb 27); Mar 3 {}; Mar 4 {u5}.
    // Mar 1: u1 back on day 1 (Mar 2) and 3 (Mar 4), u2 on day 2 (Mar 3). Periods from Mar 5 on are not reported.
    expect(result.cohorts.map((c) => [c.start.toISOString(), c.size, c.values, c.percentages])).toEqual([
      ["2026-03-01T00:00:00.000Z", 2, [2, 1, 1, 1], [1, 0.5, 0.5, 0.5]],
      ["2026-03-02T00:00:00.000Z", 1, [1, 0, 0], [1, 0, 0]],
      ["2026-03-03T00:00:00.000Z", 0, [0, 0], [null, null]],
      ["2026-03-04T00:00:00.000Z", 1, [1], [1]],
    ]);
    // Weighted: day 1 = (1 + 0 + 0) / (2 + 1 + 0); day 2 = (1 + 0) / (2 + 1); day 3 = 1 / 2.
    expect(result.average.percentages).toEqual([1, 1 / 3, 1 / 3, 1 / 2]);
    expect(result.sql).toContain("with per_user as");
  });

  it("builds RECURRING cohorts from every period with a start event", async () => {
    const result = await analytics.retention({ ...RETENTION, type: "RECURRING" });
    // Mar 1 {u1, u2}: day 1 u1, day 2 u2, day 3 u1. Mar 2 {u1, u3, u4}: day 1 (Mar 3) u3, day 2 (Mar 4) u1.
    // Mar 3 {u2, u3}: day 1 (Mar 4) nobody. Mar 4 {u1, u5}. (u4's Mar 6 is after the range.)
    expect(result.cohorts.map((c) => [c.size, c.values])).toEqual([
      [2, [2, 1, 1, 1]],
      [3, [3, 1, 1]],
      [2, [2, 0]],
      [2, [2]],
    ]);
  });

  it("counts cumulative retention as a return in period k or later", async () => {
    const result = await analytics.retention({ ...RETENTION, type: "FIRST_TIME", cumulative: true });
    // Mar 1: u1's last return is day 3, u2's day 2 → day 1: 2, day 2: 2, day 3: 1.
    expect(result.cohorts.map((c) => c.values)).toEqual([[2, 2, 2, 1], [1, 0, 0], [0, 0], [1]]);
  });

  it("builds paths from a start event with session gaps, nodes and top links", async () => {
    const result = await analytics.paths({
      startEvent: "p_home",
      maxSteps: 3,
      timeRange: { from: "2026-03-10", to: "2026-03-11" },
      topLinks: 3,
    });
    // Paths: u11 home→list→item and (new session) home→item; u12 home→item→cart; u13 home→list.
    expect(result.links).toEqual([
      { source: "1_p_home", target: "2_p_item", users: 2 },
      { source: "1_p_home", target: "2_p_list", users: 2 },
      { source: "2_p_item", target: "3_p_cart", users: 1 },
    ]);
    // 2_p_list → 3_p_item (u11) is the 4th link and is cut, so 3_p_item is not a node.
    expect(result.nodes).toEqual([
      { id: "1_p_home", step: 1, event: "p_home", users: 3 },
      { id: "2_p_item", step: 2, event: "p_item", users: 2 },
      { id: "2_p_list", step: 2, event: "p_list", users: 2 },
      { id: "3_p_cart", step: 3, event: "p_cart", users: 1 },
    ]);
  });

  it("builds paths to an end event and without excluded events", async () => {
    const toCart = await analytics.paths({
      endEvent: "p_cart",
      maxSteps: 3,
      timeRange: { from: "2026-03-10", to: "2026-03-11" },
    });
    // u11: list, item, cart; u12: home, item, cart — aligned so the cart is step 3. Links come by step.
    expect(toCart.links).toEqual([
      { source: "1_p_home", target: "2_p_item", users: 1 },
      { source: "1_p_list", target: "2_p_item", users: 1 },
      { source: "2_p_item", target: "3_p_cart", users: 2 },
    ]);
    const withoutLists = await analytics.paths({
      startEvent: "p_home",
      maxSteps: 3,
      excludeEvents: ["p_list"],
      timeRange: { from: "2026-03-10", to: "2026-03-11" },
    });
    // u11 home→item→cart (and home→item), u12 home→item→cart, u13 home alone.
    expect(withoutLists.links).toEqual([
      { source: "1_p_home", target: "2_p_item", users: 2 },
      { source: "2_p_item", target: "3_p_cart", users: 2 },
    ]);
    expect(withoutLists.nodes.map((n) => [n.id, n.users])).toEqual([
      ["1_p_home", 3],
      ["2_p_item", 2],
      ["3_p_cart", 2],
    ]);
  });

  it("builds paths between a start and an end event", async () => {
    const result = await analytics.paths({
      startEvent: "p_home",
      endEvent: "p_cart",
      timeRange: { from: "2026-03-10", to: "2026-03-11" },
    });
    // Only sessions reaching the cart after the home page: u11 home→list→item→cart, u12 home→item→cart.
    expect(result.links).toEqual([
      { source: "1_p_home", target: "2_p_item", users: 1 },
      { source: "1_p_home", target: "2_p_list", users: 1 },
      { source: "2_p_item", target: "3_p_cart", users: 1 },
      { source: "2_p_list", target: "3_p_item", users: 1 },
      { source: "3_p_item", target: "4_p_cart", users: 1 },
    ]);
  });

  it("builds paths from each session's first event without a start or an end event", async () => {
    const result = await analytics.paths({
      maxSteps: 2,
      timeRange: { from: "2026-03-10", to: "2026-03-11" },
    });
    // First two steps of each session: u11 home→list (the repeated list collapses) and, 2 h later,
    // home→item; u12 home→item; u13 list→home (10-minute gaps); u14 search alone, which links nothing.
    expect(result.links).toEqual([
      { source: "1_p_home", target: "2_p_item", users: 2 },
      { source: "1_p_home", target: "2_p_list", users: 1 },
      { source: "1_p_list", target: "2_p_home", users: 1 },
    ]);
    expect(result.nodes.map((n) => [n.id, n.users])).toEqual([
      ["1_p_home", 2],
      ["1_p_list", 1],
      ["2_p_item", 2],
      ["2_p_home", 1],
      ["2_p_list", 1],
    ]);
  });

  it("classifies lifecycle per local day", async () => {
    const result = await analytics.lifecycle({
      event: "q_open",
      grain: "DAY",
      timeRange: { from: "2026-04-02", to: "2026-04-05" },
      timezone: "Asia/Shanghai",
    });
    // Apr 2: new u22, resurrecting u21 (last seen Mar 30), dormant u23, u24 (active Apr 1).
    // Apr 3: new u25 (00:30 local), returning u21, resurrecting u23, dormant u22.
    // Apr 4: resurrecting u22, dormant u21, u23, u25.
    expect(result.rows).toEqual([
      { time: new Date("2026-04-01T16:00:00Z"), new: 1, returning: 0, resurrecting: 1, dormant: -2 },
      { time: new Date("2026-04-02T16:00:00Z"), new: 1, returning: 1, resurrecting: 1, dormant: -1 },
      { time: new Date("2026-04-03T16:00:00Z"), new: 0, returning: 0, resurrecting: 1, dormant: -3 },
    ]);
  });

  it("rejects bad input naming the field", async () => {
    await expect(analytics.retention({ ...RETENTION, returnEvent: "never_seen" })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { argument: "returnEvent" },
    });
    await expect(analytics.retention({ ...RETENTION, periods: 61 })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { argument: "periods" },
    });
    await expect(
      analytics.paths({ startEvent: "p_home", maxSteps: 1, timeRange: RETENTION.timeRange }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { argument: "maxSteps" } });
    await expect(
      analytics.lifecycle({ event: "q_open", timeRange: RETENTION.timeRange, segment: "nope" }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});
