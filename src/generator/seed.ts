import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import {
  type EventInput,
  type IdentifyInput,
  type IngestResult,
  MAX_BATCH_SIZE,
  type OrderInput,
  type ProductInput,
  type RejectedItem,
} from "../ingest/contract";
import { EVENT_CHUNK } from "../ingest/load";
import type { IngestOptions } from "../ingest/service";
import { generateShop, type ResolvedShopOptions, type ShopOptions } from "./shop";

/** `npm start` and `stratum seed` without options: a shop that loads in seconds and has a story. */
export const DEFAULT_SHOP = { users: 2_000, days: 60, seed: 42 } as const;

/** The ingestion calls the seeder makes: the same service the API and the loaders use. */
export interface ShopIngest {
  upsertProducts(products: readonly ProductInput[]): Promise<IngestResult>;
  identifyMany(inputs: readonly IdentifyInput[], options?: IngestOptions): Promise<IngestResult>;
  track(events: readonly EventInput[], options?: IngestOptions): Promise<IngestResult>;
  /** `track` in chunks of up to `MAX_BULK_CHUNK` events, written with COPY: the bulk path. */
  trackBulk(events: readonly EventInput[], options?: IngestOptions): Promise<IngestResult>;
  recordOrders(orders: readonly OrderInput[], options?: IngestOptions): Promise<IngestResult>;
}

/**
 * How every seeding write is made: the real-time audiences are not evaluated per batch, because
 * whoever seeds refreshes every definition once the data is written (`seedDemo` does).
 */
export const SEED_WRITES: IngestOptions = { realtime: false };

export interface SeedServices {
  ingest: ShopIngest;
}

export interface SentCounts {
  products: number;
  identifies: number;
  events: number;
  /** Order records: new orders and their later status updates. */
  orders: number;
}

export interface SeedProgress {
  /** Days written so far, of `days`. */
  day: number;
  days: number;
  date: Date;
  sent: SentCounts;
}

export interface SeedResult {
  options: ResolvedShopOptions;
  sent: SentCounts;
  /** Summed over every batch, as ingestion answered. */
  accepted: number;
  updated: number;
  duplicates: number;
  rejectedCount: number;
  /** The first rejections (the generator should never produce any), with the batch they were in. */
  rejections: Array<RejectedItem & { kind: keyof SentCounts }>;
  elapsedMs: number;
}

const KEPT_REJECTIONS = 20;

/**
 * Generates the demo shop and writes it through ingestion, day by day: products first, then
 * each day's identify calls, events and orders, in batches of at most MAX_BATCH_SIZE, except
 * events, which take the bulk path of `stratum load` (chunks of EVENT_CHUNK, written with
 * COPY). Memory stays at one day of data whatever the number of days.
 */
export async function seedShop(
  services: SeedServices,
  options: ShopOptions,
  onProgress?: (progress: SeedProgress) => void,
): Promise<SeedResult> {
  const started = Date.now();
  const shop = generateShop(options);
  const sent: SentCounts = { products: 0, identifies: 0, events: 0, orders: 0 };
  const result: SeedResult = {
    options: shop.options,
    sent,
    accepted: 0,
    updated: 0,
    duplicates: 0,
    rejectedCount: 0,
    rejections: [],
    elapsedMs: 0,
  };
  const write = async <T>(
    kind: keyof SentCounts,
    items: readonly T[],
    call: (batch: readonly T[]) => Promise<IngestResult>,
    batchSize = MAX_BATCH_SIZE,
  ) => {
    for (let offset = 0; offset < items.length; offset += batchSize) {
      const batch = items.slice(offset, offset + batchSize);
      const answer = await call(batch);
      sent[kind] += batch.length;
      result.accepted += answer.accepted;
      result.updated += answer.updated;
      result.duplicates += answer.duplicates;
      result.rejectedCount += answer.rejected.length;
      for (const rejection of answer.rejected.slice(0, KEPT_REJECTIONS - result.rejections.length)) {
        result.rejections.push({ ...rejection, index: offset + rejection.index, kind });
      }
    }
  };

  const { ingest } = services;
  await write("products", shop.products, (batch) => ingest.upsertProducts(batch));
  for (const day of shop.days()) {
    await write("identifies", day.identifies, (batch) => ingest.identifyMany(batch, SEED_WRITES));
    await write("events", day.events, (batch) => ingest.trackBulk(batch, SEED_WRITES), EVENT_CHUNK);
    await write("orders", day.orders, (batch) => ingest.recordOrders(batch, SEED_WRITES));
    onProgress?.({ day: day.day + 1, days: shop.options.days, date: day.date, sent: { ...sent } });
  }
  result.elapsedMs = Date.now() - started;
  return result;
}

/** True when nothing was ever ingested: `npm start` seeds only such a database. */
export async function isDatabaseEmpty(db: Database): Promise<boolean> {
  const [row] = await db.query<{ empty: boolean }>(sql`
    select not exists (select 1 from users) and not exists (select 1 from events)
      and not exists (select 1 from orders) and not exists (select 1 from products) as empty`);
  return row.empty;
}

export interface ShopRowCounts {
  users: number;
  activeUsers: number;
  identities: number;
  userMerges: number;
  events: number;
  products: number;
  orders: number;
  countedOrders: number;
  orderItems: number;
}

/** Row counts of the CDP tables, printed after seeding. */
export async function countShopRows(db: Database): Promise<ShopRowCounts> {
  const [row] = await db.query<{ [K in keyof ShopRowCounts]: number }>(sql`
    select
      (select count(*) from users)::int8 as "users",
      (select count(*) from users where merged_into is null)::int8 as "activeUsers",
      (select count(*) from identities)::int8 as "identities",
      (select count(*) from user_merges)::int8 as "userMerges",
      (select count(*) from events)::int8 as "events",
      (select count(*) from products)::int8 as "products",
      (select count(*) from orders)::int8 as "orders",
      (select count(*) from orders where counted)::int8 as "countedOrders",
      (select count(*) from order_items)::int8 as "orderItems"`);
  return row;
}
