import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PiiPolicy } from "../../src/access/pii";
import { DestinationService, TriggerService } from "../../src/automation/definitions";
import { DeliveryWorker } from "../../src/automation/worker";
import type { Database } from "../../src/db/client";
import { IngestService } from "../../src/ingest/service";
import { RESTRICTED_LOCK_WAIT_MS } from "../../src/rules/materialise";
import { RealtimeAudiences } from "../../src/rules/realtime";
import { RuleService } from "../../src/rules/service";
import { SegmentService } from "../../src/segments/service";
import { createTestDatabase, describeEachDatabase } from "../helpers/db";
import { FAST_RETRIES, Receiver } from "./receiver";

const ACTOR = { name: "test" };
/** The advisory lock a full refresh holds exclusively (src/rules/materialise.ts REFRESH_LOCK). */
const REFRESH_LOCK = 7_210_605;
const recent = () => new Date(Date.now() - 60_000).toISOString();

async function idOf(db: Database, userId: string): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    sql`select user_id as id from identities where type = 'user_id' and value = ${userId}`,
  );
  return Number(row.id);
}

const carted = (db: Database) =>
  db
    .query<{ id: number }>(
      sql`select user_id as id from segment_members where segment_key = 'carted' order by 1`,
    )
    .then((rows) => rows.map((row) => Number(row.id)));
const pending = (db: Database) =>
  db
    .query<{ id: number }>(sql`select user_id as id from realtime_pending order by 1`)
    .then((rows) => rows.map((row) => Number(row.id)));
const outbox = (db: Database) =>
  db
    .query<{ userId: number; type: string }>(
      sql`select user_id as "userId", fact ->> 'type' as type from deliveries where trigger_key = 'on-carted' order by id`,
    )
    .then((rows) => rows.map((row) => ({ userId: Number(row.userId), type: row.type })));

/** A real-time segment `carted` with a trigger on its entries, sent to `receiver`. */
async function setUp(db: Database, receiver: Receiver) {
  const segments = new SegmentService(db, new RuleService(db));
  await segments.create({ key: "carted", name: "Carted", rule: 'count(event("add_to_cart")) >= 1' }, ACTOR);
  await new DestinationService(db).create(
    { key: "on-carted", url: receiver.url, secret: "lost-realtime-secret-0123" },
    ACTOR,
  );
  await new TriggerService(db).create(
    { key: "on-carted", destination: "on-carted", segmentEntered: "carted" },
    ACTOR,
  );
  const audiences = new RealtimeAudiences(db);
  return {
    audiences,
    ingest: new IngestService(db, undefined, audiences),
    worker: new DeliveryWorker(db, new PiiPolicy(), FAST_RETRIES, { realtime: audiences }),
  };
}

describeEachDatabase("lost real-time evaluations", (db, kind) => {
  const receiver = new Receiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  it("a queued user is evaluated by the worker: entry, trigger row and webhook, then the queue is empty", async () => {
    const { audiences, ingest, worker } = await setUp(db(), receiver);
    // Ingested without real-time evaluation (as when it was lost): facts only.
    await new IngestService(db()).track([
      { messageId: "q-1", event: "add_to_cart", userId: "queued", timestamp: recent() },
    ]);
    const queued = await idOf(db(), "queued");
    expect(await carted(db())).toEqual([]);
    await audiences.queue([queued, queued]);
    expect(await pending(db())).toEqual([queued]);

    expect(await worker.drain()).toBe(1);
    expect(await carted(db())).toEqual([queued]);
    expect(await outbox(db())).toEqual([{ userId: queued, type: "segment_entered" }]);
    expect(receiver.requests.map((r) => JSON.parse(r.body).userId)).toEqual([queued]);
    expect(await pending(db())).toEqual([]);
    // A user whose evaluation succeeded after ingestion is never queued.
    await ingest.track([{ messageId: "q-2", event: "add_to_cart", userId: "live", timestamp: recent() }]);
    expect(await pending(db())).toEqual([]);
    expect(await carted(db())).toEqual([queued, await idOf(db(), "live")]);
  });

  it("a batch whose process died before its evaluation leaves its users to the worker, due after the grace period", async () => {
    const own = await createTestDatabase(kind);
    try {
      const { worker } = await setUp(own.db, receiver);
      const graceMs = 400;
      /** The process dies once the batch has committed: its evaluation never runs. */
      class DyingAfterCommit extends RealtimeAudiences {
        override async afterIngest() {
          return null;
        }
      }
      const dying = new IngestService(own.db, undefined, new DyingAfterCommit(own.db, undefined, graceMs));
      await dying.track([{ messageId: "d-1", event: "add_to_cart", userId: "died", timestamp: recent() }]);
      const died = await idOf(own.db, "died");
      // Committed with the batch: the user is written down, not yet due, and not yet a member.
      expect(await pending(own.db)).toEqual([died]);
      expect(await carted(own.db)).toEqual([]);
      expect(await new RealtimeAudiences(own.db).drainPending()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, graceMs + 100));
      const before = receiver.requests.length;
      expect(await worker.drain()).toBe(1);
      expect(await carted(own.db)).toEqual([died]);
      expect(await outbox(own.db)).toEqual([{ userId: died, type: "segment_entered" }]);
      expect(receiver.requests.slice(before).map((r) => JSON.parse(r.body).userId)).toEqual([died]);
      expect(await pending(own.db)).toEqual([]);
    } finally {
      await own.drop();
    }
  });

  it("writes nothing to the queue while no rule-based tag or segment is active", async () => {
    const own = await createTestDatabase(kind);
    try {
      const audiences = new RealtimeAudiences(own.db, undefined, 60_000);
      class NeverEvaluating extends RealtimeAudiences {
        override async afterIngest() {
          return null;
        }
      }
      const ingest = new IngestService(own.db, undefined, new NeverEvaluating(own.db, undefined, 60_000));
      await ingest.track([{ messageId: "n-1", event: "add_to_cart", userId: "nobody", timestamp: recent() }]);
      expect(await pending(own.db)).toEqual([]);
      // With a rule-based segment active, the same batch shape is written down.
      await new SegmentService(own.db, new RuleService(own.db)).create(
        { key: "carted", name: "Carted", rule: 'count(event("add_to_cart")) >= 1' },
        ACTOR,
      );
      await ingest.track([{ messageId: "n-2", event: "add_to_cart", userId: "nobody", timestamp: recent() }]);
      expect(await pending(own.db)).toEqual([await idOf(own.db, "nobody")]);
      expect(await audiences.drainPending()).toBe(0);
    } finally {
      await own.drop();
    }
  });
});

describe.runIf(inject("postgresUrl") !== null)(
  "a real-time evaluation lost to the lock bound [postgres]",
  () => {
    const receiver = new Receiver();
    beforeAll(() => receiver.start());
    afterAll(() => receiver.stop());

    it("queues the batch's users when the restricted run waits past RESTRICTED_LOCK_WAIT_MS; the worker evaluates them once the lock is free", async () => {
      const own = await createTestDatabase("postgres", { maxConnections: 4 });
      const holder = postgres(own.url!, { max: 1, onnotice: () => {} });
      try {
        const { ingest, worker } = await setUp(own.db, receiver);
        // A full refresh in progress elsewhere holds the refresh lock exclusively.
        await holder`select pg_advisory_lock(${REFRESH_LOCK})`;
        const started = performance.now();
        const result = await ingest.track([
          { messageId: "l-1", event: "add_to_cart", userId: "late", timestamp: recent() },
        ]);
        expect(result.accepted).toBe(1);
        expect(performance.now() - started).toBeGreaterThanOrEqual(RESTRICTED_LOCK_WAIT_MS - 100);
        const late = await idOf(own.db, "late");
        expect(await carted(own.db)).toEqual([]);
        expect(await outbox(own.db)).toEqual([]);
        expect(await pending(own.db)).toEqual([late]);
        // While the lock is held the worker's evaluation fails too (after its own bounded wait): the user stays queued.
        await worker.runOnce();
        expect(await pending(own.db)).toEqual([late]);

        await holder`select pg_advisory_unlock(${REFRESH_LOCK})`;
        // A new worker: chores run at most once a second per worker.
        const next = new DeliveryWorker(own.db, new PiiPolicy(), FAST_RETRIES, {
          realtime: new RealtimeAudiences(own.db),
        });
        await next.drain();
        expect(await carted(own.db)).toEqual([late]);
        expect(await outbox(own.db)).toEqual([{ userId: late, type: "segment_entered" }]);
        expect(await pending(own.db)).toEqual([]);
        expect(receiver.requests.map((r) => JSON.parse(r.body).userId)).toEqual([late]);
      } finally {
        await holder.end();
        await own.drop();
      }
    }, 30_000);
  },
);
