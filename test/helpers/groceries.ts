import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client";

/** The Groceries transactions (arules): one basket per line, its items comma separated. */
export const GROCERIES_CSV = path.resolve(__dirname, "../fixtures/groceries/groceries.csv");

/** When every Groceries order is placed: one day, so the range [2026-01-01, 2026-01-02) in UTC holds them all. */
export const GROCERIES_DAY = { from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" } as const;

/** The baskets as the file has them, labels kept verbatim (two end in a space, as in arules). */
export function groceriesBaskets(): string[][] {
  return readFileSync(GROCERIES_CSV, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => line.split(","));
}

/**
 * Loads Groceries as orders with set-based SQL: line n is the paid order `groceries-<n>` of
 * customer n, placed at 12:00 UTC on 2026-01-01, with one unit (price 1) of each item on the
 * line; each item label is a product whose id and name are the label (category `groceries`).
 */
export async function insertGroceries(db: Database): Promise<number> {
  const baskets = groceriesBaskets();
  const labels = [...new Set(baskets.flat())];
  await db.query(sql`
    insert into products (id, name, category, price)
    select label, label, 'groceries', 1 from json_array_elements_text(${JSON.stringify(labels)}::json) as label`);
  await db.query(sql`
    insert into users (id, created_at, first_seen_at, last_seen_at)
    select g, '2026-01-01T12:00:00Z', '2026-01-01T12:00:00Z', '2026-01-01T12:00:00Z'
    from generate_series(1, ${baskets.length}::int) g`);
  await db.query(sql`
    insert into orders (order_id, user_id, placed_at, status, total_amount, counted, paid_at)
    select 'groceries-' || g, g, '2026-01-01T12:00:00Z', 'paid', 0, true, '2026-01-01T12:00:00Z'
    from generate_series(1, ${baskets.length}::int) g`);
  for (let start = 0; start < baskets.length; start += 2_000) {
    const chunk = JSON.stringify(baskets.slice(start, start + 2_000));
    await db.query(sql`
      insert into order_items (order_id, line_no, user_id, product_id, quantity, unit_price)
      select 'groceries-' || (${start}::int + b.n), i.k, ${start}::int + b.n, i.label, 1, 1
      from json_array_elements(${chunk}::json) with ordinality as b(items, n)
      cross join lateral json_array_elements_text(b.items) with ordinality as i(label, k)`);
  }
  await db.query(sql`update orders set total_amount = (select count(*) from order_items i where i.order_id = orders.order_id)
    where order_id like 'groceries-%'`);
  return baskets.length;
}
