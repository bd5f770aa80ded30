import "reflect-metadata";
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import path from "node:path";
import { BENCH_SHOP, dropBenchDatabase, freshBenchDatabase } from "./shop";

/**
 * `stratum seed --users 100000 --days 90` (issue 18: ≤ 3 min) into an empty PostgreSQL database
 * of its own, through the CLI as a user runs it: the shop written through the bulk ingestion
 * path, then the example shopper, definitions, demo campaign, refreshes and recommendations.
 * Prints the wall time of the whole command beside the time the command reports for seeding.
 */
const TARGET_SECONDS = 180;
const DATABASE = "stratum_bench_seed";
const USERS = Number(process.env.SEED_BENCH_USERS ?? BENCH_SHOP.users);
const DAYS = Number(process.env.SEED_BENCH_DAYS ?? BENCH_SHOP.days);

export async function run(): Promise<void> {
  const url = await freshBenchDatabase(DATABASE);
  const load = loadavg().map((n) => n.toFixed(1));
  try {
    const started = performance.now();
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          path.join(__dirname, "..", "bin", "stratum.js"),
          "seed",
          `--users=${USERS}`,
          `--days=${DAYS}`,
          `--end=${BENCH_SHOP.end.toISOString().slice(0, 10)}`,
        ],
        {
          env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: "warn" },
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      let stdout = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.on("error", reject);
      child.on("exit", (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`stratum seed exited with ${code}`)),
      );
    });
    const seconds = (performance.now() - started) / 1000;
    const summary = output.split("\n").find((line) => line.startsWith("Seeded")) ?? "";
    console.log(`load average at start ${load.join(" ")}`);
    console.log(summary);
    console.log(
      `stratum seed --users ${USERS} --days ${DAYS}: ${seconds.toFixed(1)} s wall, start to exit (target ≤ ${TARGET_SECONDS} s: ${seconds <= TARGET_SECONDS ? "met" : "NOT met"}, ${(seconds / TARGET_SECONDS).toFixed(2)}×)`,
    );
  } finally {
    await dropBenchDatabase(DATABASE);
  }
}
