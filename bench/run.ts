import "reflect-metadata";
import { readdirSync } from "node:fs";
import path from "node:path";

/**
 * `npm run bench`: runs every `bench/*.bench.ts` in name order (or those named on the
 * command line); each prints its own figures and targets.
 */
async function main() {
  // Request logs would bury the figures; the logger reads LOG_LEVEL when first imported (below).
  process.env.LOG_LEVEL ??= "warn";
  // Bench names (prefixes), and `--users N`: the shop size for benches that take one (tags).
  const args = process.argv.slice(2);
  const only: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--users") process.env.BENCH_USERS = args[++i];
    else if (args[i].startsWith("--users=")) process.env.BENCH_USERS = args[i].slice("--users=".length);
    else only.push(args[i]);
  }
  const files = readdirSync(__dirname)
    .filter((file) => file.endsWith(".bench.ts"))
    .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
    .sort();
  for (const file of files) {
    console.log(`\n=== ${file} ===`);
    const module = (await import(path.join(__dirname, file))) as { run: () => Promise<void> };
    await module.run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
