import "reflect-metadata";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { PiiPolicy } from "../src/access/pii";
import { DestinationService, TriggerService } from "../src/automation/definitions";
import { DeliveryWorker } from "../src/automation/worker";
import type { DeliveryConfig } from "../src/config";
import { connect, migrate } from "../src/db/client";
import { IngestService } from "../src/ingest/service";
import { freshBenchDatabase } from "./shop";

/**
 * Webhooks on PostgreSQL (own database), against a node:http receiver on loopback in this process:
 *  1. the outbox's cost to ingestion: 1,000-event batches with and without a matching trigger;
 *  2. deliveries/s of one worker draining a backlog (signing, POST, recording the attempts), to an
 *     unlimited destination and, side by side, to one whose rate limit is far above what a worker
 *     sends (the cost of reserving the shared rate-limit slots, `reserveRateSlots`);
 *  3. event → webhook latency: events tracked at RATE/s in batches of 100 while the worker polls,
 *     latency = the receiver's clock at arrival − the clock just before `track` was called.
 */
const BACKLOG = Number(process.env.AUTOMATION_BENCH_BACKLOG ?? 5_000);
const RATE = Number(process.env.AUTOMATION_BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.AUTOMATION_BENCH_SECONDS ?? 10);
const DATABASE = "stratum_bench_automation";
const ACTOR = { name: "bench" };
const CONFIG: DeliveryConfig = {
  inServer: false,
  maxAttempts: 8,
  pollMs: 50,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  timeoutMs: 10_000,
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

export async function run(): Promise<void> {
  const db = await connect({ databaseUrl: await freshBenchDatabase(DATABASE), maxConnections: 4 });
  const arrivals = new Map<string, number>();
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      if (body.fact.messageId) arrivals.set(body.fact.messageId, Date.now());
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  try {
    await migrate(db);
    const ingest = new IngestService(db);
    await new DestinationService(db).create({ key: "bench", url, secret: "bench-secret-0123456789" }, ACTOR);
    await new TriggerService(db).create({ key: "bench", destination: "bench", event: "checkout" }, ACTOR);
    const batch = (prefix: string, name: string, size: number, users: number) =>
      Array.from({ length: size }, (_, i) => ({
        messageId: `${prefix}-${i}`,
        event: name,
        userId: `u-${i % users}`,
        timestamp: new Date(Date.UTC(2026, 4, 1, 10, 0, i % 60)),
        properties: { sku: `sku-${i % 97}` },
      }));
    // Profiles exist first, so both timings below write events and nothing else.
    await ingest.track(batch("warm", "page_view", 1000, 1000));

    const timed = async (name: string) => {
      const began = performance.now();
      for (let b = 0; b < 5; b++) await ingest.track(batch(`${name}-${b}`, name, 1000, 1000));
      return (performance.now() - began) / 5;
    };
    const without = await timed("page_view");
    const withTrigger = await timed("checkout");
    console.log(
      `track 1,000 events: ${without.toFixed(0)} ms without a trigger, ${withTrigger.toFixed(0)} ms with a matching trigger (1,000 outbox rows in the same transaction)`,
    );

    const pii = new PiiPolicy();
    const backlogBatches = Math.ceil(BACKLOG / 1000) - 5;
    for (let b = 0; b < backlogBatches; b++)
      await ingest.track(batch(`backlog-${b}`, "checkout", 1000, 1000));
    const [{ pending }] = await db.query<{ pending: number }>(
      sql`select count(*)::int as pending from deliveries where status = 'PENDING'`,
    );
    const worker = new DeliveryWorker(db, pii, CONFIG);
    let began = performance.now();
    const sent = await worker.drain();
    const drainSeconds = (performance.now() - began) / 1000;
    console.log(
      `one worker: ${sent.toLocaleString("en")} of ${pending.toLocaleString("en")} pending deliveries in ${drainSeconds.toFixed(1)} s = ${(sent / drainSeconds).toFixed(0)} deliveries/s`,
    );
    await new DestinationService(db).create(
      { key: "bench-limited", url, secret: "bench-secret-0123456789", rateLimit: 1_000_000 },
      ACTOR,
    );
    await new TriggerService(db).create(
      { key: "bench-limited", destination: "bench-limited", event: "checkout_limited" },
      ACTOR,
    );
    for (let b = 0; b < backlogBatches + 5; b++)
      await ingest.track(batch(`limited-${b}`, "checkout_limited", 1000, 1000));
    began = performance.now();
    const sentLimited = await worker.drain();
    const limitedSeconds = (performance.now() - began) / 1000;
    console.log(
      `one worker, shared rate-limit slots reserved per round: ${sentLimited.toLocaleString("en")} deliveries in ${limitedSeconds.toFixed(1)} s = ${(sentLimited / limitedSeconds).toFixed(0)} deliveries/s ` +
        `(${(sentLimited / limitedSeconds / (sent / drainSeconds)).toFixed(2)}× the unlimited destination's)`,
    );

    arrivals.clear();
    worker.start();
    const sentAt = new Map<string, number>();
    const perBatch = 100;
    const interval = (1000 * perBatch) / RATE;
    const batches = Math.round((RATE * SECONDS) / perBatch);
    began = performance.now();
    for (let b = 0; b < batches; b++) {
      const events = batch(`live-${b}`, "checkout", perBatch, 5000);
      const now = Date.now();
      for (const event of events) sentAt.set(event.messageId, now);
      await ingest.track(events);
      const due = began + (b + 1) * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const ingestSeconds = (performance.now() - began) / 1000;
    const deadline = Date.now() + 30_000;
    while (arrivals.size < sentAt.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await worker.stop();
    const latencies = [...sentAt]
      .filter(([id]) => arrivals.has(id))
      .map(([id, at]) => arrivals.get(id)! - at)
      .sort((a, b) => a - b);
    console.log(
      `event → webhook at ${(sentAt.size / ingestSeconds).toFixed(0)} events/s for ${ingestSeconds.toFixed(1)} s (target ${RATE}/s, poll ${CONFIG.pollMs} ms): ` +
        `${latencies.length.toLocaleString("en")} of ${sentAt.size.toLocaleString("en")} delivered, p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms, max ${latencies[latencies.length - 1]} ms`,
    );
  } finally {
    receiver.closeAllConnections();
    receiver.close();
    await db.close();
  }
}
