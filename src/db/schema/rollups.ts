import { sql } from "drizzle-orm";
import { bigint, date, index, integer, numeric, pgTable, text, timestamp, unique } from "drizzle-orm/pg-core";

/**
 * Exact user-day rollups of the facts (pre-aggregations, `src/semantic/rollups.ts`): per stored
 * user id (resolved to the survivor when read, like the facts), local day in the deployment time
 * zone (`rollup_state.timezone`) and slice of the conformed dimensions. Kept by ingestion in the
 * transaction that writes the facts, as additive deltas; rebuilt from the facts by
 * `stratum rollups rebuild` (and at start-up when missing or built in another zone).
 * Keyed by `user_id` first: distributed by it on Citus, co-located with the facts.
 */
const slice = {
  userId: bigint("user_id", { mode: "number" }).notNull(),
  day: date("day", { mode: "string" }).notNull(),
  channel: text("channel"),
  platform: text("platform"),
  utmSource: text("utm_source"),
  utmCampaign: text("utm_campaign"),
  /** Events: the `campaign` property; orders: `campaign_id`. */
  campaign: text("campaign"),
};

/** Events per user, day and slice: all of them, and those named `add_to_cart` (the catalog's cart measure). */
export const userDayEvents = pgTable(
  "user_day_events",
  {
    ...slice,
    events: integer("events").notNull(),
    cartEvents: integer("cart_events").notNull(),
  },
  (t) => [
    unique("user_day_events_slice_uq")
      .on(t.userId, t.day, t.channel, t.platform, t.utmSource, t.utmCampaign, t.campaign)
      .nullsNotDistinct(),
    index("user_day_events_day_idx").on(t.day),
    // Cart measures (cart abandonment, cart users) read only the slices with cart events, a
    // tenth of the rows: by day from this index alone (its migration adds INCLUDE (user_id,
    // cart_events), which drizzle's builder cannot declare), not from every event row of the range.
    index("user_day_events_cart_day_idx").on(t.day).where(sql`${t.cartEvents} > 0`),
  ],
);

/**
 * Counted orders per user, day (of `placed_at`) and slice, with their amounts (exact numeric)
 * and their items: `item_lines` counts the item rows, so a slice whose orders have no items
 * holds no item facts.
 */
export const userDayOrders = pgTable(
  "user_day_orders",
  {
    ...slice,
    orders: integer("orders").notNull(),
    gmv: numeric("gmv").notNull(),
    refunds: numeric("refunds").notNull(),
    itemLines: integer("item_lines").notNull(),
    units: bigint("units", { mode: "number" }).notNull(),
    itemRevenue: numeric("item_revenue").notNull(),
  },
  (t) => [
    unique("user_day_orders_slice_uq")
      .on(t.userId, t.day, t.channel, t.platform, t.utmSource, t.utmCampaign, t.campaign)
      .nullsNotDistinct(),
    index("user_day_orders_day_idx").on(t.day),
  ],
);

/**
 * The zone the rollups' days are in, written by their last rebuild. Without a row, nothing
 * maintains or reads the rollups (metrics read the raw facts).
 */
export const rollupState = pgTable("rollup_state", {
  timezone: text("timezone").primaryKey(),
  builtAt: timestamp("built_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});
