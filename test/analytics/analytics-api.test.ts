import "reflect-metadata";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { countStatements, describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";
import { insertEvents, insertUsers } from "./fixtures";

const DAY_MS = 86_400_000;

describeEachDatabase("analytics API", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    await insertUsers(db(), [[301], [302], [401], [402], [501], [502]]);
    // u401 views May 1 and carts a day later; u402 views and carts 5 minutes later.
    await insertEvents(db(), [
      [1, 401, "s_view", "2026-05-01T10:00:00Z"],
      [2, 401, "s_cart", "2026-05-02T10:00:00Z"],
      [3, 402, "s_view", "2026-05-01T11:00:00Z"],
      [4, 402, "s_cart", "2026-05-01T11:05:00Z"],
    ]);
    await db().query(
      sql`insert into segments (key, name, kind, updated_by) values ('vips', 'VIPs', 'STATIC', 'test')`,
    );
    await db().query(sql`insert into segment_members (segment_key, user_id) values ('vips', 401)`);
    await db().query(
      sql`insert into products (id, name, category) values ('p1', 'Cream', 'beauty'), ('p2', 'Novel', 'books')`,
    );
    const recent = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
    await db().query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted) values
      ('o1', 301, '2026-05-01T00:00:00Z', 'paid', 50, true),
      ('o2', 301, '2026-05-11T00:00:00Z', 'paid', 60, true),
      ('o3', 301, '2026-05-21T00:00:00Z', 'completed', 70, true),
      ('o4', 302, '2026-04-25T00:00:00Z', 'paid', 40, true),
      ('o5', 302, '2026-05-02T00:00:00Z', 'paid', 45, true),
      ('o6', 302, '2026-05-03T00:00:00Z', 'cancelled', 500, false),
      ('o7', 501, ${recent(5)}::timestamptz, 'paid', 100, true),
      ('o8', 502, ${recent(50)}::timestamptz, 'paid', 30, true),
      ('o9', 502, ${recent(20)}::timestamptz, 'paid', 30, true)`);
    await db().query(sql`insert into order_items (order_id, line_no, user_id, product_id, quantity, unit_price) values
      ('o1', 1, 301, 'p1', 1, 50), ('o2', 1, 301, 'p2', 1, 60), ('o3', 1, 301, 'p1', 1, 35),
      ('o3', 2, 301, 'p2', 1, 35), ('o4', 1, 302, 'p1', 1, 40), ('o5', 1, 302, 'p1', 1, 45), ('o6', 1, 302, 'p2', 1, 500)`);
    api = await startTestApi(db());
  });
  afterAll(() => api.close());

  it("serves a funnel with its SQL, restricted to a segment", async () => {
    const query = `query($segment: String) { funnel(input: {
        steps: [{ event: "s_view" }, { event: "s_cart" }], timeRange: { from: "2026-05-01", to: "2026-05-03" },
        timezone: "UTC", segment: $segment }) {
      steps { index event count conversionFromPrevious dropOff avgTimeToConvertSeconds medianTimeToConvertSeconds
        timeToConvert { fromSeconds toSeconds users } }
      breakdowns { value } warnings sql sqlInlined } }`;
    const all = await api.gql(query);
    expect(all.errors).toBeUndefined();
    // Both convert: 86,400 s and 300 s → average 43,350 s, median (two values) 43,350 s.
    expect(all.data.funnel.steps[1]).toEqual({
      index: 1,
      event: "s_cart",
      count: 2,
      conversionFromPrevious: 1,
      dropOff: 0,
      avgTimeToConvertSeconds: 43_350,
      medianTimeToConvertSeconds: 43_350,
      timeToConvert: expect.any(Array),
    });
    // 300 s in [5 min, 15 min), 86,400 s in [1 d, 3 d); nothing elsewhere.
    const filled = all.data.funnel.steps[1].timeToConvert.filter((bin: { users: number }) => bin.users > 0);
    expect(filled).toEqual([
      { fromSeconds: 300, toSeconds: 900, users: 1 },
      { fromSeconds: 86_400, toSeconds: 259_200, users: 1 },
    ]);
    expect(all.data.funnel.breakdowns).toBeNull();
    expect(all.data.funnel.sql).toMatch(/^with per_user as/);
    expect(all.data.funnel.warnings).toEqual([]);
    // The same statement with literals: the range start and time zone in place of placeholders.
    expect(all.data.funnel.sqlInlined).toMatch(/^with per_user as/);
    expect(all.data.funnel.sqlInlined).not.toMatch(/\$\d/);
    expect(all.data.funnel.sqlInlined).toContain("('2026-05-01'::timestamp at time zone 'UTC')");
    const vips = await api.gql(query, { segment: "vips" });
    expect(vips.data.funnel.steps.map((s: any) => s.count)).toEqual([1, 1]);
    expect(vips.data.funnel.sql).toContain("segment_members");
    const unknown = await api.gql(query, { segment: "nobody" });
    expect(unknown.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });

  it("rejects invalid funnels with BAD_USER_INPUT naming the field", async () => {
    const bad = await api.gql(`{ funnel(input: { steps: [{ event: "s_view" }, { event: "s_cart" }],
      window: { value: 0, unit: DAY }, timeRange: { from: "2026-05-01", to: "2026-05-03" } }) { sql } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "window.value" });
    const empty = await api.gql(
      `{ funnel(input: { steps: [], timeRange: { from: "2026-05-01", to: "2026-05-03" } }) { sql } }`,
    );
    expect(empty.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "steps" });
  });

  it("serves retention, paths and lifecycle", async () => {
    const range = `timeRange: { from: "2026-05-01", to: "2026-05-03" }, timezone: "UTC"`;
    const response = await api.gql(`{
      retention(input: { startEvent: "s_view", returnEvent: "s_cart", period: DAY, periods: 2, ${range} }) {
        cohorts { start size values percentages } average { percentages } sql }
      paths(input: { startEvent: "s_view", ${range} }) { nodes { id step event users } links { source target users } sql }
      lifecycle(input: { event: "s_view", grain: DAY, ${range} }) { rows { time new returning resurrecting dormant } sql }
    }`);
    expect(response.errors).toBeUndefined();
    // May 1 cohort {401, 402}: 401 carts on May 2 (day 1). May 2: nobody new; day 1 would be May 3 (outside).
    expect(response.data.retention.cohorts).toEqual([
      { start: "2026-05-01T00:00:00.000Z", size: 2, values: [2, 1], percentages: [1, 0.5] },
      { start: "2026-05-02T00:00:00.000Z", size: 0, values: [0], percentages: [null] },
    ]);
    expect(response.data.retention.average.percentages).toEqual([1, 0.5]);
    // 402 carts 5 minutes after the view (same session); 401's cart is a day later (a new session).
    expect(response.data.paths.links).toEqual([{ source: "1_s_view", target: "2_s_cart", users: 1 }]);
    expect(response.data.paths.nodes).toEqual([
      { id: "1_s_view", step: 1, event: "s_view", users: 2 },
      { id: "2_s_cart", step: 2, event: "s_cart", users: 1 },
    ]);
    // May 1: 401 and 402 new; May 2: both dormant.
    expect(response.data.lifecycle.rows).toEqual([
      { time: "2026-05-01T00:00:00.000Z", new: 2, returning: 0, resurrecting: 0, dormant: 0 },
      { time: "2026-05-02T00:00:00.000Z", new: 0, returning: 0, resurrecting: 0, dormant: -2 },
    ]);
  });

  it("serves the RFM grid and segments as of a time", async () => {
    const response = await api.gql(`{ rfm(asOf: "2026-06-01T00:00:00Z") {
      customers grid { r f segment users } segments { name users share avgMonetary } sql } }`);
    expect(response.errors).toBeUndefined();
    const { customers, grid, segments } = response.data.rfm;
    // Window (2025-06-01, 2026-06-01]: u301 (3 orders, last May 21, 180) and u302 (2 orders, last May 2, 85).
    // n = 2: u301 ranks last in recency-desc and frequency → r = f = 5 (champions); u302 r = f = 1 (hibernating).
    expect(customers).toBe(2);
    expect(grid).toHaveLength(25);
    expect(grid.filter((cell: any) => cell.users > 0)).toEqual([
      { r: 1, f: 1, segment: "hibernating", users: 1 },
      { r: 5, f: 5, segment: "champions", users: 1 },
    ]);
    // The spec's table: R 1–2 × F 5 cannot_lose_them, R 3 × F 3 need_attention, R 5 × F 1 new_customers.
    const named = (r: number, f: number) => grid.find((cell: any) => cell.r === r && cell.f === f).segment;
    expect([named(2, 5), named(3, 3), named(5, 1), named(4, 1)]).toEqual([
      "cannot_lose_them",
      "need_attention",
      "new_customers",
      "promising",
    ]);
    expect(segments.filter((s: any) => s.users > 0)).toEqual([
      { name: "champions", users: 1, share: 0.5, avgMonetary: 180 },
      { name: "hibernating", users: 1, share: 0.5, avgMonetary: 85 },
    ]);
    expect(segments).toHaveLength(10);
  });

  it("resolves User.rfm for a page of users in one statement", async () => {
    const { result, statements } = await countStatements(db(), () =>
      api.gql(
        `{ users(first: 100) { edges { node { id rfm { recencyDays frequency monetary r f m segment } } } } }`,
      ),
    );
    expect(result.errors).toBeUndefined();
    const rfmOf = (id: string) => result.data.users.edges.find((e: any) => e.node.id === id).node.rfm;
    // As of now, last 365 days: u301 (last order ~188 days ago, 3 orders, 180), u302 (~207 days, 2, 85),
    // u501 (5 days, 1, 100), u502 (20 days, 2, 60). n = 4, percent_rank = (rank − 1) / 3.
    // R (recency desc): u302 → 1, u301 → 2, u502 → 1 + floor(5 × 2/3) = 4, u501 → 5.
    // F: u501 (1) → 1; u302, u502 (2) → 1 + floor(5 / 3) = 2; u301 (3) → 5. M: u502 60 → 1, u302 85 → 2, u501 100 → 4, u301 → 5.
    expect(rfmOf("501")).toEqual({
      recencyDays: 5,
      frequency: 1,
      monetary: 100,
      r: 5,
      f: 1,
      m: 4,
      segment: "new_customers",
    });
    expect(rfmOf("502")).toEqual({
      recencyDays: 20,
      frequency: 2,
      monetary: 60,
      r: 4,
      f: 2,
      m: 1,
      segment: "potential_loyalists",
    });
    expect(rfmOf("401")).toBeNull();
    expect(statements.filter((text) => text.includes("percent_rank"))).toHaveLength(1);
  });

  it("serves the repurchase cycle overall and by category", async () => {
    const response =
      await api.gql(`{ repurchaseCycle(timeRange: { from: "2026-05-01", to: "2026-06-01" }, by: "category", timezone: "UTC") {
      overall { medianDays p25Days p75Days intervals histogram { fromDays toDays count } }
      groups { value medianDays p25Days p75Days intervals } sql } }`);
    expect(response.errors).toBeUndefined();
    const { overall, groups } = response.data.repurchaseCycle;
    // Orders placed in May with a previous counted order: u301 o2 (+10 d), o3 (+10 d); u302 o5 (+7 d after April's o4).
    // Sorted [7, 10, 10]: p25 at position 0.5 → 8.5, median 10, p75 at 1.5 → 10. (o6 is cancelled.)
    expect(overall).toMatchObject({ medianDays: 10, p25Days: 8.5, p75Days: 10, intervals: 3 });
    expect(overall.histogram).toHaveLength(9);
    expect(overall.histogram[2]).toEqual({ fromDays: 7, toDays: 14, count: 3 });
    expect(overall.histogram[8]).toEqual({ fromDays: 365, toDays: null, count: 0 });
    // beauty: u301 o1 → o3 (20 d), u302 o4 → o5 (7 d) → [7, 20]: median 13.5, p25 10.25, p75 16.75.
    // books: u301 o2 → o3 (10 d).
    expect(groups).toEqual([
      { value: "beauty", medianDays: 13.5, p25Days: 10.25, p75Days: 16.75, intervals: 2 },
      { value: "books", medianDays: 10, p25Days: 10, p75Days: 10, intervals: 1 },
    ]);
    const bad = await api.gql(
      `{ repurchaseCycle(timeRange: { from: "2026-05-01", to: "2026-06-01" }, by: "colour") { sql } }`,
    );
    expect(bad.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "by" });
  });

  it("takes relative ranges, resolved when the analysis runs, and refuses mixed ones", async () => {
    const cycle = async (range: string) => {
      const response = await api.gql(`{ repurchaseCycle(timeRange: ${range}, timezone: "UTC") {
        overall { medianDays intervals } } }`);
      expect(response.errors, range).toBeUndefined();
      return response.data.repurchaseCycle.overall;
    };
    // u502's o9 (20 days ago) follows o8 (50 days ago) by 30 days; u501's o7 (5 days ago) is a first order.
    expect(await cycle('{ last: "60d" }')).toEqual({ medianDays: 30, intervals: 1 });
    expect(await cycle('{ last: "30d" }')).toEqual({ medianDays: 30, intervals: 1 });
    expect(await cycle('{ last: "10d" }')).toEqual({ medianDays: null, intervals: 0 });
    const lifecycle = await api.gql(`{ lifecycle(input: { event: "s_view", grain: DAY, timezone: "UTC",
      timeRange: { last: "2d" } }) { rows { time } } }`);
    expect(lifecycle.errors).toBeUndefined();
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    expect(lifecycle.data.lifecycle.rows.map((row: { time: string }) => row.time)).toEqual([
      new Date(today - 2 * DAY_MS).toISOString(),
      new Date(today - DAY_MS).toISOString(),
    ]);
    for (const query of [
      `{ funnel(input: { steps: [{ event: "s_view" }], timeRange: { last: "30d", from: "2026-05-01" } }) { sql } }`,
      `{ retention(input: { startEvent: "s_view", returnEvent: "s_cart", timeRange: { named: "someday" } }) { sql } }`,
      `{ paths(input: { startEvent: "s_view", timeRange: { last: "30" } }) { sql } }`,
    ]) {
      const answer = await api.gql(query);
      expect(answer.errors?.[0].extensions?.code, query).toBe("BAD_USER_INPUT");
      expect(String(answer.errors?.[0].extensions?.argument), query).toMatch(/^timeRange\.(last|named)$/);
    }
  });
});
