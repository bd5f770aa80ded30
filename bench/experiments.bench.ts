import "reflect-metadata";
import { sql } from "drizzle-orm";
import { connect, migrate } from "../src/db/client";
import { assignVariant } from "../src/experiments/assignment";
import { ExperimentResultsService } from "../src/experiments/results";
import type { ExperimentDefinition } from "../src/experiments/types";
import { freshBenchDatabase } from "./shop";

/**
 * `experimentResults` over 100,000 exposed units on PostgreSQL (target ≤ 1 s): every user
 * gets one to three `experiment_viewed` events in the variant GrowthBook's hash gives it,
 * and about a third place counted orders after exposure, in a database of its own.
 */
const UNITS = Number(process.env.EXPERIMENT_BENCH_UNITS ?? 100_000);
const DATABASE = "stratum_bench_experiments";
const TARGET_MS = 1000;

const DEFINITION: ExperimentDefinition = {
  key: "bench-checkout",
  name: "Benchmark checkout",
  variants: [
    { key: "control", weight: 0.5 },
    { key: "treatment", weight: 0.5 },
  ],
  primaryMetric: "buyers",
  metrics: ["gmv", "orders"],
  segment: null,
  start: new Date("2026-03-01T00:00:00Z"),
  end: new Date("2026-04-01T00:00:00Z"),
  seed: "bench-checkout",
  minimumDetectableEffect: 0.02,
};

export async function run(): Promise<void> {
  const db = await connect({ databaseUrl: await freshBenchDatabase(DATABASE), maxConnections: 2 });
  try {
    await migrate(db);
    await db.query(sql`insert into users (id) select generate_series(1, ${UNITS}::int)`);
    const events: (readonly unknown[])[] = [];
    const orders: (readonly unknown[])[] = [];
    const day = 86_400_000;
    const start = DEFINITION.start!.getTime();
    for (let id = 1; id <= UNITS; id++) {
      const variant = assignVariant(DEFINITION.seed, String(id), DEFINITION.variants).variant!;
      const properties = JSON.stringify({ experiment_id: DEFINITION.key, variation_id: variant });
      const exposedAt = start + (id % 20) * day;
      for (let n = 0; n <= id % 3; n++)
        events.push([
          id,
          `x-${id}-${n}`,
          "experiment_viewed",
          new Date(exposedAt + n * 3_600_000).toISOString(),
          properties,
        ]);
      if (id % 3 === 0 || (variant === "treatment" && id % 10 === 1))
        orders.push([
          `o-${id}`,
          id,
          new Date(exposedAt + day).toISOString(),
          "paid",
          (20 + (id % 50)).toFixed(2),
          true,
        ]);
    }
    await db.copyRows("events", ["user_id", "message_id", "name", "ts", "properties"], events);
    await db.copyRows(
      "orders",
      ["order_id", "user_id", "placed_at", "status", "total_amount", "counted"],
      orders,
    );
    await db.query(sql`analyze`);
    const service = new ExperimentResultsService(db, async () => DEFINITION);
    await service.results(DEFINITION.key);
    const began = performance.now();
    const results = await service.results(DEFINITION.key);
    const elapsed = performance.now() - began;
    const cupedBegan = performance.now();
    await service.results(DEFINITION.key, null, true);
    const cupedElapsed = performance.now() - cupedBegan;
    const [control, treatment] = results.variants;
    console.log(
      `experimentResults over ${UNITS.toLocaleString("en")} units (${events.length.toLocaleString("en")} exposures, ${orders.length.toLocaleString("en")} orders): ${elapsed.toFixed(0)} ms (target ≤ ${TARGET_MS} ms) ${elapsed <= TARGET_MS ? "OK" : "SLOW"}`,
    );
    console.log(
      `  with CUPED (pre-period covariates): ${cupedElapsed.toFixed(0)} ms, ${(cupedElapsed / elapsed).toFixed(2)}× the plain statement`,
    );
    console.log(
      `  control ${control.units} units, rate ${control.conversionRate?.toFixed(4)}; treatment ${treatment.units} units, rate ${treatment.conversionRate?.toFixed(4)}, p ${treatment.pValue?.toExponential(2)}; SRM p ${results.srm.pValue.toFixed(3)}`,
    );
  } finally {
    await db.close();
  }
}
