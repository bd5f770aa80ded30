import "reflect-metadata";
import os from "node:os";
import { AnalyticsService } from "../src/analytics/service";
import { connect } from "../src/db/client";
import { BENCH_SHOP, ensureBenchShop } from "./shop";
import { medianMs } from "./timing";

/**
 * Behaviour analytics (issue 6) on the bench shop (PostgreSQL, 100,000 people × 90 days):
 * a 4-step funnel over 30 days, 12-week retention, 5-step paths over 30 days and RFM.
 * Each query runs once to warm the cache, then RUNS times; the median is compared with
 * its target.
 */
const RUNS = Number(process.env.ANALYTICS_BENCH_RUNS ?? 3);
const DAY_MS = 86_400_000;

const daysBeforeEnd = (days: number) => new Date(BENCH_SHOP.end.getTime() - days * DAY_MS).toISOString();

const median = (run: () => Promise<unknown>) => medianMs(run, RUNS);

export async function run(): Promise<void> {
  const url = await ensureBenchShop();
  const db = await connect({ databaseUrl: url, maxConnections: 2, statementTimeoutMs: 120_000 });
  const analytics = new AnalyticsService(db, "Asia/Shanghai");
  const lastDays = (days: number) => ({ from: daysBeforeEnd(days), to: BENCH_SHOP.end.toISOString() });
  try {
    const cases: Array<{ name: string; targetMs: number; run: () => Promise<string> }> = [
      {
        name: "funnel: product_view → add_to_cart → checkout_start → order_paid, 30 days, 14-day window",
        targetMs: 2000,
        run: async () => {
          const result = await analytics.funnel({
            steps: ["product_view", "add_to_cart", "checkout_start", "order_paid"].map((event) => ({
              event,
            })),
            timeRange: lastDays(30),
          });
          return result.steps.map((step) => step.count).join(" → ");
        },
      },
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
        name: "paths: 5 steps from page_view, 30 days, 30-minute sessions",
        targetMs: 3000,
        run: async () => {
          const result = await analytics.paths({
            startEvent: "page_view",
            maxSteps: 5,
            timeRange: lastDays(30),
          });
          return `${result.nodes.length} nodes, ${result.links.length} links`;
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
    // Latency depends on what else the machine runs; the load average puts the figures in context.
    const load = os.loadavg().map((value) => value.toFixed(1));
    console.log(
      `runs per query: ${RUNS} after one warm-up; median latency; load average ${load.join(" ")} on ${os.cpus().length} CPUs`,
    );
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
