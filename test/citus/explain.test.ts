import "reflect-metadata";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/client";
import { createTestDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

/*
 * Only under `npm run test:citus` (a cluster, test databases distributed by src/db/citus.ts).
 * Every statement the metrics, funnel, retention and tag refresh paths send is EXPLAINed on
 * the coordinator with repartition joins allowed, so a join Citus cannot run shard-locally
 * shows up in the plan (a MapMergeJob) instead of only as an error; the cluster itself keeps
 * `citus.enable_repartition_joins` off, so the runs below would also fail outright.
 */
const CITUS = process.env.STRATUM_TEST_CITUS === "1";
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

interface Captured {
  sql: string;
  params: unknown[];
}

describe.runIf(CITUS)("analytical statements on Citus run without repartition joins", () => {
  let handle: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let api: TestApi;
  let explainer: postgres.Sql;

  beforeAll(async () => {
    handle = await createTestDatabase("postgres");
    db = handle.db;
    // u1 (and u5, merged into it) views and carts; u2 views and carts 5 minutes later; u3 only views.
    await db.query(sql`insert into users (id, merged_into) overriding system value values
      (1, null), (2, null), (3, null), (5, 1)`);
    await db.query(
      sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (5, 1, 1)`,
    );
    await db.query(sql`insert into events (id, user_id, message_id, name, ts) overriding system value values
      (1, 5, 'm1', 's_view', '2026-05-01T10:00:00Z'), (2, 1, 'm2', 's_cart', '2026-05-02T10:00:00Z'),
      (3, 2, 'm3', 's_view', '2026-05-01T11:00:00Z'), (4, 2, 'm4', 's_cart', '2026-05-01T11:05:00Z'),
      (5, 3, 'm5', 's_view', '2026-05-01T12:00:00Z')`);
    await db.query(sql`insert into products (id, name, category) values ('p1', 'Cream', 'beauty')`);
    await db.query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted) values
      ('o1', 5, ${daysAgo(3)}, 'paid', 50, true), ('o2', 2, ${daysAgo(40)}, 'paid', 20, true)`);
    await db.query(sql`insert into order_items (order_id, line_no, user_id, product_id, quantity, unit_price)
      values ('o1', 1, 5, 'p1', 2, 25), ('o2', 1, 2, 'p1', 1, 20)`);
    await db.query(sql`insert into tags (key, name, category, kind, rule, updated_by) values
      ('recent_buyer', 'Recent buyer', 'TRANSACTION', 'RULE', 'count(orders within 30d) >= 1', 'test')`);
    api = await startTestApi(db);
    explainer = postgres(handle.url!, { max: 1, onnotice: () => {} });
    await explainer`set citus.enable_repartition_joins = on`;
  });
  afterAll(async () => {
    await explainer?.end({ timeout: 1 });
    await api?.close();
    await handle?.drop();
  });

  async function capture(run: () => Promise<void>): Promise<Captured[]> {
    const statements: Captured[] = [];
    const stop = db.onStatement((statement) => statements.push(statement));
    try {
      await run();
    } finally {
      stop();
    }
    return statements;
  }

  /** The plans of the captured reads (and `create temp table … as select`), as text. */
  async function plans(statements: Captured[]): Promise<Array<{ sql: string; plan: string }>> {
    const explained: Array<{ sql: string; plan: string }> = [];
    for (const statement of statements) {
      if (
        !/^\s*(select|with|create temp table \w+ on commit drop as|create temp table \w+ as)\b/i.test(
          statement.sql,
        )
      )
        continue;
      if (/pg_advisory|pg_extension|set_config|^\s*select 1\s*$/i.test(statement.sql)) continue;
      const rows = await explainer
        .unsafe(`explain ${statement.sql}`, statement.params as any[])
        .catch((error) => {
          // A statement over a temp table of the refresh's own transaction cannot be planned later.
          if (error.code === "42P01") return null;
          throw error;
        });
      if (rows) explained.push({ sql: statement.sql, plan: rows.map((row) => row["QUERY PLAN"]).join("\n") });
    }
    return explained;
  }

  const repartitioned = (plan: string) => /MapMergeJob|repartition/i.test(plan);

  it("sees a repartition join where there is one (the check can fail)", async () => {
    // Order items joined to orders by order id alone: the two are co-located by user, not by order.
    const [plan] = await plans([
      { sql: "select count(*) from order_items i join orders o on o.order_id = i.order_id", params: [] },
    ]);
    expect(repartitioned(plan.plan)).toBe(true);
    const [shardLocal] = await plans([
      {
        sql: "select count(*) from order_items i join orders o on o.order_id = i.order_id and o.user_id = i.user_id",
        params: [],
      },
    ]);
    expect(repartitioned(shardLocal.plan)).toBe(false);
  });

  it("keeps repartition joins off on the cluster", async () => {
    const [row] = await db.query<{ setting: string }>(
      sql`select current_setting('citus.enable_repartition_joins') as setting`,
    );
    expect(row.setting).toBe("off");
  });

  async function explainMetrics(selection: string): Promise<void> {
    const statements = await capture(async () => {
      const response = await api.gql(
        `{ metrics(timeRange: { last: "90d" }, grain: ALL) { rows { ${selection} } } }`,
      );
      expect(response.errors).toBeUndefined();
      // 2 buyers (the merged profile 1 and u2), 2 orders, 70 of GMV.
      const rows = response.data.metrics.rows;
      expect(rows.reduce((sum: number, row: any) => sum + row.orders, 0)).toBe(2);
      expect(rows.reduce((sum: number, row: any) => sum + row.gmv, 0)).toBe(70);
    });
    const explained = await plans(statements);
    expect(explained.length).toBeGreaterThan(0);
    for (const { sql: text, plan } of explained) expect(repartitioned(plan), text).toBe(false);
  }

  it("metrics: every statement is shard-local", () => explainMetrics("buyers orders gmv aov repurchaseRate"));

  it("metrics by tag: every statement is shard-local", () =>
    explainMetrics(`hasTag(key: "recent_buyer") buyers orders gmv`));

  it("funnel and retention: every statement is shard-local", async () => {
    const statements = await capture(async () => {
      const range = `timeRange: { from: "2026-05-01", to: "2026-05-04" }, timezone: "UTC"`;
      const response = await api.gql(`{
        funnel(input: { steps: [{ event: "s_view" }, { event: "s_cart" }], ${range} }) { steps { count } }
        retention(input: { startEvent: "s_view", returnEvent: "s_cart", period: DAY, periods: 2, ${range} }) {
          cohorts { start size values } } }`);
      expect(response.errors).toBeUndefined();
      // Viewers: profile 1 (through u5), u2, u3; carts after the view: profile 1 (a day later) and u2.
      expect(response.data.funnel.steps.map((step: any) => step.count)).toEqual([3, 2]);
      // May 1 cohort: all three (period 0 is the cohort itself); only profile 1 returns on day 1.
      expect(response.data.retention.cohorts[0]).toMatchObject({ size: 3, values: [3, 1] });
    });
    const explained = await plans(statements);
    expect(explained.length).toBeGreaterThanOrEqual(2);
    for (const { sql: text, plan } of explained) expect(repartitioned(plan), text).toBe(false);
  });

  it("tag refresh: every statement that can be planned afterwards is shard-local", async () => {
    const statements = await capture(async () => {
      const report = await api.services.tags.refresh();
      expect(report.failed).toEqual([]);
    });
    const members = await db.query<{ userId: number }>(
      sql`select user_id as "userId" from tag_members where tag_key = 'recent_buyer' order by user_id`,
    );
    // Only profile 1 ordered within 30 days (through its merged profile 5).
    expect(members).toEqual([{ userId: 1 }]);
    const explained = await plans(statements);
    expect(explained.length).toBeGreaterThan(0);
    for (const { sql: text, plan } of explained) expect(repartitioned(plan), text).toBe(false);
  });
});
