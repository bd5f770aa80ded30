import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config";
import { connect, type Database, migrate } from "../../src/db/client";
import { createServer, type StratumServer } from "../../src/server/app";
import { createServices } from "../../src/server/services";
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
  beforeAll(async () => {
    admin = postgres(inject("postgresUrl")!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const databaseUrl = new URL(inject("postgresUrl")!);
    databaseUrl.pathname = `/${name}`;
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

/**
 * What the documentation claims about PGlite (src/db/CONTEXT.md): it has no time budget.
 * If a PGlite release starts honouring `statement_timeout`, this fails and the claim (and
 * the defences built around it) must be revisited.
 */
describe("slow analytical queries [pglite]", () => {
  it("runs to the end whatever the statement timeout, holding the event loop meanwhile", async () => {
    const db = await connect({ statementTimeoutMs: 1 });
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const started = Date.now();
      const [{ n }] = await db.analyticalQuery<{ n: number }>(
        sql`select count(*)::int as n from generate_series(1, 1000000) g`,
      );
      const elapsed = Date.now() - started;
      clearInterval(timer);
      expect(n).toBe(1_000_000);
      expect(elapsed).toBeGreaterThan(50);
      // Timers could not run while the statement ran on the Node thread.
      expect(ticks).toBeLessThan(elapsed / 10);
    } finally {
      await db.close();
    }
  });
});
