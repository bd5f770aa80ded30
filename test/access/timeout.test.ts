import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config";
import { connect, type Database, migrate } from "../../src/db/client";
import { hasSqlState } from "../../src/db/concurrency";
import { StratumError } from "../../src/errors";
import { createServer, type StratumServer } from "../../src/server/app";
import { createServices } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";
import { TEST_ADMIN_KEY } from "../helpers/graphql";

/**
 * PostgreSQL only: PGlite (WebAssembly, no timer signals) ignores `statement_timeout`,
 * so an embedded database cannot cancel a slow statement.
 */
describe.runIf(inject("postgresUrl") !== null)("slow analytical queries [postgres]", () => {
  const name = `stratum_test_timeout_${randomBytes(5).toString("hex")}`;
  let admin: postgres.Sql;
  let db: Database;
  let server: StratumServer;
  let url: string;
  const databaseUrl = new URL(inject("postgresUrl") ?? "postgres://unused");
  databaseUrl.pathname = `/${name}`;
  beforeAll(async () => {
    admin = postgres(inject("postgresUrl")!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    db = await connect({ databaseUrl: databaseUrl.toString(), statementTimeoutMs: 5, maxConnections: 2 });
    await migrate(db);
    // 300 profiles × 1,000 page views over January: far more than 5 ms of work to aggregate.
    await db.query(
      sql`insert into users (id) overriding system value select g from generate_series(1, 300) g`,
    );
    await db.query(sql`
      insert into events (user_id, message_id, name, ts)
      select 1 + g % 300, 'm' || g, 'page_view', '2026-01-01T00:00:00Z'::timestamptz + (g % 2678400) * interval '1 second'
      from generate_series(1, 300000) g`);
    await db.query(sql`analyze`);
    server = await createServer(createServices(db, loadConfig({ STRATUM_ADMIN_KEY: TEST_ADMIN_KEY })));
    url = `http://127.0.0.1:${await server.listen(0)}/graphql`;
  });
  afterAll(async () => {
    await server?.stop();
    await db?.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 1 });
  });

  it("runs analytical statements without JIT and with their own work_mem, leaving other statements alone", async () => {
    const settings = sql`select current_setting('jit') as jit, current_setting('work_mem') as "workMem"`;
    expect(await db.analyticalQuery(settings)).toEqual([{ jit: "off", workMem: "64MB" }]);
    const [plain] = await db.query<{ jit: string; workMem: string }>(settings);
    expect(plain.workMem).not.toBe("64MB");
    const tuned = await connect({ databaseUrl: databaseUrl.toString(), analyticalWorkMemMb: 16 });
    try {
      expect(await tuned.analyticalQuery(settings)).toEqual([{ jit: "off", workMem: "16MB" }]);
    } finally {
      await tuned.close();
    }
  });

  it("answers LIMIT_EXCEEDED quickly instead of hanging", async () => {
    const started = Date.now();
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({
        query: `{ metrics(timeRange: { from: "2026-01-01", to: "2026-02-01" }, grain: DAY) { rows { time events visitors } } }`,
      }),
    });
    const body = (await response.json()) as any;
    expect(body.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
    expect(body.errors[0].message).toMatch(/statement timeout/);
    expect(JSON.stringify(body)).not.toMatch(/select|from events/i);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

/** Runs `fn`, noting the longest pause of the event loop meanwhile (a 5 ms interval timer). */
async function longestPause<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; pauseMs: number; elapsedMs: number }> {
  let last = Date.now();
  let pauseMs = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    pauseMs = Math.max(pauseMs, now - last);
    last = now;
  }, 5);
  const started = Date.now();
  try {
    const result = await fn();
    return { result, pauseMs: Math.max(pauseMs, Date.now() - last), elapsedMs: Date.now() - started };
  } finally {
    clearInterval(timer);
  }
}

/** A statement that would run for minutes: ten billion rows to count. */
const ENDLESS = sql`select count(*) as n from generate_series(1::bigint, 10000000000::bigint) g`;

/**
 * PGlite ignores `statement_timeout` and cannot interrupt a statement (WebAssembly); it runs
 * in a worker thread (src/db/pglite-thread.ts), so a statement never holds the event loop, and
 * on a data directory a statement over its budget is stopped by ending that thread.
 */
describe("slow analytical queries [pglite]", () => {
  it("in memory: runs to its end whatever the budget, without holding the event loop", async () => {
    const db = await connect({ statementTimeoutMs: 1 });
    try {
      const { result, pauseMs, elapsedMs } = await longestPause(() =>
        db.analyticalQuery<{ n: number }>(sql`select count(*)::int as n from generate_series(1, 3000000) g`),
      );
      expect(result[0].n).toBe(3_000_000);
      expect(elapsedMs).toBeGreaterThan(100);
      // Before the thread, timers waited for the whole statement.
      expect(pauseMs).toBeLessThan(elapsedMs / 2);
    } finally {
      await db.close();
    }
  });

  describe("on a data directory", () => {
    const BUDGET_MS = 1000;
    let dir: string;
    let db: Database;
    const probe = async () =>
      (
        await db.query<{ n: number; total: number }>(
          sql`select count(*)::int as n, sum(id)::int as total from budget_probe`,
        )
      )[0];

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "stratum-budget-"));
      db = await connect({ dataDir: path.join(dir, "db"), statementTimeoutMs: BUDGET_MS });
      await db.query(sql`create table budget_probe (id int primary key, note text)`);
      // Committed before any statement is stopped: ids 1..100 in a transaction, 101 and 102 by COPY.
      await db.transaction(async (tx) => {
        await tx.query(sql`insert into budget_probe select g, 'row ' || g from generate_series(1, 100) g`);
      });
      await db.copyRows(
        "budget_probe",
        ["id", "note"],
        [
          [101, "copied"],
          [102, null],
        ],
      );
    });
    afterAll(async () => {
      await db?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("answers LIMIT_EXCEEDED at the budget, and the event loop runs meanwhile", async () => {
      const { result, pauseMs, elapsedMs } = await longestPause(() =>
        db.analyticalQuery(ENDLESS).catch((e) => e),
      );
      expect(result).toBeInstanceOf(StratumError);
      expect(result.code).toBe("LIMIT_EXCEEDED");
      expect(result.message).toMatch(/1000 ms statement timeout/);
      expect(elapsedMs).toBeGreaterThanOrEqual(BUDGET_MS);
      expect(elapsedMs).toBeLessThan(BUDGET_MS + 1000);
      expect(pauseMs).toBeLessThan(500);
      // 1 + … + 102 = 5253: nothing committed was lost.
      expect(await probe()).toEqual({ n: 102, total: 5253 });
    });

    it("statements queued behind the stopped one run afterwards, on the reopened directory", async () => {
      const statements: string[] = [];
      const stop = db.onStatement((statement) => statements.push(statement.sql));
      try {
        const slow = db.analyticalQuery(ENDLESS).catch((e) => e);
        // Read only what was committed before: the transaction below may be served first.
        const meanwhile = db.query<{ total: number }>(
          sql`select sum(id)::int as total from budget_probe where id <= 102`,
        );
        const meanwhileInTransaction = db.transaction(async (tx) => {
          await tx.query(sql`insert into budget_probe values (103, 'after the stop')`);
          return (await tx.query<{ n: number }>(sql`select count(*)::int as n from budget_probe`))[0].n;
        });
        expect((await slow).code).toBe("LIMIT_EXCEEDED");
        expect(await meanwhile).toEqual([{ total: 5253 }]);
        expect(await meanwhileInTransaction).toBe(103);
        expect(statements.some((s) => s.includes("insert into budget_probe values (103"))).toBe(true);
      } finally {
        stop();
      }
      expect(await probe()).toEqual({ n: 103, total: 5356 });
    });

    it("a transaction whose statement is stopped is rolled back, and refuses further statements", async () => {
      let afterStop: unknown;
      const outcome = await db
        .transaction(async (tx) => {
          await tx.query(sql`insert into budget_probe values (104, 'uncommitted')`);
          const error = await tx.analyticalQuery(ENDLESS).catch((e) => e);
          // Its thread is gone: running on would write outside any transaction.
          afterStop = await tx.query(sql`insert into budget_probe values (105, 'stray')`).catch((e) => e);
          throw error;
        })
        .catch((e) => e);
      expect(outcome.code).toBe("LIMIT_EXCEEDED");
      expect(hasSqlState(afterStop, "57P01")).toBe(true);
      expect(await probe()).toEqual({ n: 103, total: 5356 });
    });

    it("keeps answering fast analytical reads, and the data survives closing and reopening", async () => {
      const [{ n }] = await db.analyticalQuery<{ n: number }>(
        sql`select count(*)::int as n from budget_probe`,
      );
      expect(n).toBe(103);
      await db.close();
      db = await connect({ dataDir: path.join(dir, "db"), statementTimeoutMs: BUDGET_MS });
      expect(await probe()).toEqual({ n: 103, total: 5356 });
      expect(
        await db.query(sql`select note from budget_probe where id in (101, 102, 103) order by id`),
      ).toEqual([{ note: "copied" }, { note: null }, { note: "after the stop" }]);
    });
  });
});

describe("slow analytical queries over HTTP [pglite on a data directory]", () => {
  const BUDGET_MS = 1000;
  const EVENTS = 200_000;
  let dir: string;
  let db: Database;
  let server: StratumServer;
  let base: string;
  const graphql = (query: string) =>
    fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ query }),
    }).then((response) => response.json() as Promise<any>);
  // Event g happens (g·97 mod 31,536,000) s after 2025-06-01T00:00Z; count the ones on 2025-06-01
  // in Shanghai (UTC+8, the default time zone): [2025-05-31T16:00Z, 2025-06-01T16:00Z).
  const firstDayEvents = Array.from({ length: EVENTS }, (_, i) => ((i + 1) * 97) % 31_536_000).filter(
    (offset) => offset < 16 * 3600,
  ).length;
  const FIRST_DAY = `{ metrics(timeRange: { from: "2025-06-01", to: "2025-06-02" }, grain: DAY) { rows { events } } }`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "stratum-budget-http-"));
    db = await connect({ dataDir: path.join(dir, "db"), statementTimeoutMs: BUDGET_MS });
    await migrate(db);
    await db.query(
      sql`insert into users (id) overriding system value select g from generate_series(1, 1000) g`,
    );
    await db.query(sql`
      insert into events (user_id, message_id, name, ts)
      select 1 + g % 1000, 'm' || g, 'page_view',
             '2025-06-01T00:00:00Z'::timestamptz + ((g * 97) % 31536000) * interval '1 second'
      from generate_series(1, ${EVENTS}) g`);
    await db.query(sql`analyze`);
    server = await createServer(createServices(db, loadConfig({ STRATUM_ADMIN_KEY: TEST_ADMIN_KEY })));
    base = `http://127.0.0.1:${await server.listen(0)}`;
  });
  afterAll(async () => {
    await server?.stop();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a slow funnel answers LIMIT_EXCEEDED within the budget; the server answers meanwhile and afterwards", async () => {
    expect(firstDayEvents).toBeGreaterThan(0);
    expect((await graphql(FIRST_DAY)).data.metrics.rows).toEqual([{ events: firstDayEvents }]);
    const steps = Array.from({ length: 20 }, () => `{ event: "page_view" }`).join(", ");
    const started = Date.now();
    // Twenty ordered steps (the most a funnel may have) over 200 events per user for a year:
    // about 5 s of PGlite work unbudgeted on this kind of machine, so well past the 1 s budget.
    const slow = graphql(
      `{ funnel(input: { steps: [${steps}], window: { value: 365, unit: DAY }, timeRange: { from: "2025-06-01", to: "2026-06-01" } }) { steps { count } } }`,
    ).then((body) => ({ body, ms: Date.now() - started }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const health = Date.now();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const healthMs = Date.now() - health;
    const meanwhile = graphql(FIRST_DAY);
    const { body, ms } = await slow;
    expect(body.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
    expect(body.errors[0].message).toMatch(/statement timeout/);
    expect(ms).toBeLessThan(BUDGET_MS + 1000);
    expect(healthMs).toBeLessThan(300);
    expect((await meanwhile).data.metrics.rows).toEqual([{ events: firstDayEvents }]);
    expect((await graphql(FIRST_DAY)).data.metrics.rows).toEqual([{ events: firstDayEvents }]);
    const [{ n }] = await db.query<{ n: number }>(sql`select count(*)::int as n from events`);
    expect(n).toBe(EVENTS);
  });
});

describeEachDatabase("analytical statements beyond the database's limits", (db) => {
  it("answer LIMIT_EXCEEDED, not INTERNAL", async () => {
    // repeat() refuses a result over 1 GB before allocating it (SQLSTATE 54000).
    const error = await db()
      .analyticalQuery(sql`select length(repeat('x', 1100000000)) as n`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StratumError);
    expect((error as StratumError).code).toBe("LIMIT_EXCEEDED");
    expect((error as StratumError).message).toMatch(/more memory than the database/);
  });
});
