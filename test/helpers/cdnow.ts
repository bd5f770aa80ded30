import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { rename } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Database } from "../../src/db/client";
import { type LoadSummary, loadFile } from "../../src/ingest/load";
import { IngestService } from "../../src/ingest/service";

/** The CDNOW purchase log: `customer_id date(YYYYMMDD) number_of_cds dollar_value`, one purchase per line. */
export const CDNOW_MASTER = path.resolve(__dirname, "../../../shared/datasets/cdnow/CDNOW_master.txt");

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
