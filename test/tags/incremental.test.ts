import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, DriverKind } from "../../src/db/client";
import {
  clockCrossings,
  expiryBands,
  mergeRanges,
  notIncremental,
  planRefresh,
  type RefreshState,
} from "../../src/rules/incremental";
import {
  definitionTargets,
  materialise,
  type RefreshPlanReport,
  refreshDefinitions,
} from "../../src/rules/materialise";
import { parseRule } from "../../src/rules/parser";
import { countStatements, createTestDatabase, DRIVERS } from "../helpers/db";

const T0 = new Date("2026-03-01T00:00:00Z");
const T1 = new Date("2026-03-03T00:00:00Z");
const T2 = new Date("2026-03-03T06:00:00Z");
const d = (iso: string) => new Date(iso);
/** Most of this fixture's ten users change: keep the refresh incremental anyway. */
const ALL_MAY_CHANGE = { maxChangedShare: 1 };

describe("incremental planning", () => {
  const state = (over: Partial<RefreshState> = {}): RefreshState => ({
    version: 2,
    refreshedAt: T0,
    refreshedVersion: 2,
    factsWatermark: d("2026-03-01T00:05:00Z"),
    refreshedMembers: 0,
    ...over,
  });
  const target = (key: string, rule: string, s: RefreshState | null = state()) => ({
    kind: "tag" as const,
    key,
    expr: parseRule(rule),
    state: s ?? undefined,
  });

  it("refreshes incrementally only what the last refresh evaluated and what changes with facts alone", () => {
    const targets = [
      target("views", 'count(event("product_view") within 7d) >= 2'),
      target("fresh", "count(orders) >= 1", null),
      target("edited", "count(orders) >= 2", state({ refreshedVersion: 1 })),
      target("recency", "days_since(last(orders.placed_at)) <= 5"),
      target("champions", 'rfm.segment = "champions"'),
      // Named by a full target: full too, so the full part reads final memberships.
      target("base", "count(orders) >= 3"),
      target("reader", 'has_tag("base") and days_since(user.last_seen) < count(orders)'),
      target("vip_reader", 'has_tag("vip") and count(orders) >= 1'),
      target("stale_reader", 'has_tag("edited_elsewhere") and count(orders) >= 1'),
    ];
    const modes = planRefresh(targets, {
      asOf: T1,
      definitionsUpdatedAt: new Map([
        ["tag:base", d("2026-01-01T00:00:00Z")],
        ["tag:vip", d("2026-01-01T00:00:00Z")],
        ["tag:edited_elsewhere", d("2026-03-01T01:00:00Z")],
      ]),
    });
    const mode = (key: string) => {
      const m = modes.get(targets.find((t) => t.key === key) as (typeof targets)[number]);
      return m?.incremental ? "incremental" : (m as { reason: string }).reason;
    };
    expect(mode("views")).toBe("incremental");
    expect(mode("vip_reader")).toBe("incremental");
    expect(mode("fresh")).toBe("first refresh of this definition");
    expect(mode("edited")).toBe("the definition changed since its last refresh");
    expect(mode("recency")).toBe("incremental");
    expect(mode("reader")).toMatch(/^days_since used other than compared with numbers/);
    expect(mode("champions")).toMatch(/rfm\.segment/);
    expect(mode("base")).toBe('tag "reader", refreshed in full, reads its memberships');
    expect(mode("stale_reader")).toBe("tag edited_elsewhere changed since the last refresh");
    const backwards = planRefresh([targets[0]], {
      asOf: d("2026-02-28T00:00:00Z"),
      definitionsUpdatedAt: new Map(),
    });
    expect(backwards.get(targets[0])).toEqual({
      incremental: false,
      reason: "evaluated as of a time before its last refresh",
    });
    const forced = planRefresh([targets[0]], { asOf: T1, full: true, definitionsUpdatedAt: new Map() });
    expect(forced.get(targets[0])?.incremental).toBe(false);
  });

  it("finds the fact times that crossed a window edge between two refreshes", () => {
    const bands = expiryBands(
      [
        parseRule(
          'count(event("product_view") within 7d) >= 2 and exists(orders within 1d) and count(orders) >= 1',
        ),
      ],
      T0,
      T1,
    );
    // (t0, t1] entered; (t0 − 7d, t1 − 7d] left the 7-day window.
    expect(bands.events.get("product_view")).toEqual([
      { from: d("2026-02-22T00:00:00Z"), to: d("2026-02-24T00:00:00Z") },
      { from: T0, to: T1 },
    ]);
    // 1 day: (Feb 28, Mar 2] touches (Mar 1, Mar 3] and joins it.
    expect(bands.orders).toEqual([{ from: d("2026-02-28T00:00:00Z"), to: T1 }]);
    expect(expiryBands([parseRule("count(orders) >= 1")], T1, T1).orders).toEqual([]);
    // T0 → T1 is two days: first_seen left the 7-day window in (Feb 22, Feb 24] or entered it in (T0, T1].
    const clocked = expiryBands(
      [parseRule("user.first_seen within 7d and days_since(last(orders.placed_at)) > 10")],
      T0,
      T1,
    );
    expect(clocked.users).toEqual(
      new Map([
        [
          "first_seen",
          [
            { from: d("2026-02-22T00:00:00Z"), to: d("2026-02-24T00:00:00Z") },
            { from: T0, to: T1 },
          ],
        ],
      ]),
    );
    // days_since > 10 turns true when the last order's time reaches t − 11 d.
    expect(clocked.orders).toEqual([
      { from: d("2026-02-18T00:00:00Z"), to: d("2026-02-20T00:00:00Z") },
      { from: T0, to: T1 },
    ]);
    expect(
      mergeRanges([
        { from: d("2026-01-05T00:00:00Z"), to: d("2026-01-06T00:00:00Z") },
        { from: d("2026-01-01T00:00:00Z"), to: d("2026-01-02T00:00:00Z") },
        { from: d("2026-01-01T12:00:00Z"), to: d("2026-01-03T00:00:00Z") },
      ]),
    ).toEqual([
      { from: d("2026-01-01T00:00:00Z"), to: d("2026-01-03T00:00:00Z") },
      { from: d("2026-01-05T00:00:00Z"), to: d("2026-01-06T00:00:00Z") },
    ]);
  });
});

describe("clock crossings", () => {
  const crossings = (rule: string) => clockCrossings(parseRule(rule));
  const lastOrder = "days_since(last(orders.placed_at))";

  it("gives the day counts at which days_since compared with numbers can flip", () => {
    const days = (rule: string) => {
      const found = crossings(rule);
      return typeof found === "string" ? found : found.map((c) => c.days);
    };
    // days_since is a whole number d: > 10 ⇔ d ≥ 11; ≥ 2.5 ⇔ d ≥ 3; < 2.5 ⇔ not d ≥ 3; ≤ 2 ⇔ not d ≥ 3.
    expect(days(`${lastOrder} > 10`)).toEqual([11]);
    expect(days(`${lastOrder} >= 2.5`)).toEqual([3]);
    expect(days(`${lastOrder} < 2.5`)).toEqual([3]);
    expect(days(`${lastOrder} <= 2`)).toEqual([3]);
    // = 3 turns true at 3 and false at 4; = 2.5 is never true.
    expect(days(`${lastOrder} = 3`)).toEqual([3, 4]);
    expect(days(`${lastOrder} != 2.5`)).toEqual([]);
    // 5 < d is d > 5.
    expect(days(`5 < ${lastOrder}`)).toEqual([6]);
    // 3 ≤ d ≤ 5: true from 3, false from 6.
    expect(days(`${lastOrder} between 3 and 5`)).toEqual([3, 6]);
    expect(days(`${lastOrder} in (1, 2.5)`)).toEqual([1, 2]);
  });

  it("locates the compared time in the facts", () => {
    expect(crossings("user.first_seen within 7d")).toEqual([
      { time: { fact: "user", field: "first_seen" }, days: 7 },
      { time: { fact: "user", field: "first_seen" }, days: 0 },
    ]);
    expect(crossings('days_since(max(event("page_view").ts)) <= 2')).toEqual([
      { time: { fact: "event", event: "page_view" }, days: 3 },
    ]);
    expect(crossings("count(orders within 7d) >= 1")).toEqual([]);
  });

  it("refuses what changes every day for everyone, and the population", () => {
    for (const rule of [
      lastOrder,
      `${lastOrder} < count(orders)`,
      `${lastOrder} > days_since(user.first_seen)`,
      `count(orders) between ${lastOrder} and 5`,
    ])
      expect(crossings(rule)).toMatch(/^days_since used other than compared with numbers/);
    expect(notIncremental(parseRule(`${lastOrder} > 3 and rfm.segment = "champions"`))).toMatch(
      /rfm\.segment/,
    );
    expect(notIncremental(parseRule(`${lastOrder} > 3 and user.last_seen within 3d`))).toBeNull();
  });
});

const TAGS: Array<[string, "RULE" | "VALUE", string]> = [
  ["recent_viewer", "RULE", 'count(event("product_view") within 7d) >= 2'],
  ["buyer", "RULE", "count(orders) >= 1"],
  ["shanghai", "RULE", 'trait.city = "上海"'],
  ["views_30d", "VALUE", 'count(event("product_view") within 30d)'],
  ["recent_buyer", "RULE", "days_since(last(orders.placed_at)) <= 5"],
];
const SEGMENT_RULE = 'has_tag("buyer") and count(event("page_view") within 30d) >= 1';

let serial = 0;
const event = (db: Database, user: number, name: string, ts: string) =>
  db.query(
    sql`insert into events (user_id, message_id, name, ts) values (${user}, ${`m${++serial}`}, ${name}, ${ts}::timestamptz)`,
  );
const order = (db: Database, id: string, user: number, placed: string, status: string) =>
  db.query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted)
    values (${id}, ${user}, ${placed}::timestamptz, ${status}, 100, ${status !== "created"})`);

/** Ten profiles and their facts before the first refresh (as of T0). */
async function seed(db: Database): Promise<void> {
  for (let id = 1; id <= 10; id++) {
    const traits = id === 6 || id === 8 ? { city: "上海" } : { city: "北京" };
    await db.query(
      sql`insert into users (id, traits) overriding system value values (${id}, ${JSON.stringify(traits)}::jsonb)`,
    );
  }
  await event(db, 1, "product_view", "2026-02-23T12:00:00Z");
  await event(db, 1, "product_view", "2026-02-24T12:00:00Z");
  await event(db, 2, "product_view", "2026-02-28T00:00:00Z");
  await order(db, "o3", 3, "2026-02-10T00:00:00Z", "paid");
  await event(db, 3, "page_view", "2026-02-20T00:00:00Z");
  await event(db, 4, "product_view", "2026-02-26T00:00:00Z");
  await event(db, 5, "product_view", "2026-02-28T00:00:00Z");
  await event(db, 6, "product_view", "2026-02-27T00:00:00Z");
  await order(db, "o6", 6, "2026-02-15T00:00:00Z", "paid");
  await order(db, "o8", 8, "2026-02-25T00:00:00Z", "paid");
  await order(db, "o9", 9, "2026-02-20T00:00:00Z", "created");
  await event(db, 9, "page_view", "2026-02-25T00:00:00Z");
  // Dated after T0: outside the first refresh, inside the second.
  await event(db, 10, "product_view", "2026-03-02T00:00:00Z");
  await event(db, 10, "product_view", "2026-03-02T12:00:00Z");
  for (const [key, kind, rule] of TAGS)
    await db.query(sql`insert into tags (key, name, category, kind, rule, updated_by)
      values (${key}, ${key}, 'BEHAVIOR', ${kind}, ${rule}, 'test')`);
  await db.query(sql`insert into segments (key, name, kind, rule, updated_by)
    values ('buyers_browsing', 'Buyers browsing', 'DYNAMIC', ${SEGMENT_RULE}, 'test')`);
}

/** What happens between the refreshes: new facts, a late event, a merge, a paid order, a trait. */
async function change(db: Database): Promise<void> {
  await event(db, 2, "product_view", "2026-03-02T00:00:00Z");
  // A real-time run after the batch: user 2 enters, recorded after the first refresh's watermark,
  // so the next refresh's member totals take it from the log, not from a count.
  const { targets } = await definitionTargets(db, { tags: ["recent_viewer"], segments: [] });
  await materialise(db, targets, T1, undefined, { userIds: [2] });
  // Late: received now, dated before T0.
  await event(db, 4, "product_view", "2026-02-27T00:00:00Z");
  await db.query(sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (6, 5, 5)`);
  await db.query(sql`update users set merged_into = 5 where id = 6`);
  await db.query(sql`update users set traits = '{"city": "上海"}'::jsonb where id in (5, 7)`);
  await db.query(sql`update orders set status = 'paid', counted = true where order_id = 'o9'`);
}

interface Snapshot {
  tags: string[];
  segments: string[];
  tagChanges: string[];
  segmentChanges: string[];
}

async function snapshot(db: Database): Promise<Snapshot> {
  const lines = async (query: ReturnType<typeof sql>) =>
    (await db.query<{ line: string }>(query)).map((row) => row.line);
  return {
    tags: await lines(sql`select tag_key || ' ' || user_id || ' ' || coalesce(value, '-') as line
      from tag_members order by 1`),
    segments: await lines(sql`select segment_key || ' ' || user_id as line from segment_members order by 1`),
    tagChanges:
      await lines(sql`select tag_key || ' ' || user_id || ' ' || change || ' ' || coalesce(value, '-')
      || ' ' || to_char(at at time zone 'UTC', 'MM-DD') as line from tag_membership_changes order by 1`),
    segmentChanges: await lines(sql`select segment_key || ' ' || user_id || ' ' || change || ' '
      || to_char(at at time zone 'UTC', 'MM-DD') as line from segment_membership_changes order by 1`),
  };
}

const membersOf = (snap: Snapshot, key: string) =>
  snap.tags.filter((line) => line.startsWith(`${key} `)).map((line) => line.split(" ").slice(1).join(" "));

for (const kind of DRIVERS as DriverKind[]) {
  describe(`incremental refresh [${kind}]`, () => {
    let incremental: Awaited<ReturnType<typeof createTestDatabase>>;
    let full: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      [incremental, full] = await Promise.all([createTestDatabase(kind), createTestDatabase(kind)]);
      for (const db of [incremental.db, full.db]) {
        await seed(db);
        await refreshDefinitions(db, {}, T0);
        await change(db);
      }
    }, 60_000);
    afterAll(async () => {
      await incremental?.drop();
      await full?.drop();
    });

    it("re-evaluates only changed users and window expiries, and ends where a full refresh ends", async () => {
      let plan: RefreshPlanReport | undefined;
      const report = await refreshDefinitions(incremental.db, {}, T1, undefined, ALL_MAY_CHANGE, (p) => {
        plan = p;
      });
      const mode = (id: string) => (plan?.modes.get(id)?.incremental ? "incremental" : "full");
      expect(mode("tag:recent_viewer")).toBe("incremental");
      expect(mode("tag:views_30d")).toBe("incremental");
      expect(mode("segment:buyers_browsing")).toBe("incremental");
      expect(mode("tag:recent_buyer")).toBe("incremental");
      // 1 (an event left the 7-day window), 2 and 4 (new and late events), 5 (merge, trait),
      // 7 (trait), 8 (its last order's age reached 6 days: (Feb 23, Feb 25]), 9 (paid order),
      // 10 (events dated after T0); 3 is untouched.
      expect(plan?.changedUsers).toBe(8);

      const fullReport = await refreshDefinitions(full.db, {}, T1, undefined, { full: true });
      const got = await snapshot(incremental.db);
      const want = await snapshot(full.db);

      // By hand, as of T1 (7-day window (Feb 24, Mar 3], 30-day (Feb 1, Mar 3]):
      expect(membersOf(got, "recent_viewer")).toEqual(["10 -", "2 -", "4 -", "5 -"]);
      expect(membersOf(got, "buyer")).toEqual(["3 -", "5 -", "8 -", "9 -"]);
      expect(membersOf(got, "shanghai")).toEqual(["5 -", "7 -", "8 -"]);
      expect(membersOf(got, "views_30d")).toEqual([
        "1 2",
        "10 2",
        "2 2",
        "3 0",
        "4 2",
        "5 2",
        "7 0",
        "8 0",
        "9 0",
      ]);
      expect(membersOf(got, "recent_buyer")).toEqual([]);
      expect(got.segments).toEqual(["buyers_browsing 3", "buyers_browsing 9"]);
      expect(got.tagChanges.filter((line) => line.endsWith("03-03"))).toEqual([
        "buyer 5 entered - 03-03",
        "buyer 6 exited - 03-03",
        "buyer 9 entered - 03-03",
        "recent_buyer 8 exited - 03-03",
        "recent_viewer 1 exited - 03-03",
        "recent_viewer 10 entered - 03-03",
        "recent_viewer 2 entered - 03-03",
        "recent_viewer 4 entered - 03-03",
        "recent_viewer 5 entered - 03-03",
        "shanghai 5 entered - 03-03",
        "shanghai 6 exited - 03-03",
        "shanghai 7 entered - 03-03",
        "views_30d 6 exited 1 03-03",
      ]);
      expect(got.segmentChanges.filter((line) => line.endsWith("03-03"))).toEqual([
        "buyers_browsing 9 entered 03-03",
      ]);
      // And everything equals the full refresh of the identical copy, including what it reports.
      expect(got).toEqual(want);
      const counts = (r: typeof report) =>
        r.refreshed.map((x) => `${x.kind}:${x.key} ${x.users} +${x.entered} -${x.exited}`).sort();
      expect(counts(report)).toEqual(counts(fullReport));
      expect(report.failed).toEqual([]);
      // Nothing changed since: what the refresh recorded for the next one is the member count.
      const recorded = await incremental.db.query<{ line: string }>(sql`
        select t.key || ' ' || t.refreshed_members || ' ' || count(m.user_id) as line
        from tags t left join tag_members m on m.tag_key = t.key group by t.key, t.refreshed_members order by 1`);
      for (const { line } of recorded) {
        const [, stored, counted] = line.split(" ");
        expect(stored).toBe(counted);
      }
    });

    it("issues the same statements for one changed user as for many: none per user", async () => {
      await event(incremental.db, 3, "page_view", "2026-03-03T01:00:00Z");
      let plan: RefreshPlanReport | undefined;
      const one = await countStatements(incremental.db, () =>
        refreshDefinitions(incremental.db, {}, T2, undefined, ALL_MAY_CHANGE, (p) => {
          plan = p;
        }),
      );
      expect(plan?.changedUsers).toBe(1);
      for (const user of [1, 2, 4, 5, 7, 8, 9, 10])
        await event(incremental.db, user, "search", "2026-03-03T07:00:00Z");
      const many = await countStatements(incremental.db, () =>
        refreshDefinitions(
          incremental.db,
          {},
          new Date("2026-03-03T08:00:00Z"),
          undefined,
          ALL_MAY_CHANGE,
          (p) => {
            plan = p;
          },
        ),
      );
      expect(plan?.changedUsers).toBe(8);
      expect(many.statements.length).toBe(one.statements.length);
    });
  });
}

/** Rules reading the clock outside aggregate windows, refreshed at C0 and again at C1 with no new fact. */
const CLOCK_TAGS: Array<[string, "RULE" | "VALUE", string]> = [
  ["new_user", "RULE", "user.first_seen within 7d"],
  ["lapsed", "RULE", "days_since(last(orders.placed_at)) > 10"],
  ["recent_visitor", "RULE", 'days_since(max(event("page_view").ts)) <= 2'],
  ["third_to_fifth_day", "RULE", "days_since(user.created_at) between 3 and 5"],
  ["loyal", "RULE", "count(orders) >= 2"],
  // A number that changes every day for everyone: refreshed in full.
  ["days_lapsed", "VALUE", "days_since(last(orders.placed_at))"],
];
const C0 = new Date("2026-03-01T00:00:00Z");
const C1 = new Date("2026-03-04T12:00:00Z");

/** Nine profiles (created and first seen Jan 1 unless said otherwise), their orders and page views. */
async function seedClock(db: Database): Promise<void> {
  const profiles: Record<number, { firstSeen?: string; created?: string }> = {
    // Exactly C1 − 7 d: inside (C0 − 7 d, C0], outside (C1 − 7 d, C1].
    1: { firstSeen: "2026-02-25T12:00:00Z" },
    2: { firstSeen: "2026-02-28T00:00:00Z" },
    // After C0 (an imported profile dated ahead): enters at C1.
    3: { firstSeen: "2026-03-03T00:00:00Z" },
    4: { created: "2026-02-25T00:00:00Z" },
    5: { created: "2026-02-28T00:00:00Z" },
  };
  for (let id = 1; id <= 9; id++) {
    const firstSeen = profiles[id]?.firstSeen ?? "2026-01-01T00:00:00Z";
    const created = profiles[id]?.created ?? "2026-01-01T00:00:00Z";
    await db.query(sql`insert into users (id, first_seen_at, last_seen_at, created_at) overriding system value
      values (${id}, ${firstSeen}::timestamptz, ${firstSeen}::timestamptz, ${created}::timestamptz)`);
  }
  await order(db, "c5", 5, "2026-02-17T00:00:00Z", "paid");
  // Exactly C1 − 11 d: 11 whole days old at C1.
  await order(db, "c6", 6, "2026-02-21T12:00:00Z", "paid");
  await order(db, "c7a", 7, "2026-02-10T00:00:00Z", "paid");
  await order(db, "c7b", 7, "2026-02-25T00:00:00Z", "paid");
  await order(db, "c8a", 8, "2026-02-19T00:00:00Z", "paid");
  await order(db, "c8b", 8, "2026-02-26T00:00:00Z", "paid");
  await event(db, 1, "page_view", "2026-02-27T00:00:00Z");
  // Dated after C0: seen at C1 only.
  await event(db, 2, "page_view", "2026-03-02T00:00:00Z");
  await event(db, 3, "page_view", "2026-02-20T00:00:00Z");
  await event(db, 3, "page_view", "2026-03-04T00:00:00Z");
  await event(db, 9, "page_view", "2026-02-01T00:00:00Z");
  for (const [key, kind, rule] of CLOCK_TAGS)
    await db.query(sql`insert into tags (key, name, category, kind, rule, updated_by)
      values (${key}, ${key}, 'BEHAVIOR', ${kind}, ${rule}, 'test')`);
}

for (const kind of DRIVERS as DriverKind[]) {
  describe(`incremental refresh of clock rules [${kind}]`, () => {
    let incremental: Awaited<ReturnType<typeof createTestDatabase>>;
    let full: Awaited<ReturnType<typeof createTestDatabase>>;
    let before: Snapshot;
    beforeAll(async () => {
      [incremental, full] = await Promise.all([createTestDatabase(kind), createTestDatabase(kind)]);
      for (const db of [incremental.db, full.db]) {
        await seedClock(db);
        await refreshDefinitions(db, {}, C0);
      }
      before = await snapshot(incremental.db);
    }, 60_000);
    afterAll(async () => {
      await incremental?.drop();
      await full?.drop();
    });

    it("re-evaluates the users whose times crossed a threshold, and ends where a full refresh ends", async () => {
      // As of C0 = Mar 1 (by hand): first seen in (Feb 22, Mar 1]: 1, 2; last order ≥ 11 days old
      // (≤ Feb 18): 5; last page view < 3 days old (> Feb 26): 1; created 3 to 5 whole days
      // before ((Feb 23, Feb 26]): 4; two orders: 7, 8.
      expect(membersOf(before, "new_user")).toEqual(["1 -", "2 -"]);
      expect(membersOf(before, "lapsed")).toEqual(["5 -"]);
      expect(membersOf(before, "recent_visitor")).toEqual(["1 -"]);
      expect(membersOf(before, "third_to_fifth_day")).toEqual(["4 -"]);
      expect(membersOf(before, "loyal")).toEqual(["7 -", "8 -"]);

      let plan: RefreshPlanReport | undefined;
      const report = await refreshDefinitions(incremental.db, {}, C1, undefined, ALL_MAY_CHANGE, (p) => {
        plan = p;
      });
      const mode = (id: string) => {
        const m = plan?.modes.get(id);
        return m?.incremental ? "incremental" : (m as { reason: string }).reason;
      };
      for (const key of ["new_user", "lapsed", "recent_visitor", "third_to_fifth_day", "loyal"])
        expect(mode(`tag:${key}`)).toBe("incremental");
      expect(mode("tag:days_lapsed")).toMatch(/^days_since used other than compared with numbers/);
      // No fact changed. Crossed: first seen in (Feb 22, Feb 25 12:00] or (Mar 1, Mar 4 12:00]: 1, 3;
      // created in (Feb 23, Mar 1 12:00] (thresholds 3 and 6 days): 4, 5; an order in
      // (Feb 18, Feb 21 12:00] (11 days) or after C0: 6, 8; a page view in (Feb 26, Mar 4 12:00]
      // (3 days, and after C0): 1, 2, 3. Users 7 and 9 are not read.
      expect(plan?.changedUsers).toBe(7);

      const fullReport = await refreshDefinitions(full.db, {}, C1, undefined, { full: true });
      const got = await snapshot(incremental.db);
      const want = await snapshot(full.db);
      // As of C1 = Mar 4 12:00: first seen in (Feb 25 12:00, Mar 4 12:00]: 2, 3; last order ≤ Feb 21 12:00:
      // 5, 6; last page view > Mar 1 12:00: 2, 3; created in (Feb 26 12:00, Mar 1 12:00]: 5.
      expect(membersOf(got, "new_user")).toEqual(["2 -", "3 -"]);
      expect(membersOf(got, "lapsed")).toEqual(["5 -", "6 -"]);
      expect(membersOf(got, "recent_visitor")).toEqual(["2 -", "3 -"]);
      expect(membersOf(got, "third_to_fifth_day")).toEqual(["5 -"]);
      expect(membersOf(got, "loyal")).toEqual(["7 -", "8 -"]);
      // Whole days since the last order: Feb 17 → 15, Feb 21 12:00 → 11, Feb 25 → 7, Feb 26 → 6.
      expect(membersOf(got, "days_lapsed")).toEqual(["5 15", "6 11", "7 7", "8 6"]);
      expect(got.tagChanges.filter((line) => line.endsWith("03-04"))).toEqual([
        "lapsed 6 entered - 03-04",
        "new_user 1 exited - 03-04",
        "new_user 3 entered - 03-04",
        "recent_visitor 1 exited - 03-04",
        "recent_visitor 2 entered - 03-04",
        "recent_visitor 3 entered - 03-04",
        "third_to_fifth_day 4 exited - 03-04",
        "third_to_fifth_day 5 entered - 03-04",
      ]);
      expect(got).toEqual(want);
      const counts = (r: typeof report) =>
        r.refreshed.map((x) => `${x.kind}:${x.key} ${x.users} +${x.entered} -${x.exited}`).sort();
      expect(counts(report)).toEqual(counts(fullReport));
      expect(report.failed).toEqual([]);
    });
  });
}
