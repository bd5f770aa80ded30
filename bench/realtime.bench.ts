import "reflect-metadata";
import { sql } from "drizzle-orm";
import { DestinationService, TriggerService } from "../src/automation/definitions";
import { connect, migrate } from "../src/db/client";
import type { EventInput } from "../src/ingest/contract";
import { IngestService } from "../src/ingest/service";
import { RealtimeAudiences } from "../src/rules/realtime";
import { RuleService } from "../src/rules/service";
import { SegmentService } from "../src/segments/service";
import { TagService } from "../src/tags/service";
import { freshBenchDatabase } from "./shop";

/**
 * Real-time audiences on PostgreSQL (own database: USERS profiles with EVENTS_PER_USER events each):
 *  1. ingestion throughput, `track` of 100- and 1,000-event batches, without any real-time definition
 *     and with six (segments and tags on counts, sums, a window, a dependency, a VALUE tag), plus a
 *     trigger on one segment's entries: the cost of re-evaluating each batch's users after it commits;
 *  2. event → segment entry latency: batches of 100 `add_to_cart` events of users not yet in the
 *     segment, tracked at RATE/s for SECONDS; the entry (and its outbox row) is committed before
 *     `track` returns, so the latency of an event is the time from just before its `track` call to
 *     the call's return. Every entry is then checked in `segment_membership_changes`.
 */
const USERS = Number(process.env.REALTIME_BENCH_USERS ?? 20_000);
const EVENTS_PER_USER = Number(process.env.REALTIME_BENCH_EVENTS_PER_USER ?? 10);
const RATE = Number(process.env.REALTIME_BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.REALTIME_BENCH_SECONDS ?? 10);
const DATABASE = "stratum_bench_realtime";
const ACTOR = { name: "bench" };
const NAMES = ["page_view", "product_view", "search"];

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

let serial = 0;
function batch(size: number, users: number, offset: number, name?: string): EventInput[] {
  const now = Date.now();
  return Array.from({ length: size }, (_, i) => ({
    messageId: `rt-${++serial}`,
    event: name ?? NAMES[i % NAMES.length],
    userId: `u-${offset + (i % users)}`,
    timestamp: new Date(now - (i % 600) * 1000),
    properties: { price: 10 + (i % 50), category: `c${i % 7}` },
  }));
}

export async function run(): Promise<void> {
  const db = await connect({ databaseUrl: await freshBenchDatabase(DATABASE), maxConnections: 4 });
  try {
    await migrate(db);
    const plain = new IngestService(db);
    const day = 86_400_000;
    for (let start = 0; start < USERS; start += 1000) {
      const events = Array.from({ length: 1000 * EVENTS_PER_USER }, (_, i) => ({
        messageId: `warm-${start}-${i}`,
        event: NAMES[i % NAMES.length],
        userId: `u-${start + (i % 1000)}`,
        timestamp: new Date(Date.now() - (1 + (i % 60)) * day),
        properties: { price: 10 + (i % 50), category: `c${i % 7}` },
      }));
      await plain.trackBulk(events);
    }
    await db.query(sql`analyze`);
    const ingest = new IngestService(db, undefined, new RealtimeAudiences(db));

    /** events/s of `rounds` sequential track calls of `size` events over `users` existing users. */
    const throughput = async (size: number, users: number, rounds: number) => {
      const began = performance.now();
      for (let r = 0; r < rounds; r++) await ingest.track(batch(size, users, (r * users) % USERS));
      return (size * rounds) / ((performance.now() - began) / 1000);
    };
    const measure = async () => ({
      small: await throughput(100, 100, 30),
      large: await throughput(1000, 1000, 8),
    });
    const without = await measure();

    const rules = new RuleService(db);
    const segments = new SegmentService(db, rules);
    const tags = new TagService(db, rules);
    await segments.create({ key: "carted", name: "Carted", rule: 'count(event("add_to_cart")) >= 1' }, ACTOR);
    await segments.create(
      { key: "browsers", name: "Browsers", rule: 'count(event("page_view")) >= 20' },
      ACTOR,
    );
    await segments.create(
      { key: "hot", name: "Hot", rule: 'exists(event("product_view") within 7d) and in_segment("carted")' },
      ACTOR,
    );
    await segments.create(
      { key: "pricey", name: "Pricey", rule: 'sum(event("product_view").price) >= 500' },
      ACTOR,
    );
    await tags.create(
      {
        key: "searcher",
        name: "Searcher",
        category: "BEHAVIOR",
        kind: "RULE",
        rule: 'count(event("search")) >= 5',
      },
      ACTOR,
    );
    await tags.create(
      {
        key: "fav_category",
        name: "Favourite category",
        category: "INTEREST",
        kind: "VALUE",
        rule: 'most_frequent(event("product_view").category)',
      },
      ACTOR,
    );
    await new DestinationService(db).create(
      { key: "bench", url: "http://127.0.0.1:9/hook", secret: "bench-secret-0123456789" },
      ACTOR,
    );
    await new TriggerService(db).create(
      { key: "carted-in", destination: "bench", segmentEntered: "carted" },
      ACTOR,
    );
    const withRealtime = await measure();
    const line = (label: string, a: number, b: number) =>
      `${label}: ${a.toFixed(0)} events/s without real-time definitions, ${b.toFixed(0)} events/s with 6 (${((b / a) * 100).toFixed(0)} %)`;
    console.log(line("track, batches of 100 events of 100 users", without.small, withRealtime.small));
    console.log(line("track, batches of 1,000 events of 1,000 users", without.large, withRealtime.large));

    // Users never carted before: each batch's 100 users enter "carted" (and its trigger's outbox).
    const perBatch = 100;
    const interval = (1000 * perBatch) / RATE;
    const batches = Math.round((RATE * SECONDS) / perBatch);
    const latencies: number[] = [];
    const [{ before }] = await db.query<{ before: number }>(
      sql`select count(*)::int as before from segment_membership_changes where segment_key = 'carted'`,
    );
    const began = performance.now();
    for (let b = 0; b < batches; b++) {
      const events = batch(perBatch, perBatch, (b * perBatch) % USERS, "add_to_cart");
      const called = performance.now();
      await ingest.track(events);
      const latency = performance.now() - called;
      for (let i = 0; i < events.length; i++) latencies.push(latency);
      const wait = began + (b + 1) * interval - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const seconds = (performance.now() - began) / 1000;
    const [{ entered, outbox }] = await db.query<{ entered: number; outbox: number }>(sql`
      select (select count(*)::int from segment_membership_changes where segment_key = 'carted') - ${before}::int as entered,
        (select count(*)::int from deliveries where trigger_key = 'carted-in') as outbox`);
    latencies.sort((a, b) => a - b);
    console.log(
      `event → segment entry at ${((batches * perBatch) / seconds).toFixed(0)} events/s for ${seconds.toFixed(1)} s (target ${RATE}/s, batches of ${perBatch}): ` +
        `${entered.toLocaleString("en")} entries for ${(batches * perBatch).toLocaleString("en")} events (${outbox.toLocaleString("en")} outbox rows), ` +
        `p50 ${percentile(latencies, 0.5).toFixed(0)} ms, p99 ${percentile(latencies, 0.99).toFixed(0)} ms, max ${latencies[latencies.length - 1].toFixed(0)} ms`,
    );
  } finally {
    await db.close();
  }
}
