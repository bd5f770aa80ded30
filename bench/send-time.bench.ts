import "reflect-metadata";
import { sql } from "drizzle-orm";
import { loadConfig } from "../src/config";
import { connect } from "../src/db/client";
import { SendTimeService } from "../src/personalisation/send-time";
import { BENCH_SHOP, ensureBenchShop } from "./shop";
import { medianMs } from "./timing";

/**
 * Best send times (issue 14) on the 100,000-people bench shop, computed on the fly with the
 * default configuration: `sendTimeDistribution` (every active user's best hour, one statement),
 * a page of 100 users' `bestSendTime` (the loader's one statement, with the population's bins
 * counted before, as they are once per PRIOR_TTL_MS, and the first page that counts them), and `evaluateSendTime` with
 * the last 30 days held out. Each is run once to warm the cache, then timed as the median of 3.
 */
const RUNS = 3;

const median = (run: () => Promise<unknown>) => medianMs(run, RUNS);

export async function run(): Promise<void> {
  const url = await ensureBenchShop();
  const db = await connect({ databaseUrl: url, maxConnections: 2, statementTimeoutMs: 120_000 });
  try {
    const config = loadConfig({});
    const service = new SendTimeService(db, config.sendTime, config.timezone);
    const [{ activity }] = await db.query<{ activity: number }>(
      sql`select count(*)::int as activity from events where name in (${sql.join(
        config.sendTime.events.map((name) => sql`${name}::text`),
        sql`, `,
      )})`,
    );
    const ids = (
      await db.query<{ id: number }>(
        sql`select id from users where merged_into is null order by id offset 5000 limit 100`,
      )
    ).map((row) => Number(row.id));
    let distribution = await service.distribution();
    const distributionMs = await median(async () => {
      distribution = await service.distribution();
    });
    // A fresh service counts the population's bins on its first page, then reuses them for PRIOR_TTL_MS.
    const cold = new SendTimeService(db, config.sendTime, config.timezone);
    const began = performance.now();
    await cold.bestOf(ids);
    const coldMs = performance.now() - began;
    const pageMs = await median(() => service.bestOf(ids));
    const split = new Date(BENCH_SHOP.end.getTime() - 30 * 86_400_000);
    let evaluation = await service.evaluate(split);
    const evaluateMs = await median(async () => {
      evaluation = await service.evaluate(split);
    });
    console.log(
      `activity events: ${activity.toLocaleString("en")}, prior strength ${config.sendTime.priorStrength}`,
    );
    console.log(
      `sendTimeDistribution over ${distribution.users.toLocaleString("en")} users: ${distributionMs.toFixed(0)} ms`,
    );
    console.log(
      `bestSendTime for a page of ${ids.length} users: ${pageMs.toFixed(0)} ms (the first page after the prior expires: ${coldMs.toFixed(0)} ms)`,
    );
    console.log(
      `evaluateSendTime (last 30 days held out, ${evaluation.users.toLocaleString("en")} users): ${evaluateMs.toFixed(0)} ms; ` +
        `hit rate ${(evaluation.hitRate * 100).toFixed(2)} % vs baseline ${(evaluation.baselineHitRate * 100).toFixed(2)} %, ` +
        `hour of day ${(evaluation.localHourHitRate * 100).toFixed(2)} % vs ${(evaluation.baselineLocalHourHitRate * 100).toFixed(2)} %`,
    );
  } finally {
    await db.close();
  }
}
