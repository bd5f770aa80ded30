import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client";

/** CDNOW 1/10 sample: `master_id sample_id date(YYYYMMDD) number_of_cds dollar_value`. */
export const CDNOW_SAMPLE = path.resolve(__dirname, "../fixtures/cdnow/CDNOW_sample.txt");

export interface SampleRecord {
  customer: number;
  /** Days since 1997-01-01. */
  day: number;
  /** Date as YYYY-MM-DD. */
  date: string;
  dollars: number;
}

const DAY_MS = 86_400_000;
const ORIGIN = Date.UTC(1997, 0, 1);

export function readCdnowSample(): SampleRecord[] {
  return readFileSync(CDNOW_SAMPLE, "utf8")
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length === 5)
    .map(([, sample, date, , dollars]) => {
      const at = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)));
      return {
        customer: Number(sample),
        day: (at - ORIGIN) / DAY_MS,
        date: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`,
        dollars: Number(dollars),
      };
    });
}

export interface PlainSummary {
  customer: number;
  x: number;
  tx: number;
  T: number;
  /** Mean value of the repeat transactions (0 without any). */
  m: number;
}

/**
 * The calibration summary computed directly from the file, as the literature defines it:
 * records of one customer and day are one transaction; times in weeks; calibration ends
 * on `endDay` (days since 1997-01-01) inclusive.
 */
export function plainSummaries(records: SampleRecord[], endDay: number): PlainSummary[] {
  const byCustomer = new Map<number, Map<number, number>>();
  for (const r of records) {
    if (r.day > endDay) continue;
    const days = byCustomer.get(r.customer) ?? new Map<number, number>();
    days.set(r.day, (days.get(r.day) ?? 0) + r.dollars);
    byCustomer.set(r.customer, days);
  }
  return [...byCustomer.entries()].map(([customer, days]) => {
    const sorted = [...days.entries()].sort((p, q) => p[0] - q[0]);
    const first = sorted[0][0];
    const last = sorted[sorted.length - 1][0];
    const repeats = sorted.slice(1);
    return {
      customer,
      x: repeats.length,
      tx: (last - first) / 7,
      T: (endDay - first) / 7,
      m: repeats.length ? repeats.reduce((s, [, v]) => s + v, 0) / repeats.length : 0,
    };
  });
}

/** 1997-09-30, the end of the 39-week calibration period, as days since 1997-01-01. */
export const CALIBRATION_END_DAY = 272;

/** The sample as completed orders placed at local midnight (Asia/Shanghai), profile id = sample id. */
export async function insertCdnowSample(db: Database): Promise<void> {
  const rows = JSON.stringify(
    readCdnowSample().map((r, i) => ({ i, c: r.customer, d: r.date, v: r.dollars })),
  );
  await db.query(sql`
    insert into users (id, created_at, first_seen_at, last_seen_at)
    select distinct r.c, now(), now(), now() from json_to_recordset(${rows}::json) as r(c bigint)`);
  await db.query(sql`
    insert into orders (order_id, user_id, placed_at, status, total_amount, counted, paid_at)
    select 'sample-' || r.i, r.c, (r.d::date::timestamp at time zone 'Asia/Shanghai'), 'completed', r.v, true,
      (r.d::date::timestamp at time zone 'Asia/Shanghai')
    from json_to_recordset(${rows}::json) as r(i int, c bigint, d text, v numeric)`);
}
