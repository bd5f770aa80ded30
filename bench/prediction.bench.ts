import "reflect-metadata";
import os from "node:os";
import { sql } from "drizzle-orm";
import { connect, migrate } from "../src/db/client";
import { Random } from "../src/generator/random";
import { PredictionService } from "../src/prediction/service";
import { freshBenchDatabase } from "./shop";

/**
 * Purchase models (issue 13) on PostgreSQL: 100,000 customers whose purchases are drawn
 * from a BG/NBD process with known parameters and Gamma-Gamma spend, written straight to
 * `orders` in a database of their own. Prints the fit time (summary statement + both
 * maximum-likelihood fits), the scoring throughput of `purchase_scores`, and the fitted
 * parameters beside the ones that generated the data (purchases of one day merge into one
 * transaction, as the model reads them, so the fit need not return the generating values).
 */
const CUSTOMERS = Number(process.env.PREDICTION_BENCH_CUSTOMERS ?? 100_000);
const DATABASE = "stratum_bench_prediction";
const TRUE_BGNBD = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
const TRUE_GAMMA_GAMMA = { p: 6, q: 4, gamma: 15 };
/** Customers arrive over the first 12 weeks of 2025; calibration ends on the last day of 2025. */
const ARRIVAL_DAYS = 84;
const CALIBRATION_END = "2025-12-31";
const OBSERVED_DAYS = 365;
const DAY_MS = 86_400_000;

/** Marsaglia & Tsang's Gamma(shape, scale) sampler (shape < 1 boosted by U^(1/shape)). */
function gamma(random: Random, shape: number, scale: number): number {
  if (shape < 1) return gamma(random, shape + 1, scale) * random.next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = random.normal();
    const v = (1 + c * z) ** 3;
    if (v > 0 && Math.log(random.next()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}

function beta(random: Random, a: number, b: number): number {
  const x = gamma(random, a, 1);
  return x / (x + gamma(random, b, 1));
}

/** Orders of one customer: the first on the arrival day, then Poisson(λ) while alive, dropping out with p after each. */
function* customerOrders(random: Random, id: number): Generator<readonly unknown[]> {
  const lambda = gamma(random, TRUE_BGNBD.r, 1 / TRUE_BGNBD.alpha) / 7; // per day
  const dropout = beta(random, TRUE_BGNBD.a, TRUE_BGNBD.b);
  const nu = gamma(random, TRUE_GAMMA_GAMMA.q, 1 / TRUE_GAMMA_GAMMA.gamma);
  let day = random.int(0, ARRIVAL_DAYS - 1);
  let n = 0;
  const start = Date.UTC(2025, 0, 1);
  for (;;) {
    const value = Math.max(0.01, gamma(random, TRUE_GAMMA_GAMMA.p, 1 / nu));
    const placedAt = new Date(start + Math.floor(day) * DAY_MS - 8 * 3_600_000 + 12 * 3_600_000);
    yield [
      `p-${id}-${n++}`,
      id,
      placedAt.toISOString(),
      "completed",
      value.toFixed(2),
      true,
      placedAt.toISOString(),
    ];
    if (random.chance(dropout)) return;
    day += -Math.log(1 - random.next()) / lambda;
    if (day >= OBSERVED_DAYS) return;
  }
}

export async function run(): Promise<void> {
  const db = await connect({ databaseUrl: await freshBenchDatabase(DATABASE), maxConnections: 2 });
  try {
    await migrate(db);
    const random = new Random(13);
    const orders: (readonly unknown[])[] = [];
    for (let id = 1; id <= CUSTOMERS; id++) orders.push(...customerOrders(random, id));
    await db.query(sql`insert into users (id) select generate_series(1, ${CUSTOMERS}::int)`);
    await db.copyRows(
      "orders",
      ["order_id", "user_id", "placed_at", "status", "total_amount", "counted", "paid_at"],
      orders,
    );
    await db.query(sql`analyze orders`);
    console.log(
      `${CUSTOMERS.toLocaleString()} customers, ${orders.length.toLocaleString()} orders; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );

    const service = new PredictionService(db, "Asia/Shanghai");
    const stages: Record<string, number> = {};
    const started = performance.now();
    const model = await service.fit(
      { key: "bench", calibrationEnd: CALIBRATION_END },
      { name: "bench" },
      (stage) => {
        stages[stage] = performance.now();
      },
    );
    const finished = performance.now();
    const fitSeconds = (stages.score - started) / 1000;
    const scoreSeconds = (finished - stages.score) / 1000;
    const summarySeconds = (stages.bgnbd - started) / 1000;
    console.log(
      `fit: ${fitSeconds.toFixed(2)} s (summary statement ${summarySeconds.toFixed(2)} s, BG/NBD ${((stages.gamma_gamma - stages.bgnbd) / 1000).toFixed(2)} s / ${model.bgnbd.iterations} iterations, Gamma-Gamma ${((stages.score - stages.gamma_gamma) / 1000).toFixed(2)} s / ${model.gammaGamma.iterations} iterations) — target ≤ 10 s: ${fitSeconds <= 10 ? "met" : "MISSED"}`,
    );
    const perSecond = model.customers / scoreSeconds;
    console.log(
      `scoring into purchase_scores: ${model.customers.toLocaleString()} customers in ${scoreSeconds.toFixed(2)} s = ${Math.round(perSecond).toLocaleString()} users/s — target ≥ 50,000/s: ${perSecond >= 50_000 ? "met" : "MISSED"}`,
    );
    const show = (fitted: object, truth: Record<string, number>) =>
      Object.keys(truth)
        .map((k) => `${k} ${((fitted as Record<string, number>)[k]).toFixed(3)} (true ${truth[k]})`)
        .join(", ");
    console.log(`BG/NBD fitted (generating): ${show(model.bgnbd, TRUE_BGNBD)}`);
    console.log(`Gamma-Gamma fitted (generating): ${show(model.gammaGamma, TRUE_GAMMA_GAMMA)}`);
  } finally {
    await db.close();
  }
}
