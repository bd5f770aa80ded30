import "reflect-metadata";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { sql } from "drizzle-orm";
import { ApiKeyService } from "../src/access/keys";
import { SYSTEM_PRINCIPAL } from "../src/access/permissions";
import { connect, type Database } from "../src/db/client";
import { BENCH_SHOP, ensureBenchShop } from "./shop";

/**
 * Load (issue 7): 50 connections for 30 s on loopback against `stratum serve`
 * on PostgreSQL with the bench shop, mixing metrics, user pages, segment members and
 * `track` batches. The server runs in its own process so its peak RSS is its own.
 * Tracked events use fresh anonymous ids dated before the shop's period, and are
 * counted, then deleted with their profiles, so the shared shop stays as seeded.
 */
const CONNECTIONS = 50;
const DURATION_SECONDS = Number(process.env.LOAD_BENCH_SECONDS ?? 30);
const TRACK_BATCH = 20;
const ADMIN_KEY = `load-bench-${randomBytes(8).toString("hex")}`;
const RUN = `loadbench-${randomBytes(4).toString("hex")}`;
const BENCH_SEGMENT = RUN.replace("-", "_");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(base: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 240; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("server did not become ready");
}

/** Resident set of a process in bytes, from /proc (VmRSS now, VmHWM its peak so far). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 10 ms). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
}

interface Operation {
  name: string;
  /** The role whose key sends it: reads as ANALYST (PII masked), track as INGEST. */
  role: "ANALYST" | "INGEST";
  /** Sends in every 16 of the mix: dashboards read metrics less often than apps page users. */
  weight: number;
  /** The request body, and the message ids it tracks (checked in the database afterwards). */
  body: () => { body: string; messageIds?: string[] };
}

/** Round robin over the operations, each appearing `weight` times, spread out. */
function scheduleOf(mix: Operation[]): Operation[] {
  const slots: Array<{ at: number; operation: Operation }> = [];
  for (const operation of mix)
    for (let i = 0; i < operation.weight; i++) slots.push({ at: (i + 0.5) / operation.weight, operation });
  return slots.sort((a, b) => a.at - b.at).map((slot) => slot.operation);
}

async function buildMix(url: string, db: Database): Promise<Operation[]> {
  const introspection = await gql(
    url,
    `{ __schema { queryType { fields { name } } mutationType { fields { name args { name } } } } }`,
  );
  const queries = new Set<string>(introspection.data.__schema.queryType.fields.map((f: any) => f.name));
  const mutations = new Map<string, string[]>(
    (introspection.data.__schema.mutationType?.fields ?? []).map((f: any) => [
      f.name,
      f.args.map((a: any) => a.name),
    ]),
  );
  const day = 24 * 3600 * 1000;
  const to = BENCH_SHOP.end.toISOString().slice(0, 10);
  const from = new Date(BENCH_SHOP.end.getTime() - 28 * day).toISOString().slice(0, 10);
  const mix: Operation[] = [];

  if (queries.has("metrics")) {
    // A sales dashboard tile: four weeks of daily orders, buyers and GMV.
    const query = `query($from: String!, $to: String!) { metrics(timeRange: { from: $from, to: $to }, grain: DAY) {
      rows { time orders buyers gmv } } }`;
    mix.push({
      name: "metrics",
      role: "ANALYST",
      weight: 2,
      body: () => ({ body: JSON.stringify({ query, variables: { from, to } }) }),
    });
  }
  const [{ maxId }] = await db.query<{ maxId: number }>(
    sql`select coalesce(max(id), 1)::int as "maxId" from users`,
  );
  const usersQuery = `query($after: String) { users(first: 20, after: $after) {
    totalCount edges { node { id traits identities { type value } } } } }`;
  mix.push({
    name: "users",
    role: "ANALYST",
    weight: 4,
    body: () => ({
      body: JSON.stringify({
        query: usersQuery,
        variables: {
          after: Buffer.from(JSON.stringify(Math.floor(Math.random() * maxId))).toString("base64url"),
        },
      }),
    }),
  });
  if (queries.has("segment")) {
    const [existing] = await db
      .query<{ key: string }>(sql`select key from segments where status = 'ACTIVE' order by key limit 1`)
      .catch(() => []);
    let key = existing?.key;
    if (!key && mutations.has("createStaticSegment")) {
      // The shop has no segment: a temporary static one of 1,000 profiles (no rule refresh,
      // which would queue behind other benchmarks' refreshes), removed with the run's rows.
      key = BENCH_SEGMENT;
      const ids = await db.query<{ id: number }>(
        sql`select id from users where merged_into is null order by id limit 1000`,
      );
      const created = await gql(
        url,
        `mutation($key: String!, $ids: [ID!]) {
          createStaticSegment(input: { key: $key, name: "load bench", userIds: $ids }) { key } }`,
        { key, ids: ids.map((row) => String(row.id)) },
      );
      if (created.errors) throw new Error(`createStaticSegment: ${JSON.stringify(created.errors)}`);
    }
    if (key) {
      const query = `query($key: String!) { segment(key: $key) { key members(first: 50) { edges { node { id traits } } } } }`;
      mix.push({
        name: "segment.members",
        role: "ANALYST",
        weight: 4,
        body: () => ({ body: JSON.stringify({ query, variables: { key } }) }),
      });
    }
  }
  if (mutations.has("track")) {
    const argument = mutations.get("track")![0];
    const query = `mutation($events: [EventInput!]!) { track(${argument}: $events) { accepted } }`;
    let sequence = 0;
    // Before the shop's period: the seeded figures every other bench reads stay unchanged.
    const timestamp = new Date(BENCH_SHOP.start.getTime() - 400 * day).toISOString();
    mix.push({
      name: "track",
      role: "INGEST",
      weight: 6,
      body: () => {
        const batch = sequence++;
        const events = Array.from({ length: TRACK_BATCH }, (_, i) => ({
          messageId: `${RUN}-${batch}-${i}`,
          event: i % 4 === 0 ? "product_view" : "page_view",
          timestamp,
          anonymousId: `${RUN}-anon-${batch % 500}`,
          channel: "web",
          properties: { url: `/p/${i}` },
        }));
        return {
          body: JSON.stringify({ query, variables: { events } }),
          messageIds: events.map((event) => event.messageId),
        };
      },
    });
  }
  return mix;
}

export async function run(): Promise<void> {
  const databaseUrl = await ensureBenchShop();
  const db = await connect({ databaseUrl, maxConnections: 2 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const url = `${base}/graphql`;
  const server = spawn(process.execPath, [path.join(__dirname, "../bin/stratum.js"), "serve"], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      STRATUM_ADMIN_KEY: ADMIN_KEY,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  let peakRss = 0;
  const keys: Record<string, string> = {};
  const keyIds: string[] = [];
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, memoryOf(server.pid!).peak);
    } catch {}
  }, 250);
  try {
    await waitForHealth(base, server);
    const mix = await buildMix(url, db);
    const idleRss = memoryOf(server.pid!).rss;
    // Real keys, so every request pays the per-request key lookup; removed afterwards.
    const apiKeys = new ApiKeyService(db);
    for (const role of ["ANALYST", "INGEST"] as const) {
      const created = await apiKeys.create({ name: `${RUN} ${role}`, role }, SYSTEM_PRINCIPAL);
      keys[role] = created.key;
      keyIds.push(created.apiKey.id);
    }
    console.log(
      `mix: ${mix.map((operation) => `${operation.name} ×${operation.weight}`).join(", ")} per 16 requests`,
    );
    if (!mix.some((operation) => operation.name === "metrics"))
      console.log("note: no `metrics` query in the schema");
    if (!mix.some((operation) => operation.name === "segment.members"))
      console.log("note: no segment with members to page");
    if (!mix.some((operation) => operation.name === "track"))
      console.log("note: no `track` mutation in the schema");

    const perOperation = new Map(mix.map((operation) => [operation.name, { ok: 0, failed: 0 }]));
    const failures: string[] = [];
    /** Message ids of batches the server answered as accepted: each must be stored. */
    const acknowledged: string[] = [];
    let trackedSent = 0;
    const check = (operation: Operation, status: number, text: string, messageIds?: string[]) => {
      const counts = perOperation.get(operation.name)!;
      let parsed: any;
      try {
        parsed = JSON.parse(text);
      } catch {}
      const accepted = parsed?.data?.track?.accepted;
      if (status !== 200 || !parsed || parsed.errors || (messageIds && accepted !== messageIds.length)) {
        counts.failed++;
        if (failures.length < 5) failures.push(`${operation.name} ${status}: ${text.slice(0, 200)}`);
        return;
      }
      counts.ok++;
      if (messageIds) acknowledged.push(...messageIds);
    };

    // Each operation once, alone: its latency without load.
    for (const operation of mix) {
      const { body, messageIds } = operation.body();
      trackedSent += messageIds?.length ?? 0;
      const started = performance.now();
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${keys[operation.role]}` },
        body,
      });
      check(operation, response.status, await response.text(), messageIds);
      console.log(`  alone: ${operation.name} ${(performance.now() - started).toFixed(0)} ms`);
    }

    const schedule = scheduleOf(mix);
    console.log(
      `schedule of every ${schedule.length} requests: ${schedule.map((operation) => operation.name).join(", ")}`,
    );
    let sent = 0;
    const cpuBefore = cpuSecondsOf(server.pid!);
    const result = await autocannon({
      url,
      connections: CONNECTIONS,
      duration: DURATION_SECONDS,
      timeout: 30,
      // One request template; each send takes the next operation of the schedule, so every
      // connection interleaves them instead of all starting with the same one.
      requests: [
        {
          method: "POST",
          setupRequest: (request: any, context: any) => {
            const operation = schedule[sent++ % schedule.length];
            const { body, messageIds } = operation.body();
            trackedSent += messageIds?.length ?? 0;
            context.operation = operation;
            context.messageIds = messageIds;
            return {
              ...request,
              headers: {
                "content-type": "application/json",
                authorization: `Bearer ${keys[operation.role]}`,
              },
              body,
            };
          },
          onResponse: (status: number, body: string, context: any) =>
            check(context.operation, status, body, context.messageIds),
        },
      ],
    } as autocannon.Options);
    const serverPeak = Math.max(peakRss, memoryOf(server.pid!).peak);
    const serverCpu = cpuSecondsOf(server.pid!) - cpuBefore;

    const [{ stored }] = await db.query<{ stored: number }>(sql`
      select count(*)::int as stored from events
      where message_id in (select json_array_elements_text(${JSON.stringify(acknowledged)}::json))`);
    const failed = [...perOperation.values()].reduce((sum, counts) => sum + counts.failed, 0);
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    console.log(
      `requests: ${result.requests.total} in ${result.duration.toFixed(1)} s, ${CONNECTIONS} connections`,
    );
    console.log(
      `requests/s: ${result.requests.average.toFixed(0)} (mean), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
    );
    console.log(
      `errors: ${result.errors} transport, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ${failed} unexpected answers`,
    );
    for (const [name, counts] of perOperation)
      console.log(`  ${name}: ${counts.ok} ok, ${counts.failed} failed`);
    for (const failure of failures) console.log(`  failure: ${failure}`);
    console.log(`server RSS: idle ${mb(idleRss)}, peak ${mb(serverPeak)}`);
    console.log(
      `server CPU: ${serverCpu.toFixed(1)} s over ${result.duration.toFixed(1)} s (${((serverCpu / result.duration) * 100).toFixed(0)}% of one core); machine load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`,
    );
    if (perOperation.has("track")) {
      console.log(
        `tracked events: ${trackedSent} sent, ${acknowledged.length} acknowledged, ${stored} of those in the database → ${
          stored === acknowledged.length ? "all present" : "MISSING EVENTS"
        }`,
      );
    }
  } finally {
    clearInterval(sampler);
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("exit", resolve));
    await cleanUp(db, keyIds);
    await db.close();
  }
}

/** Removes what the run added: its events, the anonymous profiles they created, its keys. */
async function cleanUp(db: Database, keyIds: string[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const id of keyIds) {
      await tx.query(sql`delete from api_keys where id = ${id}`);
      await tx.query(sql`delete from audit_log where entity_type = 'api_key' and entity_key = ${id}`);
    }
    await tx.query(sql`delete from events where message_id like ${`${RUN}-%`}`);
    for (const table of ["segment_membership_changes", "segment_members", "segment_versions"] as const)
      await tx.query(sql`delete from ${sql.identifier(table)} where segment_key = ${BENCH_SEGMENT}`);
    await tx.query(sql`delete from segments where key = ${BENCH_SEGMENT}`);
    await tx.query(
      sql`delete from audit_log where entity_type = 'segment' and entity_key = ${BENCH_SEGMENT}`,
    );
    await tx.query(sql`
      delete from users where id in (
        select user_id from identities where type = 'anonymous_id' and value like ${`${RUN}-%`})`);
    await tx.query(sql`delete from identities where value like ${`${RUN}-%`}`);
  });
}
