import "reflect-metadata";
import { type SQL, sql } from "drizzle-orm";
import postgres from "postgres";
import { loadConfig } from "../src/config";
import { connect, type Database, migrate } from "../src/db/client";
import { RollupService } from "../src/metrics-service/rollups";
import { compileMetricQuery } from "../src/semantic/metrics/compile";
import type { MetricQuery } from "../src/semantic/metrics/query";
import { createServer } from "../src/server/app";
import { createServices } from "../src/server/services";
import { BENCH_SHOP, ensureBenchShop } from "./shop";

/**
 * The semantic layer on the bench shop (100,000 people × 90 days, PostgreSQL): a fixed
 * dashboard of 10 metric queries, in a copy of the shop (`create database … template
 * stratum_bench_shop`, migrated, its user-day rollups rebuilt there: the shared shop is never
 * written). Prints the median and p95 latency of the GraphQL requests with the rollups and on
 * the raw facts (STRATUM_ROLLUPS=0), and the run time of the compiled SQL — with rollups and
 * raw — against hand-written SQL on the raw facts that produces the same numbers (targets:
 * median with rollups ≤ 30 ms, compiled-with-rollups / hand-written-on-raw ≤ 0.3; raw:
 * median ≤ 150 ms, compiled / hand-written ≤ 1.2). The hand-written versions resolve merged
 * profiles like the facts do, and every compiled answer is compared with theirs before timing.
 */
const TZ = "Asia/Shanghai";
const ADMIN_KEY = "bench-admin-key-metrics";
const DAYS = { from: "2026-10-26", to: "2026-11-25" };
const MONTHS = { from: "2026-09-01", to: "2026-11-25" };
const WEEKS = { from: "2026-10-05", to: "2026-11-23" };

interface DashboardQuery {
  name: string;
  graphql: string;
  ir: MetricQuery;
  hand: SQL;
}

const local = (date: string) => sql`(${date}::timestamp at time zone ${TZ})`;

/** Counted orders with the surviving profile, in [from, to). */
const handOrders = (range: {
  from: string;
  to: string;
}) => sql`(select coalesce(m.survivor_id, o.user_id) as user_id,
    o.placed_at, o.total_amount, o.channel
  from orders o left join user_merges m on m.loser_id = o.user_id
  where o.counted and o.placed_at >= ${local(range.from)} and o.placed_at < ${local(range.to)})`;
const handEvents = (range: {
  from: string;
  to: string;
}) => sql`(select coalesce(m.survivor_id, e.user_id) as user_id,
    e.ts, e.name, e.channel
  from events e left join user_merges m on m.loser_id = e.user_id
  where e.ts >= ${local(range.from)} and e.ts < ${local(range.to)})`;
const localSeries = (unit: string, range: { from: string; to: string }, step: string) =>
  sql`(select generate_series(date_trunc(${unit}, ${range.from}::timestamp), ${range.to}::timestamp - interval '1 microsecond', ${sql.raw(`interval '${step}'`)}) as b)`;

/** A daily order aggregate by channel, dense over days × channels seen. */
const dailyOrdersByChannel = (aggregate: SQL) => sql`with agg as (
  select date_trunc('day', placed_at at time zone ${TZ}) as b, channel, ${aggregate} as v
  from ${handOrders(DAYS)} o group by 1, 2),
channels as (select distinct channel from agg)
select (d.b at time zone ${TZ}) as bucket, c.channel, coalesce(agg.v, 0)::float8 as v
from ${localSeries("day", DAYS, "1 day")} d cross join channels c
left join agg on agg.b = d.b and agg.channel is not distinct from c.channel
order by 1, 2`;

export const QUERIES: DashboardQuery[] = [
  {
    name: "daily gmv by channel",
    graphql: `{ metrics(timeRange: {from: "${DAYS.from}", to: "${DAYS.to}"}, grain: DAY) { rows { time channel gmv } } }`,
    ir: { metrics: ["gmv"], dimensions: [{ key: "channel" }], grain: "DAY", timezone: TZ, range: DAYS },
    hand: dailyOrdersByChannel(sql`sum(total_amount)`),
  },
  {
    name: "daily orders by channel",
    graphql: `{ metrics(timeRange: {from: "${DAYS.from}", to: "${DAYS.to}"}, grain: DAY) { rows { time channel orders } } }`,
    ir: { metrics: ["orders"], dimensions: [{ key: "channel" }], grain: "DAY", timezone: TZ, range: DAYS },
    hand: dailyOrdersByChannel(sql`count(*)`),
  },
  {
    name: "daily buyers by channel",
    graphql: `{ metrics(timeRange: {from: "${DAYS.from}", to: "${DAYS.to}"}, grain: DAY) { rows { time channel buyers } } }`,
    ir: { metrics: ["buyers"], dimensions: [{ key: "channel" }], grain: "DAY", timezone: TZ, range: DAYS },
    hand: dailyOrdersByChannel(sql`count(distinct user_id)`),
  },
  {
    name: "daily conversion by channel",
    graphql: `{ metrics(timeRange: {from: "${DAYS.from}", to: "${DAYS.to}"}, grain: DAY) { rows { time channel conversionRate } } }`,
    ir: {
      metrics: ["conversion_rate"],
      dimensions: [{ key: "channel" }],
      grain: "DAY",
      timezone: TZ,
      range: DAYS,
    },
    hand: sql`with v as (select distinct date_trunc('day', ts at time zone ${TZ}) as b, channel, user_id from ${handEvents(DAYS)} e),
  p as (select distinct date_trunc('day', placed_at at time zone ${TZ}) as b, channel, user_id from ${handOrders(DAYS)} o),
  agg as (select v.b, v.channel, count(*) as visitors, count(p.user_id) as converted
    from v left join p on p.b = v.b and p.channel is not distinct from v.channel and p.user_id = v.user_id group by 1, 2),
  channels as (select channel from v union select channel from p)
  select (d.b at time zone ${TZ}) as bucket, c.channel, agg.converted::float8 / nullif(agg.visitors, 0) as v
  from ${localSeries("day", DAYS, "1 day")} d cross join channels c
  left join agg on agg.b = d.b and agg.channel is not distinct from c.channel
  order by 1, 2`,
  },
  {
    name: "monthly repurchase rate",
    graphql: `{ metrics(timeRange: {from: "${MONTHS.from}", to: "${MONTHS.to}"}, grain: MONTH) { rows { time repurchaseRate } } }`,
    ir: { metrics: ["repurchase_rate"], dimensions: [], grain: "MONTH", timezone: TZ, range: MONTHS },
    hand: sql`with per_user as (select date_trunc('month', placed_at at time zone ${TZ}) as b, user_id, count(*) as n
    from ${handOrders(MONTHS)} o group by 1, 2),
  agg as (select b, count(*) filter (where n >= 2)::float8 / nullif(count(*), 0) as v from per_user group by 1)
  select (m.b at time zone ${TZ}) as bucket, agg.v from ${localSeries("month", MONTHS, "1 month")} m left join agg on agg.b = m.b
  order by 1`,
  },
  {
    name: "monthly churn rate",
    graphql: `{ metrics(timeRange: {from: "${MONTHS.from}", to: "${MONTHS.to}"}, grain: MONTH) { rows { time churnRate } } }`,
    ir: { metrics: ["churn_rate"], dimensions: [], grain: "MONTH", timezone: TZ, range: MONTHS },
    hand: sql`with buyers as (select distinct date_trunc('month', placed_at at time zone ${TZ}) as b, user_id
    from ${handOrders({ from: "2026-08-01", to: MONTHS.to })} o),
  agg as (select p.b + interval '1 month' as b, count(*) filter (where c.user_id is null)::float8 / count(*) as v
    from buyers p left join buyers c on c.b = p.b + interval '1 month' and c.user_id = p.user_id group by 1)
  select (m.b at time zone ${TZ}) as bucket, agg.v from ${localSeries("month", MONTHS, "1 month")} m left join agg on agg.b = m.b
  order by 1`,
  },
  {
    name: "weekly new buyers by city",
    graphql: `{ metrics(timeRange: {from: "${WEEKS.from}", to: "${WEEKS.to}"}, grain: WEEK) { rows { time city newBuyers } } }`,
    ir: { metrics: ["new_buyers"], dimensions: [{ key: "city" }], grain: "WEEK", timezone: TZ, range: WEEKS },
    hand: sql`with firsts as (select coalesce(m.survivor_id, o.user_id) as user_id, min(o.placed_at) as first_at
    from orders o left join user_merges m on m.loser_id = o.user_id where o.counted group by 1),
  buyers as (select distinct date_trunc('week', o.placed_at at time zone ${TZ}) as b, u.traits ->> 'city' as city, o.user_id
    from ${handOrders(WEEKS)} o left join users u on u.id = o.user_id),
  agg as (select b.b, b.city, count(*) filter (where date_trunc('week', f.first_at at time zone ${TZ}) = b.b) as v
    from buyers b join firsts f on f.user_id = b.user_id group by 1, 2),
  cities as (select distinct city from agg)
  select (w.b at time zone ${TZ}) as bucket, c.city, coalesce(agg.v, 0)::float8 as v
  from ${localSeries("week", WEEKS, "1 week")} w cross join cities c
  left join agg on agg.b = w.b and agg.city is not distinct from c.city
  order by 1, 2`,
  },
  {
    name: "daily visitors",
    graphql: `{ metrics(timeRange: {from: "${DAYS.from}", to: "${DAYS.to}"}, grain: DAY) { rows { time visitors } } }`,
    ir: { metrics: ["visitors"], dimensions: [], grain: "DAY", timezone: TZ, range: DAYS },
    hand: sql`with agg as (select date_trunc('day', ts at time zone ${TZ}) as b, count(distinct user_id) as v
    from ${handEvents(DAYS)} e group by 1)
  select (d.b at time zone ${TZ}) as bucket, coalesce(agg.v, 0)::float8 as v
  from ${localSeries("day", DAYS, "1 day")} d left join agg on agg.b = d.b order by 1`,
  },
  {
    name: "weekly aov and arppu",
    graphql: `{ metrics(timeRange: {from: "${WEEKS.from}", to: "${WEEKS.to}"}, grain: WEEK) { rows { time aov arppu } } }`,
    ir: { metrics: ["aov", "arppu"], dimensions: [], grain: "WEEK", timezone: TZ, range: WEEKS },
    hand: sql`with agg as (select date_trunc('week', placed_at at time zone ${TZ}) as b,
      sum(total_amount)::float8 / count(*) as aov, sum(total_amount)::float8 / count(distinct user_id) as arppu
    from ${handOrders(WEEKS)} o group by 1)
  select (w.b at time zone ${TZ}) as bucket, agg.aov, agg.arppu
  from ${localSeries("week", WEEKS, "1 week")} w left join agg on agg.b = w.b order by 1`,
  },
  {
    name: "daily cart abandonment",
    graphql: `{ metrics(timeRange: {from: "${DAYS.from}", to: "${DAYS.to}"}, grain: DAY) { rows { time cartAbandonmentRate } } }`,
    ir: { metrics: ["cart_abandonment_rate"], dimensions: [], grain: "DAY", timezone: TZ, range: DAYS },
    hand: sql`with carts as (select distinct date_trunc('day', ts at time zone ${TZ}) as b, user_id from ${handEvents(DAYS)} e
    where name = 'add_to_cart'),
  paid as (select distinct date_trunc('day', placed_at at time zone ${TZ}) as b, user_id from ${handOrders(DAYS)} o),
  agg as (select c.b, count(*) filter (where p.user_id is null)::float8 / count(*) as v
    from carts c left join paid p on p.b = c.b and p.user_id = c.user_id group by 1)
  select (d.b at time zone ${TZ}) as bucket, agg.v from ${localSeries("day", DAYS, "1 day")} d left join agg on agg.b = d.b
  order by 1`,
  },
];

const median = (values: number[]) => percentile(values, 0.5);
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/**
 * Rows as sorted, comparable tuples: bucket instant, dimension values, numbers rounded to 1e-9
 * (sums may add in another order).
 */
export function tuples(rows: Record<string, unknown>[]): string[] {
  return rows
    .map((row) =>
      JSON.stringify(
        Object.values(row).map((v) =>
          v instanceof Date ? v.toISOString() : typeof v === "number" ? Math.round(v * 1e9) / 1e9 : v,
        ),
      ),
    )
    .sort();
}

async function timeStatement(db: Database, statement: SQL): Promise<number> {
  const started = process.hrtime.bigint();
  await db.query(statement);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The copy of the bench shop this bench migrates and builds rollups in. */
const COPY = "stratum_bench_metrics_rollups";

/**
 * A fresh copy of the bench shop. PostgreSQL copies a template only while nobody else is
 * connected to it, so a busy shop (other benchmarks) is retried for up to two minutes.
 */
async function copyOfBenchShop(shopUrl: string): Promise<string> {
  const admin = postgres(shopUrl.replace(/\/[^/]*$/, "/postgres"), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${COPY} with (force)`);
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database ${COPY} template ${BENCH_SHOP.database}`);
        break;
      } catch (error) {
        if (!/being accessed by other users/.test(String(error)) || attempt >= 60) throw error;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  return shopUrl.replace(/\/[^/]*$/, `/${COPY}`);
}

async function dropCopy(shopUrl: string): Promise<void> {
  const admin = postgres(shopUrl.replace(/\/[^/]*$/, "/postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${COPY} with (force)`);
  await admin.end({ timeout: 5 });
}

/** Medians of GraphQL requests of the dashboard on a server with or without rollups (first round unmeasured). */
async function requestLatencies(url: string, rollups: boolean): Promise<number[]> {
  const db = await connect({ databaseUrl: url, maxConnections: 10, statementTimeoutMs: 60_000 });
  const services = createServices(
    db,
    loadConfig({ DATABASE_URL: url, STRATUM_ADMIN_KEY: ADMIN_KEY, STRATUM_ROLLUPS: rollups ? "1" : "0" }),
  );
  const server = await createServer(services);
  const port = await server.listen(0);
  try {
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const query of QUERIES) {
        const started = process.hrtime.bigint();
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` },
          body: JSON.stringify({ query: query.graphql }),
        });
        const body = (await response.json()) as { errors?: unknown[] };
        if (body.errors) throw new Error(`${query.name}: ${JSON.stringify(body.errors)}`);
        // the first round warms caches and plans; it is not measured
        if (round > 0) latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
    return latencies;
  } finally {
    await server.stop();
    await db.close();
  }
}

export async function run(): Promise<void> {
  const shop = await ensureBenchShop();
  const url = await copyOfBenchShop(shop);
  const db = await connect({ databaseUrl: url, maxConnections: 10, statementTimeoutMs: 600_000 });
  try {
    await migrate(db);
    const started = performance.now();
    const built = await new RollupService(db).rebuild(TZ);
    console.log(
      `copy ${COPY} migrated; rollups rebuilt in ${((performance.now() - started) / 1000).toFixed(1)} s: ${built.eventRows} event rows, ${built.orderRows} order rows`,
    );
    await db.query(sql`analyze`);
    let agreeing = 0;
    const ratios: { name: string; rolledUp: number; raw: number; hand: number }[] = [];
    for (const query of QUERIES) {
      const rolledUp = compileMetricQuery(query.ir, undefined, TZ);
      if (!rolledUp.rollups.use) throw new Error(`${query.name} does not read the rollups`);
      const raw = compileMetricQuery(query.ir).statement;
      const theirs = JSON.stringify(tuples(await db.query(query.hand)));
      const answers = [await db.query(rolledUp.statement), await db.query(raw)];
      if (answers.every((mine) => JSON.stringify(tuples(mine)) === theirs)) agreeing++;
      else console.log(`  ! ${query.name}: compiled and hand-written answers differ`);
      const times = { rolledUp: [] as number[], raw: [] as number[], hand: [] as number[] };
      for (let i = 0; i < 5; i++) {
        times.rolledUp.push(await timeStatement(db, rolledUp.statement));
        times.raw.push(await timeStatement(db, raw));
        times.hand.push(await timeStatement(db, query.hand));
      }
      ratios.push({
        name: query.name,
        rolledUp: median(times.rolledUp),
        raw: median(times.raw),
        hand: median(times.hand),
      });
    }
    const withRollups = await requestLatencies(url, true);
    const onRaw = await requestLatencies(url, false);
    console.log("query                          rollups ms    raw ms   hand ms  rollups/hand  raw/hand");
    for (const r of ratios) {
      console.log(
        `${r.name.padEnd(30)} ${r.rolledUp.toFixed(1).padStart(10)} ${r.raw.toFixed(1).padStart(9)} ${r.hand.toFixed(1).padStart(9)} ${(r.rolledUp / r.hand).toFixed(2).padStart(13)} ${(r.raw / r.hand).toFixed(2).padStart(9)}`,
      );
    }
    const sum = (key: "rolledUp" | "raw" | "hand") => ratios.reduce((a, r) => a + r[key], 0);
    console.log(`answers equal to hand-written SQL (with rollups and raw): ${agreeing}/${QUERIES.length}`);
    console.log(
      `compiled-with-rollups / hand-written-on-raw SQL time (sum of medians): ${(sum("rolledUp") / sum("hand")).toFixed(2)} (target ≤ 0.3)`,
    );
    console.log(
      `compiled-on-raw / hand-written-on-raw SQL time (sum of medians): ${(sum("raw") / sum("hand")).toFixed(2)} (target ≤ 1.2)`,
    );
    console.log(
      `GraphQL dashboard requests with rollups (${withRollups.length}): median ${median(withRollups).toFixed(1)} ms (target ≤ 30), p95 ${percentile(withRollups, 0.95).toFixed(1)} ms`,
    );
    console.log(
      `GraphQL dashboard requests on raw facts (${onRaw.length}): median ${median(onRaw).toFixed(1)} ms (target ≤ 150), p95 ${percentile(onRaw, 0.95).toFixed(1)} ms`,
    );
  } finally {
    await db.close();
    await dropCopy(shop);
  }
}
