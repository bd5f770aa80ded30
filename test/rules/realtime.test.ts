import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database } from "../../src/db/client";
import type { EventInput } from "../../src/ingest/contract";
import { IngestService } from "../../src/ingest/service";
import { RESTRICTED_LOCK_WAIT_MS } from "../../src/rules/materialise";
import { parseRule } from "../../src/rules/parser";
import { RealtimeAudiences, type RealtimeCandidate, realtimeModes } from "../../src/rules/realtime";
import { RuleService } from "../../src/rules/service";
import { SegmentService } from "../../src/segments/service";
import { TagService } from "../../src/tags/service";
import { createTestDatabase, describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

const ACTOR = { name: "test" };
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
let serial = 0;
const event = (userId: string, name: string, ts: string): EventInput => ({
  messageId: `rt-${++serial}`,
  event: name,
  userId,
  timestamp: ts,
});

async function idOf(db: Database, userId: string): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    sql`select user_id as id from identities where type = 'user_id' and value = ${userId}`,
  );
  return Number(row.id);
}

async function members(db: Database, segment: string): Promise<number[]> {
  const rows = await db.query<{ id: number }>(
    sql`select user_id as id from segment_members where segment_key = ${segment} order by user_id`,
  );
  return rows.map((row) => Number(row.id));
}

describe("realtimeModes", () => {
  const candidate = (
    kind: "tag" | "segment",
    key: string,
    rule: string | null,
    definitionKind = kind === "tag" ? "RULE" : "DYNAMIC",
  ): RealtimeCandidate => ({ kind, key, definitionKind, active: true, expr: rule ? parseRule(rule) : null });

  it("keeps population-relative, model-scored and clock-reading rules and their dependants on the schedule", () => {
    const modes = realtimeModes([
      candidate("segment", "carted", 'count(event("add_to_cart")) >= 1'),
      candidate("segment", "week", 'exists(event("page_view") within 7d)'),
      candidate("segment", "champions", 'rfm.segment = "champions"'),
      candidate("segment", "risky", "predict.churn_risk > 0.5"),
      candidate("segment", "new", "user.first_seen within 30d"),
      candidate("segment", "dormant", "days_since(user.last_seen) > 30"),
      candidate("segment", "evening", "send_time.local_hour >= 18"),
      candidate("tag", "fav", "recommendations.top_category", "VALUE"),
      candidate("segment", "carted_champions", 'in_segment("carted") and in_segment("champions")'),
      candidate("segment", "carted_vip", 'in_segment("carted") and has_tag("vip")'),
      candidate("segment", "chain", 'in_segment("carted_vip") or in_segment("carted_champions")'),
      candidate("tag", "vip", null, "MANUAL"),
      candidate("segment", "upload", null, "STATIC"),
    ]);
    const mode = (id: string) => modes.get(id);
    expect(mode("segment:carted")).toEqual({
      realtime: true,
      reason: "re-evaluated for the users of every ingested batch",
    });
    expect(mode("segment:week")?.realtime).toBe(true);
    expect(mode("segment:week")?.reason).toContain(
      "within 7d) that expires with no new event is applied by the next scheduled refresh",
    );
    for (const [id, term] of [
      ["segment:champions", "rfm.segment"],
      ["segment:risky", "predict.churn_risk"],
      ["segment:new", "within 30d"],
      ["segment:dormant", "days_since"],
      ["segment:evening", "send_time.local_hour"],
      ["tag:fav", "recommendations.top_category"],
      ["segment:carted_champions", 'segment "champions"'],
      // Transitively: carted_vip is real-time, carted_champions is not.
      ["segment:chain", 'segment "carted_champions"'],
    ]) {
      expect(mode(id)?.realtime, id).toBe(false);
      expect(mode(id)?.reason, id).toContain(term);
    }
    // A MANUAL tag changes at once when assigned: a rule reading it can be real-time.
    expect(mode("segment:carted_vip")?.realtime).toBe(true);
    expect(mode("tag:vip")).toEqual({
      realtime: false,
      reason: "MANUAL tag: members change only through assignTag / unassignTag",
    });
    expect(mode("segment:upload")?.realtime).toBe(false);
  });
});

describeEachDatabase("real-time audiences", (db) => {
  let api: TestApi;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    api = await startTestApi(db());
    const { ingest, segments, tags, destinations, triggers } = api.services;
    // c carted an hour ago; b was last seen 40 days ago (outside "recent").
    await ingest.track([event("c", "add_to_cart", ago(HOUR)), event("b", "page_view", ago(40 * 24 * HOUR))]);
    await segments.create({ key: "carted", name: "Carted", rule: 'count(event("add_to_cart")) >= 1' }, ACTOR);
    await segments.create({ key: "recent", name: "Recent", rule: "user.last_seen within 30d" }, ACTOR);
    await segments.create(
      {
        key: "carted_viewer",
        name: "Carted viewer",
        rule: 'in_segment("carted") and exists(event("page_view") within 7d)',
      },
      ACTOR,
    );
    await segments.create({ key: "champions", name: "Champions", rule: 'rfm.segment = "champions"' }, ACTOR);
    await tags.create(
      {
        key: "big_spender",
        name: "Big spender",
        category: "TRANSACTION",
        kind: "RULE",
        rule: "sum(orders.total) >= 100",
      },
      ACTOR,
    );
    await destinations.create(
      { key: "hook", url: "http://127.0.0.1:9/hook", secret: "whsec_rt_0123456789" },
      ACTOR,
    );
    await triggers.create({ key: "carted-in", destination: "hook", segmentEntered: "carted" }, ACTOR);
    for (const user of ["b", "c"]) ids[user] = await idOf(db(), user);
  });
  afterAll(async () => {
    await api.close();
  });

  it("says which definitions are real-time and why (GraphQL)", async () => {
    const answer = await api.gql(`{
      segments { key realtime { realtime reason } }
      tags { key realtime { realtime } } }`);
    expect(answer.errors).toBeUndefined();
    const byKey = Object.fromEntries(
      answer.data.segments.map((s: { key: string; realtime: unknown }) => [s.key, s.realtime]),
    );
    expect(byKey.carted).toEqual({
      realtime: true,
      reason: "re-evaluated for the users of every ingested batch",
    });
    expect(byKey.carted_viewer.realtime).toBe(true);
    expect(byKey.recent.realtime).toBe(false);
    expect(byKey.champions.realtime).toBe(false);
    expect(byKey.champions.reason).toContain("rfm.segment");
    expect(answer.data.tags).toEqual([{ key: "big_spender", realtime: { realtime: true } }]);
  });

  it("enters a batch's users before track returns, with the trigger's outbox row; others stay", async () => {
    // Members when defined: carted {c}; recent {c}; carted_viewer {} (c viewed nothing, b's view is 40 days old).
    expect(await members(db(), "carted")).toEqual([ids.c]);
    expect(await members(db(), "recent")).toEqual([ids.c]);
    expect(await members(db(), "carted_viewer")).toEqual([]);
    // a views and carts; b views again (now recent, but "recent" reads the clock: schedule only).
    await api.services.ingest.track([
      event("a", "page_view", ago(20 * 60_000)),
      event("a", "add_to_cart", ago(10 * 60_000)),
      event("b", "page_view", ago(5 * 60_000)),
    ]);
    ids.a = await idOf(db(), "a");
    // No refresh call: a is in carted, and in carted_viewer (its dependant, evaluated after it).
    expect(await members(db(), "carted")).toEqual([ids.c, ids.a].sort((x, y) => x - y));
    expect(await members(db(), "carted_viewer")).toEqual([ids.a]);
    // c was not in the batch and stays; "recent" has not moved.
    expect(await members(db(), "recent")).toEqual([ids.c]);
    const outbox = await db().query<{ userId: number; type: string; segment: string }>(sql`
      select user_id as "userId", fact->>'type' as type, fact->>'segment' as segment from deliveries
      where trigger_key = 'carted-in'`);
    expect(outbox.map((row) => ({ ...row, userId: Number(row.userId) }))).toEqual([
      { userId: ids.a, type: "segment_entered", segment: "carted" },
    ]);
    // The full refresh agrees for the real-time definitions and moves only the scheduled one (a and b enter recent).
    const report = await api.services.segments.refresh();
    const changes = Object.fromEntries(report.refreshed.map((r) => [r.key, [r.entered, r.exited]]));
    expect(changes).toEqual({
      carted: [0, 0],
      recent: [2, 0],
      champions: [0, 0],
      carted_viewer: [0, 0],
    });
    expect(await members(db(), "recent")).toEqual([ids.a, ids.b, ids.c].sort((x, y) => x - y));
  });

  it("enters a tag on an order before recordOrders returns", async () => {
    await api.services.ingest.recordOrders([
      { orderId: "rt-o1", userId: "d", placedAt: ago(HOUR), status: "PAID", totalAmount: 60 },
      { orderId: "rt-o2", userId: "d", placedAt: ago(HOUR / 2), status: "PAID", totalAmount: 50 },
      { orderId: "rt-o3", userId: "e", placedAt: ago(HOUR), status: "PAID", totalAmount: 99 },
    ]);
    const d = await idOf(db(), "d");
    // d: 60 + 50 = 110 ≥ 100; e: 99 < 100.
    const rows = await db().query<{ id: number }>(
      sql`select user_id as id from tag_members where tag_key = 'big_spender'`,
    );
    expect(rows.map((row) => Number(row.id))).toEqual([d]);
    const report = await api.services.tags.refresh(["big_spender"]);
    expect(report.refreshed.map((r) => [r.entered, r.exited])).toEqual([[0, 0]]);
  });

  it("a restricted evaluation equals the full refresh for its users, and nobody else moves", async () => {
    // Written without real-time evaluation, so neither f nor g is in carted yet.
    const plain = new IngestService(db());
    await plain.track([event("f", "add_to_cart", ago(HOUR)), event("g", "add_to_cart", ago(HOUR))]);
    const [f, g] = [await idOf(db(), "f"), await idOf(db(), "g")];
    const before = await members(db(), "carted");
    await api.services.audiences.afterIngest([f]);
    expect(await members(db(), "carted")).toEqual([...before, f].sort((x, y) => x - y));
    // The full refresh only has g left to enter: f's evaluation was already the refresh's.
    const report = await api.services.segments.refresh(["carted"]);
    expect(report.refreshed.map((r) => [r.entered, r.exited])).toEqual([[1, 0]]);
    const entered = await db().query<{ id: number }>(sql`
      select user_id as id from segment_membership_changes
      where segment_key = 'carted' and user_id in (${f}, ${g}) order by id`);
    expect(entered.map((row) => Number(row.id))).toEqual([f, g]);
  });

  it("evaluates nothing for a batch written with realtime: false (seeding) until the next refresh", async () => {
    const before = await members(db(), "carted");
    await api.services.ingest.track([event("quiet", "add_to_cart", ago(HOUR))], { realtime: false });
    const quiet = await idOf(db(), "quiet");
    expect(await members(db(), "carted")).toEqual(before);
    // Nor is it left to the delivery worker: whoever writes so refreshes afterwards.
    const [{ pending }] = await db().query<{ pending: number }>(
      sql`select count(*)::int as pending from realtime_pending where user_id = ${quiet}`,
    );
    expect(pending).toBe(0);
    const report = await api.services.segments.refresh(["carted"]);
    expect(report.refreshed.map((r) => [r.entered, r.exited])).toEqual([[1, 0]]);
  });

  it("evaluates a bulk chunk of more users than it locks one by one (1,200)", async () => {
    const before = (await members(db(), "carted")).length;
    await api.services.ingest.trackBulk(
      Array.from({ length: 1200 }, (_, i) => event(`bulk-${i}`, "add_to_cart", ago(HOUR))),
    );
    expect((await members(db(), "carted")).length).toBe(before + 1200);
    // 1,200 entries against the few members the planner last counted: the run analyzed them.
    // (Under Citus the statistics are the shards'; the coordinator's table counts none.)
    const [{ counted }] = await db().query<{ counted: number }>(
      sql`select reltuples::int as counted from pg_class where oid = 'segment_members'::regclass`,
    );
    if (process.env.STRATUM_TEST_CITUS !== "1") expect(counted).toBeGreaterThanOrEqual(before + 1200);
  });

  it("exits a merged-away profile's membership when its survivor is evaluated", async () => {
    // An anonymous visitor carts (enters carted), then identifies as h: the visitor's profile merges into h's.
    await api.services.ingest.track([event("h", "page_view", ago(HOUR))]);
    await api.services.ingest.track([
      { messageId: `rt-${++serial}`, event: "add_to_cart", anonymousId: "anon-h", timestamp: ago(HOUR) },
    ]);
    const [anon] = await db().query<{ id: number }>(
      sql`select user_id as id from identities where type = 'anonymous_id' and value = 'anon-h'`,
    );
    const h = await idOf(db(), "h");
    expect(await members(db(), "carted")).toContain(Number(anon.id));
    await api.services.ingest.identify({ userId: "h", anonymousId: "anon-h" });
    const carted = await members(db(), "carted");
    expect(carted).toContain(h);
    expect(carted).not.toContain(Number(anon.id));
    const report = await api.services.segments.refresh(["carted"]);
    expect(report.refreshed.map((r) => [r.entered, r.exited])).toEqual([[0, 0]]);
  });
});

describe.runIf(inject("postgresUrl") !== null)("real-time audiences under concurrency [postgres]", () => {
  it("parallel batches of different users and a full refresh: no deadlock, no lost membership", async () => {
    const own = await createTestDatabase("postgres", { maxConnections: 8 });
    try {
      const audiences = new RealtimeAudiences(own.db);
      const ingest = new IngestService(own.db, undefined, audiences);
      const segments = new SegmentService(own.db, new RuleService(own.db));
      await segments.create(
        { key: "carted", name: "Carted", rule: 'count(event("add_to_cart")) >= 1' },
        ACTOR,
      );
      const users = Array.from({ length: 24 }, (_, i) => `p${i}`);
      // 24 batches of 3 events each (one user per batch), 8 connections, and full refreshes alongside.
      await Promise.all([
        ...users.map((user) =>
          ingest.track([
            event(user, "page_view", ago(3 * HOUR)),
            event(user, "add_to_cart", ago(2 * HOUR)),
            event(user, "add_to_cart", ago(HOUR)),
          ]),
        ),
        segments.refresh(["carted"]),
        segments.refresh(["carted"]),
      ]);
      const expected = await own.db.query<{ id: number }>(
        sql`select user_id as id from identities where type = 'user_id' order by user_id`,
      );
      expect(await members(own.db, "carted")).toEqual(expected.map((row) => Number(row.id)));
      // Each user entered exactly once, whichever of its batch and a refresh got there first.
      const [changes] = await own.db.query<{ entered: number; users: number }>(sql`
        select count(*)::int as entered, count(distinct user_id)::int as users from segment_membership_changes
        where segment_key = 'carted' and change = 'entered'`);
      expect(changes).toEqual({ entered: 24, users: 24 });
      const report = await segments.refresh(["carted"]);
      expect(report.refreshed.map((r) => [r.entered, r.exited])).toEqual([[0, 0]]);

      // 12 parallel batches of ONE user, each one more add_to_cart: the evaluations of that user run
      // one after the other, so the last sees all 12 events (a stale evaluation never writes last).
      const tags = new TagService(own.db, new RuleService(own.db));
      await tags.create(
        {
          key: "carts",
          name: "Carts",
          category: "BEHAVIOR",
          kind: "VALUE",
          rule: 'count(event("add_to_cart"))',
        },
        ACTOR,
      );
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          ingest.track([event("same", "add_to_cart", ago((i + 1) * 60_000))]),
        ),
      );
      const same = await idOf(own.db, "same");
      const [value] = await own.db.query<{ value: string }>(
        sql`select value from tag_members where tag_key = 'carts' and user_id = ${same}`,
      );
      expect(value.value).toBe("12");
      expect(await members(own.db, "carted")).toContain(same);
      const again = await tags.refresh(["carts"]);
      expect(again.refreshed.map((r) => [r.entered, r.exited])).toEqual([[0, 0]]);
    } finally {
      await own.drop();
    }
  });

  it("does not make an ingestion call wait out a full refresh: past the bound, the next refresh evaluates", async () => {
    const own = await createTestDatabase("postgres", { maxConnections: 4 });
    const holder = postgres(own.url!, { max: 1, onnotice: () => {} });
    try {
      const ingest = new IngestService(own.db, undefined, new RealtimeAudiences(own.db));
      const segments = new SegmentService(own.db, new RuleService(own.db));
      await segments.create(
        { key: "carted", name: "Carted", rule: 'count(event("add_to_cart")) >= 1' },
        ACTOR,
      );
      // A full refresh in progress elsewhere: it holds the refresh lock exclusively.
      await holder`select pg_advisory_lock(7210605)`;
      const started = performance.now();
      const result = await ingest.track([event("late", "add_to_cart", ago(HOUR))]);
      const waited = performance.now() - started;
      expect(result.accepted).toBe(1);
      expect(waited).toBeGreaterThanOrEqual(RESTRICTED_LOCK_WAIT_MS - 100);
      expect(waited).toBeLessThan(RESTRICTED_LOCK_WAIT_MS + 5_000);
      const late = await idOf(own.db, "late");
      expect(await members(own.db, "carted")).not.toContain(late);
      await holder`select pg_advisory_unlock(7210605)`;
      await segments.refresh(["carted"]);
      expect(await members(own.db, "carted")).toContain(late);
    } finally {
      await holder.end();
      await own.drop();
    }
  });
});
