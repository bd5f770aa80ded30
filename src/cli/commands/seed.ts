import { Presets, SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../../config";
import { seedDemo } from "../../generator/demo";
import { countShopRows, DEFAULT_SHOP, type SeedResult } from "../../generator/seed";
import { DAY_MS } from "../../generator/shop";
import { openRuntime } from "../../server/runtime";

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError("not an integer");
  return parsed;
}

function utcDate(value: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError("expected YYYY-MM-DD");
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError("not a date");
  return date;
}

export function registerSeed(program: Command): void {
  program
    .command("seed")
    .description(
      "generate the deterministic demo shop and write it through ingestion, with the example shopper, tags and segments",
    )
    .option("--users <n>", "people in the shop", integer, DEFAULT_SHOP.users)
    .option("--days <n>", "days of history, ending at --end", integer, DEFAULT_SHOP.days)
    .option("--seed <n>", "random seed: the same seed gives the same shop", integer, DEFAULT_SHOP.seed)
    .option("--end <date>", "exclusive end day, YYYY-MM-DD (UTC); default today")
    .action(async (options: { users: number; days: number; seed: number; end?: string }) => {
      const end = options.end === undefined ? undefined : utcDate(options.end);
      const services = await openRuntime(loadConfig());
      const bar = new SingleBar(
        {
          format:
            "seeding |{bar}| day {value}/{total} | {events} events | {orders} order records | {duration_formatted}",
          stream: process.stderr,
          hideCursor: true,
          // Logs and CI are not terminals: print a progress line every 10 s there.
          noTTYOutput: true,
          notTTYSchedule: 10_000,
        },
        Presets.shades_classic,
      );
      try {
        bar.start(options.days, 0, { events: 0, orders: 0 });
        const result = await seedDemo(
          services,
          { users: options.users, days: options.days, seed: options.seed, end },
          (progress) =>
            bar.update(progress.day, { events: progress.sent.events, orders: progress.sent.orders }),
        );
        bar.stop();
        printSummary(result, await countShopRows(services.db), services.db.kind);
        if (result.rejectedCount > 0) process.exitCode = 1;
      } finally {
        bar.stop();
        await services.db.close();
      }
    });
}

function printSummary(
  result: SeedResult,
  rows: Awaited<ReturnType<typeof countShopRows>>,
  database: string,
): void {
  const { options, sent } = result;
  const day = (date: Date) => date.toISOString().slice(0, 10);
  console.log(
    `Seeded ${options.users} people over ${options.days} days ` +
      `(${day(options.start)} to ${day(new Date(options.end.getTime() - DAY_MS))}, ` +
      `seed ${options.seed}) on ${database} in ${(result.elapsedMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `Sent: ${sent.products} products, ${sent.identifies} identify calls, ${sent.events} events, ` +
      `${sent.orders} order records (accepted ${result.accepted}, updated ${result.updated}, ` +
      `duplicates ${result.duplicates}, rejected ${result.rejectedCount})`,
  );
  console.table(rows);
  for (const rejection of result.rejections) {
    console.error(`rejected ${rejection.kind}[${rejection.index}] ${rejection.code}: ${rejection.message}`);
  }
}
