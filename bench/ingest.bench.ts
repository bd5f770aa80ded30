import "reflect-metadata";
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import postgres from "postgres";
import { loadConfig } from "../src/config";
import { connect, type Database, migrate } from "../src/db/client";
import { EVENT_WRITE_COLUMNS } from "../src/db/columns";
import type { EventInput } from "../src/ingest/contract";
import { loadFile } from "../src/ingest/load";
import { createServer } from "../src/server/app";
import { createServices } from "../src/server/services";

/**
 * Ingestion throughput (issue 3): events per second through GraphQL `track` in batches
 * of 500 and through `stratum load` of a generated NDJSON file of 1,000,000 events, on
 * PGlite (in memory) and PostgreSQL (a database of its own, dropped and recreated).
 * Targets with PostgreSQL on the 2-core machine: GraphQL ≥ 10,000/s, and the bulk load at
 * least half as fast as a raw `COPY` of the rows it stored into the same table, timed in the
 * same run (issue 18), beside the absolute bar of 50,000/s.
 */
const BULK_EVENTS = Number(process.env.INGEST_BENCH_EVENTS ?? 1_000_000);
/** PGlite (single-threaded WASM) loads a prefix of the file so the bench ends in minutes; printed with its size. */
const PGLITE_BULK_EVENTS = Math.min(BULK_EVENTS, Number(process.env.INGEST_BENCH_PGLITE_EVENTS ?? 200_000));
const API_EVENTS = Number(process.env.INGEST_BENCH_API_EVENTS ?? 100_000);
const API_BATCH = 500;
/** Concurrent API clients on PostgreSQL; PGlite is one connection, so one client. */
const API_CLIENTS = 4;
const DRIVERS = (process.env.INGEST_BENCH_DRIVERS ?? "postgres,pglite").split(",");
const DEVICES = 100_000;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BENCH_DB = "stratum_bench_ingest";
const NAMES = [
  "page_view",
  "product_view",
  "search",
  "add_to_cart",
  "checkout_start",
  "coupon_claim",
  "app_open",
];
const START = Date.UTC(2026, 0, 1);

/** A realistic event: devices revisit, a third of them signed in, properties like the shop's. */
function benchEvent(i: number, prefix: string): EventInput {
  const device = (i * 7919) % DEVICES;
  return {
    messageId: `${prefix}-${i}`,
    event: NAMES[i % NAMES.length],
    timestamp: new Date(START + ((i * 7_777) % (90 * 86_400)) * 1000).toISOString(),
    anonymousId: `dev-${device}`,
    userId: device % 3 === 0 ? `acct-${device}` : null,
    sessionId: `s-${device}-${Math.floor(i / 50)}`,
    channel: ["app", "web", "mini_program"][device % 3],
    platform: ["ios", "android", "chrome"][i % 3],
    utm: i % 5 === 0 ? { source: "wechat", medium: "social", campaign: "spring" } : null,
    properties: {
      product_id: `sku-${i % 5000}`,
      category: "服装/女装",
      price: (i % 500) + 0.9,
      dwell_ms: i % 60_000,
    },
  };
}

async function ndjsonFile(events: number): Promise<string> {
  const file = path.join(os.tmpdir(), `stratum-bench-events-${events}.ndjson`);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.partial`;
  const out = createWriteStream(partial);
  for (let i = 0; i < events; i++)
    if (!out.write(`${JSON.stringify(benchEvent(i, "bulk"))}\n`)) await once(out, "drain");
  await new Promise((resolve) => out.end(resolve));
  await rename(partial, file);
  return file;
}

async function freshPostgres(): Promise<Database> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${BENCH_DB} with (force)`);
  await admin.unsafe(`create database ${BENCH_DB}`);
  await admin.end({ timeout: 1 });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${BENCH_DB}`;
  const db = await connect({ databaseUrl: url.toString(), maxConnections: API_CLIENTS });
  await migrate(db);
  return db;
}

/** A batch is idempotent (message ids), so a dropped keep-alive connection is simply retried. */
async function post(url: string, init: RequestInit): Promise<any> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await fetch(url, init)).json();
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function apiRate(db: Database): Promise<number> {
  const key = "bench-admin-key-0123456789";
  const services = createServices(db, loadConfig({ STRATUM_ADMIN_KEY: key, LOG_LEVEL: "warn" }));
  const server = await createServer(services);
  const port = await server.listen(0);
  const query = "mutation($events: [EventInput!]!) { track(events: $events) { accepted rejected { code } } }";
  const batches = Math.ceil(API_EVENTS / API_BATCH);
  let next = 0;
  let accepted = 0;
  const started = performance.now();
  const client = async () => {
    for (let batch = next++; batch < batches; batch = next++) {
      const events = Array.from({ length: API_BATCH }, (_, i) => benchEvent(batch * API_BATCH + i, "api"));
      const body = await post(`http://127.0.0.1:${port}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables: { events } }),
      });
      if (body.errors) throw new Error(JSON.stringify(body.errors[0]));
      accepted += body.data.track.accepted;
    }
  };
  await Promise.all(Array.from({ length: db.kind === "postgres" ? API_CLIENTS : 1 }, client));
  const seconds = (performance.now() - started) / 1000;
  await server.stop();
  // A retried batch may have been stored by the attempt whose answer was lost.
  if (accepted > batches * API_BATCH) throw new Error(`accepted ${accepted} of ${batches * API_BATCH}`);
  return accepted / seconds;
}

async function bulkRate(db: Database, file: string, events: number): Promise<number> {
  const services = createServices(db, loadConfig({}));
  const summary = await loadFile(services.ingest, "events", file);
  if (summary.accepted !== events) throw new Error(`accepted ${summary.accepted} of ${events}`);
  return summary.accepted / summary.seconds;
}

/**
 * The floor the bulk path is measured against: the rows `stratum load` stored, exported as CSV,
 * the table emptied, and the file `COPY`ed back into the same table with the same indexes and
 * triggers from one client connection. Only the `COPY` is timed.
 */
async function rawCopyRate(): Promise<number> {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${BENCH_DB}`;
  const columns = EVENT_WRITE_COLUMNS.map((c) => c.name).join(", ");
  const file = path.join(os.tmpdir(), `stratum-bench-raw-copy-${process.pid}.csv`);
  // The export has a connection of its own, closed after it: postgres.js 3.4 may leave the
  // socket of a finished COPY TO paused (porsager/postgres#1016), and the next query on it
  // would never be answered.
  const exporter = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await pipeline(
      await exporter
        .unsafe(`copy (select ${columns} from events order by id) to stdout (format csv)`)
        .readable(),
      createWriteStream(file),
    );
  } finally {
    await exporter.end({ timeout: 1 });
  }
  const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    const [{ rows }] = await client.unsafe<Array<{ rows: number }>>(
      "select count(*)::int as rows from events",
    );
    await client.unsafe("truncate events");
    const started = performance.now();
    await pipeline(
      createReadStream(file),
      await client.unsafe(`copy events (${columns}) from stdin (format csv)`).writable(),
    );
    const seconds = (performance.now() - started) / 1000;
    return rows / seconds;
  } finally {
    await client.end({ timeout: 1 });
    await rm(file, { force: true });
  }
}

const fmt = (rate: number) => `${Math.round(rate).toLocaleString("en")} events/s`;

export async function run(): Promise<void> {
  const file = await ndjsonFile(BULK_EVENTS);
  console.log(
    `bulk file: ${BULK_EVENTS.toLocaleString("en")} events (${file}); API: ${API_EVENTS} events in batches of ${API_BATCH} (${API_CLIENTS} clients on PostgreSQL, 1 on PGlite); load average ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")}`,
  );
  for (const kind of DRIVERS as Array<"postgres" | "pglite">) {
    const open = async () => {
      if (kind === "postgres") return freshPostgres();
      const db = await connect();
      await migrate(db);
      return db;
    };
    let db = await open();
    const api = await apiRate(db);
    await db.close();
    db = await open();
    const events = kind === "pglite" ? PGLITE_BULK_EVENTS : BULK_EVENTS;
    const bulk = await bulkRate(db, events === BULK_EVENTS ? file : await ndjsonFile(events), events);
    const raw = kind === "postgres" ? await rawCopyRate() : null;
    await db.close();
    const target = (rate: number, goal: number) =>
      kind === "postgres"
        ? ` (target ≥ ${goal.toLocaleString("en")}: ${rate >= goal ? "met" : "NOT met"}, ${(rate / goal).toFixed(2)}×)`
        : "";
    console.log(`${kind.padEnd(8)} GraphQL track ×${API_BATCH}: ${fmt(api)}${target(api, 10_000)}`);
    console.log(
      `${kind.padEnd(8)} stratum load NDJSON (${events.toLocaleString("en")} events): ${fmt(bulk)}${target(bulk, 50_000)}`,
    );
    if (raw !== null) {
      const ratio = bulk / raw;
      console.log(
        `${kind.padEnd(8)} raw COPY of the same rows into the same table: ${fmt(raw)}; load / raw COPY ${ratio.toFixed(2)}× (target ≥ 0.5×: ${ratio >= 0.5 ? "met" : "NOT met"})`,
      );
    }
  }
}
