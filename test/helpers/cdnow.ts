import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, readFileSync } from "node:fs";
import { rename } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client";
import { type LoadSummary, loadFile } from "../../src/ingest/load";
import { IngestService } from "../../src/ingest/service";

/** The CDNOW purchase log: `customer_id date(YYYYMMDD) number_of_cds dollar_value`, one purchase per line. */
export const CDNOW_MASTER = path.resolve(__dirname, "../fixtures/cdnow/CDNOW_master.txt");

/**
 * Converts CDNOW_master.txt into an orders CSV for `stratum load orders`: one completed
 * order per record, `order_id` = `cdnow-<line number in the source file>`, `user_id` =
 * the customer id without leading zeros, `total_amount` = the dollar value, and
 * `placed_at` = the record's date at 00:00 in Asia/Shanghai (the default reporting time
 * zone, so a day bucket in Asia/Shanghai holds exactly that date's records).
 */
export async function writeCdnowOrdersCsv(target: string): Promise<void> {
  const partial = `${target}.${process.pid}.partial`;
  const out = createWriteStream(partial);
  out.write(
    "order_id,user_id,anonymous_id,placed_at,status,total_amount,refunded_amount,channel,platform,coupon_code,campaign_id\n",
  );
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(CDNOW_MASTER), crlfDelay: Infinity })) {
    line++;
    const [customer, date, , dollars] = text.trim().split(/\s+/);
    if (!/^\d+$/.test(customer ?? "") || !/^\d{8}$/.test(date ?? "")) continue;
    const placedAt = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00+08:00`;
    if (!out.write(`cdnow-${line},${Number(customer)},,${placedAt},completed,${dollars},,,,,\n`))
      await once(out, "drain");
  }
  await new Promise((resolve) => out.end(resolve));
  await rename(partial, target);
}

let cachedCsv: Promise<string> | undefined;

/** The converted CSV, written once per process to the temp directory. */
export function cdnowOrdersCsv(): Promise<string> {
  cachedCsv ??= (async () => {
    const file = path.join(os.tmpdir(), `stratum-cdnow-orders-${process.pid}.csv`);
    if (!existsSync(file)) await writeCdnowOrdersCsv(file);
    return file;
  })();
  return cachedCsv;
}

/**
 * Loads the whole CDNOW dataset as orders into `db` through `stratum load`'s code path
 * (69,659 completed orders of 23,570 customers). Loading it again changes nothing.
 */
export async function loadCdnow(db: Database): Promise<LoadSummary> {
  return loadFile(new IngestService(db), "orders", await cdnowOrdersCsv());
}

/**
 * The same orders `loadCdnow` produces (completed, `cdnow-<line>`, local midnight in
 * Asia/Shanghai, profile id = customer number), written with set-based SQL in about a
 * second instead of through ingestion (~25 s per database). For suites that test what is
 * computed over the data; ingestion's own suite covers the loading path.
 */
export async function insertCdnowOrders(db: Database): Promise<void> {
  const records = readFileSync(CDNOW_MASTER, "utf8")
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .map(([customer, date, , dollars], i) => ({ line: i + 1, c: Number(customer), d: date, v: dollars }))
    .filter((r) => Number.isInteger(r.c) && /^\d{8}$/.test(r.d ?? ""));
  for (let start = 0; start < records.length; start += 20_000) {
    const chunk = JSON.stringify(records.slice(start, start + 20_000));
    await db.query(sql`
      insert into orders (order_id, user_id, placed_at, status, total_amount, counted, paid_at)
      select 'cdnow-' || r.line, r.c, (to_date(r.d, 'YYYYMMDD')::timestamp at time zone 'Asia/Shanghai'),
        'completed', r.v::numeric, true, (to_date(r.d, 'YYYYMMDD')::timestamp at time zone 'Asia/Shanghai')
      from json_to_recordset(${chunk}::json) as r(line int, c bigint, d text, v text)`);
  }
  await db.query(sql`
    insert into users (id, created_at, first_seen_at, last_seen_at)
    select user_id, min(placed_at), min(placed_at), max(placed_at) from orders
    where order_id like 'cdnow-%' group by user_id`);
  await db.query(sql`
    insert into identities (type, value, user_id)
    select 'user_id', user_id::text, user_id from orders where order_id like 'cdnow-%' group by user_id`);
}
