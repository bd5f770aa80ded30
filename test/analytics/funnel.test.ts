import "reflect-metadata";
import { beforeAll, describe, expect, it } from "vitest";
import { compileFunnel, type FunnelDefinition, timeToConvertBins } from "../../src/analytics/compile/funnel";
import { AnalyticsService } from "../../src/analytics/service";
import { compileSql } from "../../src/semantic/sql";
import { describeEachDatabase } from "../helpers/db";
import { type FixtureEvent, insertEvents, insertUsers } from "./fixtures";

const RANGE = { from: "2026-01-01", to: "2026-02-01" };
let nextId = 1;
const events: FixtureEvent[] = [];
const at = (user: number, name: string, ts: string, properties?: Record<string, unknown>, channel?: string) =>
  events.push([nextId++, user, name, `2026-${ts}Z`, properties, channel]);

// Each case has event names of its own, so cases never see each other's events.
// 1 basic ordered: u1 view→cart (300 s)→pay (1500 s); u2 view→cart (600 s); u3 view; u4 cart→pay without a view.
at(1, "a_view", "01-02T10:00:00");
at(1, "a_cart", "01-02T10:05:00");
at(1, "a_pay", "01-02T10:30:00");
at(2, "a_view", "01-02T10:00:00");
at(2, "a_cart", "01-02T10:10:00");
at(3, "a_view", "01-02T10:00:00");
at(4, "a_cart", "01-02T10:00:00");
at(4, "a_pay", "01-02T10:01:00");
// 2 out of order: u10 cart before view (only step 0); u11 cart, view, cart (converts).
at(10, "b_cart", "01-03T10:00:00");
at(10, "b_view", "01-03T10:05:00");
at(11, "b_cart", "01-03T09:00:00");
at(11, "b_view", "01-03T10:00:00");
at(11, "b_cart", "01-03T11:00:00");
// 3 repeated step (view, view, cart): u20 view view cart → 3; u21 view cart → 1; u22 view cart view → 2.
at(20, "c_view", "01-04T10:00:00");
at(20, "c_view", "01-04T10:01:00");
at(20, "c_cart", "01-04T10:02:00");
at(21, "c_view", "01-04T10:00:00");
at(21, "c_cart", "01-04T10:01:00");
at(22, "c_view", "01-04T10:00:00");
at(22, "c_cart", "01-04T10:01:00");
at(22, "c_view", "01-04T10:02:00");
// 4 window of 1 hour: u30 pays exactly 3600 s after the view (converts), u31 3601 s after (does not).
at(30, "d_view", "01-05T10:00:00");
at(30, "d_pay", "01-05T11:00:00");
at(31, "d_view", "01-05T10:00:00");
at(31, "d_pay", "01-05T11:00:01");
// 5 strict: u40 has another event between view and cart; u41 none.
at(40, "e_view", "01-06T10:00:00");
at(40, "e_other", "01-06T10:01:00");
at(40, "e_cart", "01-06T10:02:00");
at(41, "e_view", "01-06T10:00:00");
at(41, "e_cart", "01-06T10:02:00");
// 6 unordered (view, cart, pay): u50 pay, view, cart → 3; u51 cart, view → 2; u52 pay → 1;
//   u53 view then cart 20 days later (outside 14 days) → 1.
at(50, "f_pay", "01-07T10:00:00");
at(50, "f_view", "01-07T10:01:00");
at(50, "f_cart", "01-07T10:02:00");
at(51, "f_cart", "01-07T10:00:00");
at(51, "f_view", "01-07T10:05:00");
at(52, "f_pay", "01-07T10:00:00");
at(53, "f_view", "01-07T10:00:00");
at(53, "f_cart", "01-27T10:00:00");
// 7 exclusion g_coupon between steps 1 and 2 (cart → pay):
//   u60 view cart coupon pay → void; u61 view coupon cart pay → 3 (coupon before step 1);
//   u62 view cart coupon, never pays → void; u63 view cart pay coupon → 3 (coupon after step 2).
at(60, "g_view", "01-08T10:00:00");
at(60, "g_cart", "01-08T10:01:00");
at(60, "g_coupon", "01-08T10:02:00");
at(60, "g_pay", "01-08T10:03:00");
at(61, "g_view", "01-08T10:00:00");
at(61, "g_coupon", "01-08T10:01:00");
at(61, "g_cart", "01-08T10:02:00");
at(61, "g_pay", "01-08T10:03:00");
at(62, "g_view", "01-08T10:00:00");
at(62, "g_cart", "01-08T10:01:00");
at(62, "g_coupon", "01-08T10:02:00");
at(63, "g_view", "01-08T10:00:00");
at(63, "g_cart", "01-08T10:01:00");
at(63, "g_pay", "01-08T10:02:00");
at(63, "g_coupon", "01-08T10:03:00");
// 8 attempts: u70 tries on Jan 2 (view, cart after 3600 s), pays on Jan 20 (outside that window),
//   then views, carts (60 s), pays (120 s) on Jan 20 → counted once, at step 3, with the second attempt's times.
//   u71 viewed before the range (entry outside) and carts inside → not counted.
at(70, "h_view", "01-02T10:00:00");
at(70, "h_cart", "01-02T11:00:00");
at(70, "h_view", "01-20T10:00:00");
at(70, "h_cart", "01-20T10:01:00");
at(70, "h_pay", "01-20T10:03:00");
events.push([nextId++, 71, "h_view", "2025-12-31T23:00:00Z"]);
at(71, "h_cart", "01-01T01:00:00");
// 9 equal timestamps: u80 view (lower id) and cart at the same time → converts;
//   u81 cart ingested before the view at the same time → does not (ingestion order decides).
at(80, "i_view", "01-09T10:00:00");
at(80, "i_cart", "01-09T10:00:00");
at(81, "i_cart", "01-09T10:00:00");
at(81, "i_view", "01-09T10:00:00");
// 10 property filter view{category: beauty} → cart: u90 converts; u91 views books; u92 beauty view only.
at(90, "j_view", "01-10T10:00:00", { category: "beauty" });
at(90, "j_cart", "01-10T10:01:00");
at(91, "j_view", "01-10T10:00:00", { category: "books" });
at(91, "j_cart", "01-10T10:01:00");
at(92, "j_view", "01-10T10:00:00", { category: "beauty", price: 5 });
// 11 breakdown: u100 app view → cart; u101 web view; u102 app view.
at(100, "k_view", "01-11T10:00:00", {}, "app");
at(100, "k_cart", "01-11T10:01:00", {}, "web");
at(101, "k_view", "01-11T10:00:00", {}, "web");
at(102, "k_view", "01-11T10:00:00", {}, "app");
// 12 merged: u111 (a second device, merged into u110) views, u110 carts → one user converting.
at(111, "l_view", "01-12T10:00:00");
at(110, "l_cart", "01-12T10:05:00");
at(110, "l_view", "01-12T10:10:00");
// 13 time to convert: 60 s, 120 s, 600 s → average 260 s, median 120 s.
at(120, "m_view", "01-13T10:00:00");
at(120, "m_cart", "01-13T10:01:00");
at(121, "m_view", "01-13T10:00:00");
at(121, "m_cart", "01-13T10:02:00");
at(122, "m_view", "01-13T10:00:00");
at(122, "m_cart", "01-13T10:10:00");

// 14 unordered (view, cart, pay) excluding n_coupon over the whole attempt:
//   u130 coupon before everything → 3; u131 coupon after the last step → 3;
//   u132 view coupon cart pay: the attempts from view (void) and from cart (cart, pay → 2);
//   u133 cart view coupon, never pays: both attempts have the coupon inside the open window → void.
at(130, "n_coupon", "01-14T10:00:00");
at(130, "n_view", "01-14T10:01:00");
at(130, "n_cart", "01-14T10:02:00");
at(130, "n_pay", "01-14T10:03:00");
at(131, "n_view", "01-14T10:00:00");
at(131, "n_cart", "01-14T10:01:00");
at(131, "n_pay", "01-14T10:02:00");
at(131, "n_coupon", "01-14T10:03:00");
at(132, "n_view", "01-14T10:00:00");
at(132, "n_coupon", "01-14T10:01:00");
at(132, "n_cart", "01-14T10:02:00");
at(132, "n_pay", "01-14T10:03:00");
at(133, "n_cart", "01-14T10:00:00");
at(133, "n_view", "01-14T10:01:00");
at(133, "n_coupon", "01-14T10:02:00");
//   u134 view cart coupon pay: the attempts from view and from cart are void (3 and 2 steps),
//   the one from pay (1 step) is not → the furthest attempt is void, so u134 is dropped.
at(134, "n_view", "01-14T10:00:00");
at(134, "n_cart", "01-14T10:01:00");
at(134, "n_coupon", "01-14T10:02:00");
at(134, "n_pay", "01-14T10:03:00");
// 15 a voided furthest attempt drops the user (view, cart, pay excluding o_coupon from 0 to 2;
//   attempts 18 days apart, beyond the 14-day window):
//   u140 views on Jan 2 (1 step), then view cart coupon pay on Jan 20 (void, 3 steps) → dropped;
//   u141 view coupon cart pay on Jan 3 (void: it goes on to the cart, the first step after the
//     coupon, and stops: 2 steps), then view cart on Jan 21 (2 steps) → counted at 2;
//   u142 view cart pay on Jan 4 (3), then view coupon cart pay on Jan 22 (void, 2) → 3;
//   u143 view cart coupon pay on Jan 5 (void, 3), then view cart pay on Jan 23 (3) → 3.
at(140, "o_view", "01-02T10:00:00");
at(140, "o_view", "01-20T10:00:00");
at(140, "o_cart", "01-20T10:01:00");
at(140, "o_coupon", "01-20T10:02:00");
at(140, "o_pay", "01-20T10:03:00");
at(141, "o_view", "01-03T10:00:00");
at(141, "o_coupon", "01-03T10:01:00");
at(141, "o_cart", "01-03T10:02:00");
at(141, "o_pay", "01-03T10:03:00");
at(141, "o_view", "01-21T10:00:00");
at(141, "o_cart", "01-21T10:01:00");
at(142, "o_view", "01-04T10:00:00");
at(142, "o_cart", "01-04T10:01:00");
at(142, "o_pay", "01-04T10:02:00");
at(142, "o_view", "01-22T10:00:00");
at(142, "o_coupon", "01-22T10:01:00");
at(142, "o_cart", "01-22T10:02:00");
at(142, "o_pay", "01-22T10:03:00");
at(143, "o_view", "01-05T10:00:00");
at(143, "o_cart", "01-05T10:01:00");
at(143, "o_coupon", "01-05T10:02:00");
at(143, "o_pay", "01-05T10:03:00");
at(143, "o_view", "01-23T10:00:00");
at(143, "o_cart", "01-23T10:01:00");
at(143, "o_pay", "01-23T10:02:00");
// 16 $-prefixed properties (PostHog / Mixpanel style): u150 Chrome view → cart; u151 Safari view;
//   u152 Chrome view.
at(150, "q_view", "01-15T10:00:00", { $browser: "Chrome" });
at(150, "q_cart", "01-15T10:01:00");
at(151, "q_view", "01-15T10:00:00", { $browser: "Safari" });
at(152, "q_view", "01-15T10:00:00", { $browser: "Chrome" });
// 17 the longest funnel, 20 steps s_0 … s_19 one minute apart: u160 does all 20 in order; u161 the
//   first 12, then s_x (an event of no step, which breaks STRICT), then s_12 … s_19; u162 the first 5.
const twenty = Array.from({ length: 20 }, (_, k) => `s_${k}`);
const minute = (k: number) => `01-16T10:${String(k).padStart(2, "0")}:00`;
for (const [k, name] of twenty.entries()) {
  at(160, name, minute(k));
  at(161, name, minute(k < 12 ? k : k + 1));
  if (k < 5) at(162, name, minute(k));
}
at(161, "s_x", minute(12));

const counts = (result: { steps: Array<{ count: number }> }) => result.steps.map((s) => s.count);
const steps = (...names: string[]) => names.map((event) => ({ event }));

describe("funnel compiler", () => {
  it("bins the time to convert up to the bin holding the window's length", () => {
    // One hour: 0, 1 min, 5 min, 15 min and the bin starting at exactly 1 h.
    expect(timeToConvertBins(3600)).toEqual([
      { fromSeconds: 0, toSeconds: 60 },
      { fromSeconds: 60, toSeconds: 300 },
      { fromSeconds: 300, toSeconds: 900 },
      { fromSeconds: 900, toSeconds: 3600 },
      { fromSeconds: 3600, toSeconds: 21_600 },
    ]);
    // 59 s: one bin; 366 days: all ten, the last (30 d and more) open.
    expect(timeToConvertBins(59)).toEqual([{ fromSeconds: 0, toSeconds: 60 }]);
    const longest = timeToConvertBins(366 * 86_400);
    expect(longest).toHaveLength(10);
    expect(longest[9]).toEqual({ fromSeconds: 2_592_000, toSeconds: null });
  });

  const base: FunnelDefinition = { steps: steps("a_view", "a_cart"), timeRange: RANGE, timezone: "UTC" };

  it("walks steps through per-user arrays of positions, found by binary search (ORDERED)", () => {
    const { sql, params } = compileSql(compileFunnel(base).statement);
    // One sorted read aggregated per user: no window pass numbers the events.
    expect(sql).not.toContain(" over ");
    expect(sql).toContain("order by 1, f.ts, f.id");
    expect(sql).toContain("array_positions(array_agg(g1), true) as p1");
    // The first step-1 event after the entry, if inside the window.
    expect(sql).toContain("(select u.p1[width_bucket(e.q0, u.p1) + 1] as c) z) h1");
    expect(sql).toMatch(/case when u\.ts\[z\.c\] <= u\.ts\[e\.q0\] \+ make_interval\(secs => \$\d+::int\)/);
    expect(sql).toContain("percentile_cont(0.5) within group");
    expect(sql).toMatch(/from \(\s*select e\.id, coalesce\(m\.survivor_id, e\.user_id\) as user_id/);
    expect(params).toContain(14 * 86400);
  });

  it("requires the very next event in STRICT mode and reads every event", () => {
    const { sql } = compileSql(compileFunnel({ ...base, mode: "STRICT" }).statement);
    expect(sql).toContain(
      "case when e.q0 is not null and u.p1[width_bucket(e.q0 + 1, u.p1)] = e.q0 + 1 then e.q0 + 1 end",
    );
    expect(sql).not.toContain("f.name = any(");
  });

  it("shares one group between identical steps", () => {
    const { sql } = compileSql(
      compileFunnel({ ...base, steps: steps("a_view", "a_view", "a_cart") }).statement,
    );
    expect(sql).toContain("(select u.p0[width_bucket(e.q0, u.p0) + 1] as c) z) h1");
    // Each hop chains from the previous candidate (`z`), not from its window-checked position.
    expect(sql).toContain("(select u.p1[width_bucket(h1.z, u.p1) + 1] as c) z) h2");
  });

  it("takes $-prefixed property names as bound parameters, never as SQL text", () => {
    const { sql, params } = compileSql(
      compileFunnel({
        ...base,
        steps: [{ event: "a_view", where: { $browser: "Chrome" } }, { event: "a_cart" }],
        breakdown: "event.$current_url",
      }).statement,
    );
    expect(sql).not.toContain("$browser");
    expect(sql).not.toContain("$current_url");
    expect(params).toContain("$current_url");
    expect(params).toContain(JSON.stringify({ $browser: "Chrome" }));
  });

  it("rejects invalid definitions naming the field", () => {
    const fieldOf = (definition: Partial<FunnelDefinition>) => {
      try {
        compileFunnel({ ...base, ...definition });
      } catch (error: any) {
        return [error.code, error.details.argument];
      }
      return null;
    };
    expect(fieldOf({ steps: [] })).toEqual(["BAD_USER_INPUT", "steps"]);
    expect(fieldOf({ window: { value: 0, unit: "DAY" } })).toEqual(["BAD_USER_INPUT", "window.value"]);
    expect(fieldOf({ window: { value: -3, unit: "HOUR" } })).toEqual(["BAD_USER_INPUT", "window.value"]);
    expect(fieldOf({ exclusions: [{ event: "x", fromStep: 0, toStep: 2 }] })).toEqual([
      "BAD_USER_INPUT",
      "exclusions[0].toStep",
    ]);
    expect(fieldOf({ exclusions: [{ event: "x", fromStep: 1, toStep: 1 }] })).toEqual([
      "BAD_USER_INPUT",
      "exclusions[0].fromStep",
    ]);
    expect(fieldOf({ steps: [{ event: "a_view", where: { nested: { no: 1 } } as any }] })).toEqual([
      "BAD_USER_INPUT",
      "steps[0].where.nested",
    ]);
    expect(fieldOf({ breakdown: "colour" })).toEqual(["BAD_USER_INPUT", "breakdown"]);
    expect(fieldOf({ breakdown: "event.$" })).toEqual(["BAD_USER_INPUT", "breakdown"]);
    expect(fieldOf({ breakdown: "event.$a'b" })).toEqual(["BAD_USER_INPUT", "breakdown"]);
    expect(fieldOf({ steps: [{ event: "a_view", where: { $$x: 1 } }] })).toEqual([
      "BAD_USER_INPUT",
      "steps[0].where",
    ]);
    // UNORDERED steps have no order to exclude between: only the whole attempt (0 → last).
    const unordered = { mode: "UNORDERED" as const, steps: steps("a_view", "a_cart", "a_pay") };
    expect(fieldOf({ ...unordered, exclusions: [{ event: "x", fromStep: 1, toStep: 2 }] })).toEqual([
      "BAD_USER_INPUT",
      "exclusions[0].fromStep",
    ]);
    expect(fieldOf({ ...unordered, exclusions: [{ event: "x", fromStep: 0, toStep: 1 }] })).toEqual([
      "BAD_USER_INPUT",
      "exclusions[0].toStep",
    ]);
  });
});

/** Bin edges written out (0, 1 min, 5 min, 15 min, 1 h, 6 h, 1 d, 3 d, 7 d, 30 d) up to `last`, users by lower edge. */
function timeBins(users: Record<number, number>, last: number) {
  const edges = [0, 60, 300, 900, 3600, 21_600, 86_400, 259_200, 604_800, 2_592_000];
  return edges
    .filter((edge) => edge <= last)
    .map((fromSeconds, i) => ({
      fromSeconds,
      toSeconds: edges[i + 1] ?? null,
      users: users[fromSeconds] ?? 0,
    }));
}

describeEachDatabase("funnel", (db) => {
  let analytics: AnalyticsService;
  beforeAll(async () => {
    const ids = [...new Set(events.map((e) => e[1]))];
    const traits: Record<number, Record<string, unknown>> = {
      100: { city: "上海" },
      101: { city: "北京" },
      102: { city: "上海" },
    };
    await insertUsers(
      db(),
      ids.map((id) => [id, traits[id], id === 111 ? 110 : undefined]),
    );
    await insertEvents(db(), events);
    analytics = new AnalyticsService(db(), "UTC");
  });
  const run = (definition: Partial<FunnelDefinition> & { steps: FunnelDefinition["steps"] }) =>
    analytics.funnel({ timeRange: RANGE, ...definition });

  it("counts a basic ordered funnel with conversions, drop-off and time to convert", async () => {
    const result = await run({ steps: steps("a_view", "a_cart", "a_pay") });
    // u1, u2, u3 enter; u1, u2 cart; u1 pays. u4 never viewed.
    expect(result.steps).toEqual([
      {
        index: 0,
        event: "a_view",
        count: 3,
        conversionFromPrevious: 1,
        conversionFromStart: 1,
        dropOff: 0,
        avgTimeToConvertSeconds: null,
        medianTimeToConvertSeconds: null,
        timeToConvert: [],
      },
      {
        index: 1,
        event: "a_cart",
        count: 2,
        conversionFromPrevious: 2 / 3,
        conversionFromStart: 2 / 3,
        dropOff: 1,
        avgTimeToConvertSeconds: 450, // (300 + 600) / 2
        medianTimeToConvertSeconds: 450,
        // Both in [5 min, 15 min); the 14-day default window fills the bins up to [7 d, 30 d).
        timeToConvert: timeBins({ 300: 2 }, 604_800),
      },
      {
        index: 2,
        event: "a_pay",
        count: 1,
        conversionFromPrevious: 1 / 2,
        conversionFromStart: 1 / 3,
        dropOff: 1,
        avgTimeToConvertSeconds: 1500, // 10:05 → 10:30
        medianTimeToConvertSeconds: 1500,
        timeToConvert: timeBins({ 900: 1 }, 604_800),
      },
    ]);
    expect(result.breakdowns).toBeNull();
    expect(result.sql).toContain("with per_user as");
  });

  it("needs steps in order", async () => {
    // u10: cart then view → step 0 only; u11: the cart after the view converts.
    expect(counts(await run({ steps: steps("b_view", "b_cart") }))).toEqual([2, 1]);
  });

  it("needs a distinct event for a repeated step", async () => {
    // u20 view view cart → 3; u22 view cart view → 2 (the cart came before the 2nd view); u21 → 1.
    expect(counts(await run({ steps: steps("c_view", "c_view", "c_cart") }))).toEqual([3, 2, 1]);
  });

  it("converts exactly at the window limit and not one second past", async () => {
    const result = await run({ steps: steps("d_view", "d_pay"), window: { value: 1, unit: "HOUR" } });
    expect(counts(result)).toEqual([2, 1]);
    expect(result.steps[1].avgTimeToConvertSeconds).toBe(3600);
    // Exactly one hour falls in [1 h, 6 h), the last bin a one-hour window can fill.
    expect(result.steps[1].timeToConvert).toEqual(timeBins({ 3600: 1 }, 3600));
    const wider = await run({ steps: steps("d_view", "d_pay"), window: { value: 3601, unit: "SECOND" } });
    expect(counts(wider)).toEqual([2, 2]);
  });

  it("breaks a STRICT funnel on any event in between", async () => {
    expect(counts(await run({ steps: steps("e_view", "e_cart"), mode: "STRICT" }))).toEqual([2, 1]);
    expect(counts(await run({ steps: steps("e_view", "e_cart"), mode: "ORDERED" }))).toEqual([2, 2]);
  });

  it("accepts any order in an UNORDERED funnel", async () => {
    // Steps completed: u50 3, u51 2, u52 1, u53 1 (the cart is 20 days after the view).
    const result = await run({ steps: steps("f_view", "f_cart", "f_pay"), mode: "UNORDERED" });
    expect(counts(result)).toEqual([4, 2, 1]);
    // Time to the 2nd step: u50 60 s (pay 10:00 → view 10:01), u51 300 s.
    expect(result.steps[1].avgTimeToConvertSeconds).toBe(180);
    expect(result.steps[2].avgTimeToConvertSeconds).toBe(60);
  });

  it("voids an attempt with an excluded event between the given steps", async () => {
    const result = await run({
      steps: steps("g_view", "g_cart", "g_pay"),
      exclusions: [{ event: "g_coupon", fromStep: 1, toStep: 2 }],
    });
    // u60 (coupon between cart and pay) and u62 (coupon after cart, never paid) are void.
    expect(counts(result)).toEqual([2, 2, 2]);
    const wholeFunnel = await run({
      steps: steps("g_view", "g_cart", "g_pay"),
      exclusions: [{ event: "g_coupon", fromStep: 0, toStep: 2 }],
    });
    // Between view and pay: u60, u61, u62 void; only u63 (coupon after paying) stays.
    expect(counts(wholeFunnel)).toEqual([1, 1, 1]);
  });

  it("voids UNORDERED attempts with an excluded event between the entry and the last step", async () => {
    const result = await run({
      steps: steps("n_view", "n_cart", "n_pay"),
      mode: "UNORDERED",
      exclusions: [{ event: "n_coupon", fromStep: 0, toStep: 2 }],
    });
    // u130 and u131 complete (coupon outside the attempt); u132 counts with its cart → pay attempt
    // (its void attempt from the view stops at 2 steps, no further); u133 and u134 are dropped.
    expect(counts(result)).toEqual([3, 3, 2]);
    // Without the exclusion u132, u134 complete too and u133 reaches 2 (cart, view).
    const plain = await run({ steps: steps("n_view", "n_cart", "n_pay"), mode: "UNORDERED" });
    expect(counts(plain)).toEqual([5, 5, 4]);
  });

  it("drops a user whose furthest attempt is void, not counting an earlier, shorter attempt", async () => {
    const result = await run({
      steps: steps("o_view", "o_cart", "o_pay"),
      exclusions: [{ event: "o_coupon", fromStep: 0, toStep: 2 }],
    });
    // u140 dropped; u141 at step 1 (its Jan 21 attempt); u142 and u143 at step 2.
    expect(counts(result)).toEqual([3, 3, 2]);
    // u143 counts with its Jan 23 attempt: view → cart 60 s, cart → pay 60 s; u142's Jan 4: 60 s, 60 s.
    expect(result.steps[2].avgTimeToConvertSeconds).toBe(60);
    const plain = await run({ steps: steps("o_view", "o_cart", "o_pay") });
    expect(counts(plain)).toEqual([4, 4, 4]);
  });

  it("counts a user once, at the furthest step of the best attempt", async () => {
    const result = await run({ steps: steps("h_view", "h_cart", "h_pay") });
    expect(counts(result)).toEqual([1, 1, 1]);
    // The second attempt's times: view → cart 60 s, cart → pay 120 s (not the first attempt's 3600 s).
    expect(result.steps[1].avgTimeToConvertSeconds).toBe(60);
    expect(result.steps[2].avgTimeToConvertSeconds).toBe(120);
  });

  it("orders equal timestamps by ingestion", async () => {
    expect(counts(await run({ steps: steps("i_view", "i_cart") }))).toEqual([2, 1]);
  });

  it("filters steps by event properties", async () => {
    const result = await run({
      steps: [{ event: "j_view", where: { category: "beauty" } }, { event: "j_cart" }],
    });
    // u90 and u92 viewed beauty; u90 carted. u91 viewed books.
    expect(counts(result)).toEqual([2, 1]);
  });

  it("breaks down by an event dimension of the entry and by a user dimension", async () => {
    const byChannel = await run({ steps: steps("k_view", "k_cart"), breakdown: "channel" });
    expect(counts(byChannel)).toEqual([3, 1]);
    // Entry channel: app u100 (converts), u102; web u101. u100's cart was on web: the entry decides.
    expect(byChannel.breakdowns?.map((b) => [b.value, counts(b)])).toEqual([
      ["app", [2, 1]],
      ["web", [1, 0]],
    ]);
    const byCity = await run({ steps: steps("k_view", "k_cart"), breakdown: "city" });
    expect(byCity.breakdowns?.map((b) => [b.value, counts(b)])).toEqual([
      ["上海", [2, 1]],
      ["北京", [1, 0]],
    ]);
  });

  it("breaks down and filters by $-prefixed event properties", async () => {
    const byBrowser = await run({ steps: steps("q_view", "q_cart"), breakdown: "event.$browser" });
    expect(counts(byBrowser)).toEqual([3, 1]);
    expect(byBrowser.breakdowns?.map((b) => [b.value, counts(b)])).toEqual([
      ["Chrome", [2, 1]],
      ["Safari", [1, 0]],
    ]);
    const chrome = await run({
      steps: [{ event: "q_view", where: { $browser: "Chrome" } }, { event: "q_cart" }],
    });
    expect(counts(chrome)).toEqual([2, 1]);
  });

  it("counts a profile merged from two devices once", async () => {
    // u111's view (before the merge) and u110's cart are the same person: 1 user, converted.
    expect(counts(await run({ steps: steps("l_view", "l_cart") }))).toEqual([1, 1]);
  });

  it("reports average and median time to convert", async () => {
    const result = await run({ steps: steps("m_view", "m_cart") });
    expect(result.steps[1].avgTimeToConvertSeconds).toBe(260); // (60 + 120 + 600) / 3
    expect(result.steps[1].medianTimeToConvertSeconds).toBe(120);
  });

  it("counts a step whose event has never been seen as 0 and says so in warnings", async () => {
    // a_view: u1, u2, u3 enter; nobody can do the unseen step, so nobody gets past it.
    const result = await run({
      steps: steps("a_view", "coupon_applied", "a_cart"),
      exclusions: [{ event: "never_logged", fromStep: 0, toStep: 2 }],
    });
    expect(counts(result)).toEqual([3, 0, 0]);
    expect(result.steps[1].conversionFromPrevious).toBe(0);
    expect(result.warnings).toEqual([
      'Step 1 event "coupon_applied" has never been seen',
      'Exclusion 0 event "never_logged" has never been seen',
    ]);
    const unseenEntry = await run({ steps: steps("coupon_applied", "a_view") });
    expect(counts(unseenEntry)).toEqual([0, 0]);
    expect(unseenEntry.warnings).toEqual(['Step 0 event "coupon_applied" has never been seen']);
    expect((await run({ steps: steps("a_view", "a_cart") })).warnings).toEqual([]);
  });

  it("walks the longest funnels, 20 steps, in every ordered mode", async () => {
    // PostgreSQL inlines the hops into one expression per attempt: a hop re-reading its
    // predecessor twice made that expression (and the planning time) grow as 2^steps.
    const ordered = await run({ steps: steps(...twenty) });
    expect(counts(ordered)).toEqual([3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    // u161's s_x comes between s_11 and s_12: each later step is 2 minutes after the one before.
    expect(ordered.steps[12].avgTimeToConvertSeconds).toBe(90); // (60 + 120) / 2
    const strict = await run({ mode: "STRICT", steps: steps(...twenty) });
    expect(counts(strict)).toEqual([3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1]);
    // s_x between steps 11 and 19 voids u161's attempt; it reaches step 12 (the first after s_x)
    // and stops there, so its furthest attempt is void and u161 is dropped.
    const excluded = await run({
      steps: steps(...twenty),
      exclusions: [{ event: "s_x", fromStep: 11, toStep: 19 }],
    });
    expect(counts(excluded)).toEqual([2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it("rejects a bad time zone", async () => {
    await expect(run({ steps: steps("a_view", "a_cart"), timezone: "Mars/Base" })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
  });
});
