import "reflect-metadata";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { loadConfig } from "../src/config";
import { connect, migrate } from "../src/db/client";
import { countShopRows, seedShop } from "../src/generator/seed";
import { createServices } from "../src/server/services";

/**
 * The shared benchmark shop: 100,000 people × 90 days (seed 42) in the PostgreSQL
 * database `stratum_bench_shop`, seeded once through ingestion and reused by every
 * benchmark. The `bench_marker` table records the parameters and when seeding
 * finished; a database without a finished marker for these parameters is rebuilt.
 */
export const BENCH_SHOP = {
  users: 100_000,
  days: 90,
  seed: 42,
  /** Fixed, so the bench data never changes; the period is [start, end). */
  end: new Date("2026-11-25T00:00:00Z"),
  start: new Date("2026-08-27T00:00:00Z"),
  database: "stratum_bench_shop",
} as const;

/**
 * A bench shop of `users` people, otherwise the bench shop's parameters, in a database of its
 * own (`stratum_bench_shop_<users>`) unless it is the bench shop itself: `npm run bench tags
 * --users 1000000` builds and keeps one of a million people.
 */
export interface BenchShopSize {
  users: number;
  database: string;
}

export function benchShopOf(users: number): BenchShopSize {
  return {
    users,
    database: users === BENCH_SHOP.users ? BENCH_SHOP.database : `${BENCH_SHOP.database}_${users}`,
  };
}

const markerParams = (shop: BenchShopSize) => ({
  users: shop.users,
  days: BENCH_SHOP.days,
  seed: BENCH_SHOP.seed,
  end: BENCH_SHOP.end.toISOString(),
  /** Bump when the generator changes what it produces, to have the bench shop rebuilt. */
  generator: 1,
});

function serverUrl(): string {
  return (
    process.env.BENCH_DATABASE_URL ||
    process.env.TEST_DATABASE_URL ||
    "postgres://postgres@127.0.0.1:5432/postgres"
  );
}

/** An empty database `name` on the bench server (dropped first if it exists); returns its URL. */
export async function freshBenchDatabase(name: string): Promise<string> {
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A copy `name` of the bench shop (dropped first if it exists), migrated to this tree's schema,
 * for benches that write: the shared shop is never modified. `create database … template` copies
 * files, so it takes seconds, but only while nobody else is connected to the shop: it is retried
 * for up to two minutes.
 */
export async function benchShopCopy(name: string, shop: BenchShopSize = BENCH_SHOP): Promise<string> {
  await ensureBenchShop(shop);
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database ${name} template ${shop.database}`);
        break;
      } catch (error) {
        // 55006: the template is being accessed by other users (another bench reading the shop).
        if ((error as { code?: string }).code !== "55006" || attempt >= 120) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const db = await connect({ databaseUrl: url.toString(), maxConnections: 1, statementTimeoutMs: 600_000 });
  try {
    await migrate(db);
    await db.query(sql`analyze`);
  } finally {
    await db.close();
  }
  return url.toString();
}

/** Drops a database made by `benchShopCopy` or `freshBenchDatabase`. */
export async function dropBenchDatabase(name: string): Promise<void> {
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

function benchShopUrl(shop: BenchShopSize): string {
  const url = new URL(serverUrl());
  url.pathname = `/${shop.database}`;
  return url.toString();
}

/**
 * Returns the URL of the seeded bench shop, migrated to this tree's schema, creating and seeding
 * it first if it is missing or incomplete.
 */
export async function ensureBenchShop(shop: BenchShopSize = BENCH_SHOP): Promise<string> {
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  const session = await admin.reserve();
  try {
    // One seeder at a time: concurrent benchmarks wait here for the first one to finish.
    await session`select pg_advisory_lock(hashtext(${shop.database}))`;
    if (await isComplete(shop)) {
      // Seeded by an older tree: its facts stand, but indexes and tables follow this tree's schema.
      const db = await connect({
        databaseUrl: benchShopUrl(shop),
        maxConnections: 1,
        statementTimeoutMs: 600_000,
      });
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
      return benchShopUrl(shop);
    }
    console.log(`[bench-shop] building ${shop.database} (${shop.users} people × ${BENCH_SHOP.days} days)`);
    await session.unsafe(`drop database if exists ${shop.database} with (force)`);
    await session.unsafe(`create database ${shop.database}`);
    await build(shop);
    return benchShopUrl(shop);
  } finally {
    await session`select pg_advisory_unlock(hashtext(${shop.database}))`;
    session.release();
    await admin.end({ timeout: 5 });
  }
}

async function isComplete(shop: BenchShopSize): Promise<boolean> {
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${shop.database}`;
    if (!exists) return false;
  } finally {
    await admin.end({ timeout: 5 });
  }
  const db = await connect({ databaseUrl: benchShopUrl(shop), maxConnections: 1 });
  try {
    const [row] = await db.query<{ complete: boolean }>(sql`
      select to_regclass('bench_marker') is not null as complete`);
    if (!row.complete) return false;
    const done = await db.query(sql`
      select 1 from bench_marker where params = ${JSON.stringify(markerParams(shop))}::jsonb and completed_at is not null`);
    return done.length > 0;
  } finally {
    await db.close();
  }
}

async function build(shop: BenchShopSize): Promise<void> {
  const db = await connect({
    databaseUrl: benchShopUrl(shop),
    maxConnections: 4,
    statementTimeoutMs: 600_000,
  });
  try {
    await migrate(db);
    await db.query(sql`
      create table bench_marker (params jsonb primary key, started_at timestamptz not null default now(),
        completed_at timestamptz, elapsed_ms bigint, row_counts jsonb)`);
    await db.query(
      sql`insert into bench_marker (params) values (${JSON.stringify(markerParams(shop))}::jsonb)`,
    );
    const services = createServices(db, loadConfig());
    const started = Date.now();
    const result = await seedShop(
      services,
      { users: shop.users, days: BENCH_SHOP.days, seed: BENCH_SHOP.seed, end: BENCH_SHOP.end },
      (progress) => {
        if (progress.day % 5 === 0 || progress.day === progress.days) {
          const seconds = ((Date.now() - started) / 1000).toFixed(0);
          console.log(
            `[bench-shop] day ${progress.day}/${progress.days} after ${seconds} s: ${JSON.stringify(progress.sent)}`,
          );
        }
      },
    );
    if (result.rejectedCount > 0) {
      throw new Error(
        `ingestion rejected ${result.rejectedCount} items: ${JSON.stringify(result.rejections)}`,
      );
    }
    await db.query(sql`analyze`);
    const rows = await countShopRows(db);
    await db.query(sql`
      update bench_marker set completed_at = now(), elapsed_ms = ${result.elapsedMs},
        row_counts = ${JSON.stringify(rows)}::jsonb
      where params = ${JSON.stringify(markerParams(shop))}::jsonb`);
    console.log(`[bench-shop] seeded in ${(result.elapsedMs / 1000).toFixed(1)} s`);
    console.log(`[bench-shop] sent ${JSON.stringify(result.sent)}; rows ${JSON.stringify(rows)}`);
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  ensureBenchShop()
    .then((url) => console.log(url))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
