import "reflect-metadata";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { type SQL, sql } from "drizzle-orm";
import { compileFunnel, type FunnelDefinition } from "../src/analytics/compile/funnel";
import { compilePaths, type PathsDefinition } from "../src/analytics/compile/paths";
import { AnalyticsService } from "../src/analytics/service";
import { connect, type Database } from "../src/db/client";
import { BENCH_SHOP, ensureBenchShop } from "./shop";
import { medianMs } from "./timing";

/**
 * Behaviour analytics (issues 6 and 18) on the bench shop (PostgreSQL, 100,000 people × 90
 * days): a 4-step funnel over 30 days, 12-week retention, 5-step paths over 30 days and RFM.
 * Each query runs once to warm the cache, then RUNS times; the median is compared with
 * its target. The funnel and the paths also run the statement compiled before issue 18
 * (`analytics-baseline/*.sql`), alternating run by run with today's so both see the same
 * load; the bench checks both return the same rows and prints today's / before.
 */
const RUNS = Number(process.env.ANALYTICS_BENCH_RUNS ?? 3);
const DAY_MS = 86_400_000;

const daysBeforeEnd = (days: number) => new Date(BENCH_SHOP.end.getTime() - days * DAY_MS).toISOString();

const median = (run: () => Promise<unknown>) => medianMs(run, RUNS);

const TIMEZONE = "Asia/Shanghai";

function baselineStatement(name: "funnel" | "paths"): SQL {
  return sql.raw(readFileSync(path.join(__dirname, "analytics-baseline", `${name}.sql`), "utf8"));
}

/** Medians of `current` and `baseline`, run alternately after one warm-up each. */
async function alternatingMedians(
  current: () => Promise<unknown>,
  baseline: () => Promise<unknown>,
): Promise<{ currentMs: number; baselineMs: number }> {
  await current();
  await baseline();
  const times: { current: number[]; baseline: number[] } = { current: [], baseline: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const [key, run] of [
      ["current", current],
      ["baseline", baseline],
    ] as const) {
      const started = performance.now();
      await run();
      times[key].push(performance.now() - started);
    }
  }
  const middle = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { currentMs: middle(times.current), baselineMs: middle(times.baseline) };
}

/**
 * Throws unless today's statement and the baseline return the same rows, read on the baseline's
 * columns: today's funnel also returns time-to-convert bins (`ttc<k>`), which the baseline predates.
 */
async function assertSameRows(db: Database, name: string, current: SQL, baseline: SQL): Promise<void> {
  const [now, before] = await Promise.all([db.analyticalQuery(current), db.analyticalQuery(baseline)]);
  const onBaselineColumns = now.map((row, i) =>
    Object.fromEntries(Object.keys(before[i] ?? row).map((column) => [column, row[column]])),
  );
  if (now.length !== before.length || !isDeepStrictEqual(onBaselineColumns, before)) {
    throw new Error(`${name}: today's statement and the baseline return different rows`);
  }
}

export async function run(): Promise<void> {
  const url = await ensureBenchShop();
  const db = await connect({ databaseUrl: url, maxConnections: 2, statementTimeoutMs: 120_000 });
  const analytics = new AnalyticsService(db, TIMEZONE);
  const lastDays = (days: number) => ({ from: daysBeforeEnd(days), to: BENCH_SHOP.end.toISOString() });
  const funnel: Omit<FunnelDefinition, "timezone"> = {
    steps: ["product_view", "add_to_cart", "checkout_start", "order_paid"].map((event) => ({ event })),
    timeRange: lastDays(30),
  };
  const paths: Omit<PathsDefinition, "timezone"> = {
    startEvent: "page_view",
    maxSteps: 5,
    timeRange: lastDays(30),
  };
  try {
    // Latency depends on what else the machine runs; the load average puts the figures in context.
    const load = os.loadavg().map((value) => value.toFixed(1));
    console.log(
      `runs per query: ${RUNS} after one warm-up; median latency; load average ${load.join(" ")} on ${os.cpus().length} CPUs`,
    );
    const compared: Array<{
      name: string;
      targetMs: number;
      run: () => Promise<string>;
      statement: SQL;
      baseline: SQL;
    }> = [
      {
        name: "funnel: product_view → add_to_cart → checkout_start → order_paid, 30 days, 14-day window",
        targetMs: 500,
        run: async () => {
          const result = await analytics.funnel(funnel);
          return result.steps.map((step) => step.count).join(" → ");
        },
        statement: compileFunnel({ ...funnel, timezone: TIMEZONE }).statement,
        baseline: baselineStatement("funnel"),
      },
      {
        name: "paths: 5 steps from page_view, 30 days, 30-minute sessions",
        targetMs: 1000,
        run: async () => {
          const result = await analytics.paths(paths);
          return `${result.nodes.length} nodes, ${result.links.length} links`;
        },
        statement: compilePaths({ ...paths, timezone: TIMEZONE }).statement,
        baseline: baselineStatement("paths"),
      },
    ];
    for (const benchCase of compared) {
      await assertSameRows(db, benchCase.name, benchCase.statement, benchCase.baseline);
      let summary = "";
      const { currentMs, baselineMs } = await alternatingMedians(
        async () => {
          summary = await benchCase.run();
        },
        () => db.analyticalQuery(benchCase.baseline),
      );
      const ratio = currentMs / benchCase.targetMs;
      console.log(
        `${benchCase.name}: ${currentMs.toFixed(0)} ms (target ≤ ${benchCase.targetMs} ms, ratio ${ratio.toFixed(2)}${ratio <= 1 ? ", ok" : ", OVER"}); ` +
          `before issue 18 ${baselineMs.toFixed(0)} ms, today / before ${(currentMs / baselineMs).toFixed(2)}, same rows — ${summary}`,
      );
    }
    const cases: Array<{ name: string; targetMs: number; run: () => Promise<string> }> = [
      {
        name: "retention: page_view → page_view, 12 weekly cohorts × 12 periods, first time",
        targetMs: 2000,
        run: async () => {
          const result = await analytics.retention({
            startEvent: "page_view",
            returnEvent: "page_view",
            period: "WEEK",
            periods: 12,
            timeRange: lastDays(84),
          });
          const week1 = result.average.percentages[1];
          return `${result.cohorts.length} cohorts, week-1 average ${week1 === null ? "–" : (week1 * 100).toFixed(1)}%`;
        },
      },
      {
        name: "rfm: as of the shop's end, 365-day lookback",
        targetMs: 2000,
        run: async () => {
          const result = await analytics.rfm({ asOf: BENCH_SHOP.end });
          return `${result.customers} customers`;
        },
      },
    ];
    for (const benchCase of cases) {
      let summary = "";
      const ms = await median(async () => {
        summary = await benchCase.run();
      });
      const ratio = ms / benchCase.targetMs;
      console.log(
        `${benchCase.name}: ${ms.toFixed(0)} ms (target ≤ ${benchCase.targetMs} ms, ratio ${ratio.toFixed(2)}${ratio <= 1 ? ", ok" : ", OVER"}) — ${summary}`,
      );
    }
  } finally {
    await db.close();
  }
}
