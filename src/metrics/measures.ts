import { type SQL, sql } from "drizzle-orm";
import type { FactKey, MeasureKey, RowMeasureKey, UserMeasureKey } from "./types";

/**
 * Base measures, the building blocks of metrics. `ROW` measures aggregate fact rows
 * (alias `f`) and are additive (sums of partial sums), so the user-day rollups hold each as
 * a column (`rollupColumn`, the aggregate per user, day and slice) and answer it as a sum. `USER` measures count the users whose activity in the
 * bucket and slice meets `condition`, written over the per-user columns `m_<row measure>`
 * (zero when the user has no such fact) and `first_order_in_bucket`.
 */
export interface RowMeasure {
  key: RowMeasureKey;
  level: "ROW";
  fact: FactKey;
  aggregate: SQL;
  /**
   * The only event name the aggregate counts, if any: when every measure a query reads
   * from events names the same event, the compiler scans only those events.
   */
  onlyEvent?: string;
  /**
   * The column of the fact's user-day rollup (`src/semantic/rollups.ts`) holding `aggregate`
   * per user, day and slice; the rollup answers the measure as its sum.
   */
  rollupColumn: string;
}

export interface UserMeasure {
  key: UserMeasureKey;
  level: "USER";
  /** Row measures the condition reads, per user. */
  uses: RowMeasureKey[];
  /** Whether the condition reads `first_order_in_bucket` (the user's first-ever counted order is in the bucket). */
  needsFirstOrder: boolean;
  condition: SQL;
}

export type Measure = RowMeasure | UserMeasure;

const row = (key: RowMeasureKey, fact: FactKey, aggregate: SQL, onlyEvent?: string): RowMeasure => ({
  key,
  level: "ROW",
  fact,
  aggregate,
  onlyEvent,
  rollupColumn: key,
});
const users = (
  key: UserMeasureKey,
  uses: RowMeasureKey[],
  condition: SQL,
  needsFirstOrder = false,
): UserMeasure => ({
  key,
  level: "USER",
  uses,
  needsFirstOrder,
  condition,
});

export const MEASURES: Readonly<Record<MeasureKey, Measure>> = {
  events: row("events", "events", sql`count(*)`),
  cart_events: row(
    "cart_events",
    "events",
    sql`count(*) filter (where f.name = 'add_to_cart')`,
    "add_to_cart",
  ),
  orders: row("orders", "orders", sql`count(*)`),
  gmv: row("gmv", "orders", sql`sum(f.total_amount)`),
  refunds: row("refunds", "orders", sql`sum(f.refunded_amount)`),
  units: row("units", "items", sql`sum(f.quantity)`),
  item_revenue: row("item_revenue", "items", sql`sum(f.quantity * f.unit_price)`),
  visitors: users("visitors", ["events"], sql`m_events > 0`),
  cart_users: users("cart_users", ["cart_events"], sql`m_cart_events > 0`),
  buyers: users("buyers", ["orders"], sql`m_orders > 0`),
  repeat_buyers: users("repeat_buyers", ["orders"], sql`m_orders >= 2`),
  new_buyers: users("new_buyers", ["orders"], sql`m_orders > 0 and first_order_in_bucket`, true),
  visiting_buyers: users("visiting_buyers", ["events", "orders"], sql`m_events > 0 and m_orders > 0`),
  cart_abandoners: users(
    "cart_abandoners",
    ["cart_events", "orders"],
    sql`m_cart_events > 0 and m_orders = 0`,
  ),
};

/** The facts a measure reads. */
export function factsOfMeasure(key: MeasureKey): FactKey[] {
  const measure = MEASURES[key];
  if (measure.level === "ROW") return [measure.fact];
  return [...new Set(measure.uses.map((use) => (MEASURES[use] as RowMeasure).fact))];
}
