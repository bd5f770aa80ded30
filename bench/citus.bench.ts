import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { sql } from "drizzle-orm";
import type { FunnelDefinition } from "../src/analytics/compile/funnel";
import { AnalyticsService } from "../src/analytics/service";
import { loadConfig } from "../src/config";
import { distributeForCitus } from "../src/db/citus";
import { createCitusDatabase, dropCitusDatabase } from "../src/db/citus-cluster";
import { connect, type Database, migrate } from "../src/db/client";
import { seedShop } from "../src/generator/seed";
import { compileMetricQuery } from "../src/semantic/metrics/compile";
import { createServices } from "../src/server/services";
import { QUERIES, tuples } from "./metrics.bench";
import { BENCH_SHOP, freshBenchDatabase } from "./shop";
import { medianMs } from "./timing";

/**
 * `BENCH_CITUS=1 npm run bench citus`: the metrics dashboard of `metrics.bench.ts` (compiled on
 * the raw facts) and the 4-step funnel of `analytics.bench.ts` on a local Citus cluster (a
 * coordinator and two workers, `../shared/citus/cluster.sh`, started and stopped here) beside
 * single-node PostgreSQL, on the same small shop seeded into both through ingestion: by default
 * 5,000 people × 30 days ending where the bench shop ends (BENCH_CITUS_USERS, BENCH_CITUS_DAYS),
 * so it seeds in a few minutes — not the 100k shop. Every answer on the cluster is compared with
 * the single node's before timing; a statement the cluster refuses or answers differently is
 * reported as such instead of timed. One machine holds all three nodes, so the ratio shows the
 * cost of distribution here, not the speed-up of real workers.
 */
const RUNS = 5;
const TZ = "Asia/Shanghai";

function citusScripts(): string {
  const beside = path.resolve(__dirname, "../../shared/citus");
  return process.env.STRATUM_CITUS_DIR ?? (existsSync(beside) ? beside : "/work/shared/citus");
}

async function seeded(databaseUrl: string, options: { users: number; days: number }): Promise<Database> {
  const db = await connect({ databaseUrl, maxConnections: 4, statementTimeoutMs: 600_000 });
  const started = Date.now();
  const result = await seedShop(createServices(db, loadConfig()), {
    ...options,
    seed: BENCH_SHOP.seed,
    end: BENCH_SHOP.end,
  });
  if (result.rejectedCount > 0) throw new Error(`ingestion rejected ${result.rejectedCount} items`);
  await db.query(sql`analyze`);
  console.log(`  seeded ${new URL(databaseUrl).host} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return db;
}

interface Case {
  name: string;
  run: (db: Database) => Promise<unknown>;
}

export async function run(): Promise<void> {
  if (process.env.BENCH_CITUS !== "1") {
    console.log("skipped: set BENCH_CITUS=1 (builds Citus if needed, needs root; starts a local cluster)");
    return;
  }
  const options = {
    users: Number(process.env.BENCH_CITUS_USERS ?? 5_000),
    days: Number(process.env.BENCH_CITUS_DAYS ?? 30),
  };
  const scripts = citusScripts();
  execFileSync("bash", [path.join(scripts, "build.sh")], { stdio: "inherit" });
  const coordinator = execFileSync("bash", [path.join(scripts, "cluster.sh"), "start"])
    .toString()
    .trim();
  const name = "stratum_bench_citus";
  let single: Database | undefined;
  let cluster: Database | undefined;
  try {
    console.log(`shop: ${options.users} people × ${options.days} days (seed ${BENCH_SHOP.seed}), into both`);
    const singleUrl = await freshBenchDatabase(name);
    const schema = await connect({ databaseUrl: singleUrl, maxConnections: 1 });
    await migrate(schema);
    await schema.close();
    single = await seeded(singleUrl, options);
    await dropCitusDatabase(coordinator, name);
    const clusterUrl = await createCitusDatabase(coordinator, name);
    const layout = await connect({ databaseUrl: clusterUrl, maxConnections: 1 });
    await migrate(layout);
    await distributeForCitus(layout);
    await layout.close();
    cluster = await seeded(clusterUrl, options);

    const funnel: FunnelDefinition = {
      steps: ["product_view", "add_to_cart", "checkout_start", "order_paid"].map((event) => ({ event })),
      timeRange: {
        from: new Date(BENCH_SHOP.end.getTime() - 30 * 86_400_000).toISOString(),
        to: BENCH_SHOP.end.toISOString(),
      },
      timezone: TZ,
    };
    const cases: Case[] = [
      ...QUERIES.map((query) => ({
        name: `metrics: ${query.name}`,
        run: (db: Database) => db.analyticalQuery(compileMetricQuery(query.ir).statement),
      })),
      {
        name: "funnel: product_view → add_to_cart → checkout_start → order_paid, 30 days",
        run: async (db: Database) =>
          (await new AnalyticsService(db, TZ).funnel(funnel)).steps.map((s) => s.count),
      },
    ];
    const load = os.loadavg().map((value) => value.toFixed(1));
    console.log(
      `median of ${RUNS} runs after a warm-up; load average ${load.join(" ")} on ${os.cpus().length} CPUs`,
    );
    console.log("case | PostgreSQL ms | Citus ms | Citus / PostgreSQL");
    for (const benchCase of cases) {
      const expected = await benchCase.run(single);
      // The database's own message (drizzle wraps it in "Failed query: …" as the cause).
      const answer = await benchCase
        .run(cluster)
        .catch((error: Error & { cause?: Error }) => error.cause ?? error);
      if (answer instanceof Error) {
        console.log(`${benchCase.name} | — | fails: ${answer.message.split("\n")[0].slice(0, 120)} | —`);
        continue;
      }
      const same =
        Array.isArray(expected) && expected.length > 0 && typeof expected[0] === "object"
          ? isDeepStrictEqual(tuples(expected as never), tuples(answer as never))
          : isDeepStrictEqual(expected, answer);
      if (!same) {
        console.log(
          `${benchCase.name} | — | answers differently: ${JSON.stringify(answer).slice(0, 80)} vs ${JSON.stringify(expected).slice(0, 80)} | —`,
        );
        continue;
      }
      const singleMs = await medianMs(() => benchCase.run(single as Database), RUNS);
      const clusterMs = await medianMs(() => benchCase.run(cluster as Database), RUNS);
      console.log(
        `${benchCase.name} | ${singleMs.toFixed(0)} | ${clusterMs.toFixed(0)} | ${(clusterMs / singleMs).toFixed(2)}`,
      );
    }
  } finally {
    await single?.close();
    await cluster?.close();
    execFileSync("bash", [path.join(scripts, "cluster.sh"), "stop"]);
  }
}
