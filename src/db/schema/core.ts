import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** One unified profile. A merged-away profile keeps its row with `merged_into` set. */
export const users = pgTable(
  "users",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    createdAt: tstz("created_at").notNull().defaultNow(),
    firstSeenAt: tstz("first_seen_at").notNull().defaultNow(),
    lastSeenAt: tstz("last_seen_at").notNull().defaultNow(),
    traits: jsonb("traits").$type<Record<string, unknown>>().notNull().default({}),
    /** When each trait was last set, so merges keep the most recent value per trait. */
    traitsUpdatedAt: jsonb("traits_updated_at").$type<Record<string, string>>().notNull().default({}),
    mergedInto: bigint("merged_into", { mode: "number" }),
    /**
     * When the row last changed (traits, first/last seen, a merge, an erasure): set by the
     * `users_touch_updated_at` trigger on every update, so no writer can forget it. The
     * incremental refresh re-evaluates the profiles changed since its watermark.
     */
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("users_merged_into_idx").on(t.mergedInto).where(sql`${t.mergedInto} is not null`),
    // Surviving profiles only: `users.totalCount` and the profile pages read them from this
    // index (an index-only count instead of a scan of every wide profile row).
    index("users_active_idx").on(t.id).where(sql`${t.mergedInto} is null`),
    index("users_updated_at_idx").on(t.updatedAt),
  ],
);

/** (type, value) → profile. Looked up by value, so the value is the natural key. */
export const identities = pgTable(
  "identities",
  {
    type: text("type").notNull(),
    value: text("value").notNull(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.type, t.value] }), index("identities_user_idx").on(t.userId)],
);

/**
 * Every merge: the loser and the profile it now resolves to. Queries resolve an event's
 * profile through this small table (loser → survivor), so a merge is visible at once
 * without rewriting events. `survivor_id` always names the final survivor of a chain.
 */
export const userMerges = pgTable(
  "user_merges",
  {
    loserId: bigint("loser_id", { mode: "number" }).primaryKey(),
    survivorId: bigint("survivor_id", { mode: "number" }).notNull(),
    /** The profile the loser was merged into at the time (before any later chain). */
    mergedIntoAtTime: bigint("merged_into_at_time", { mode: "number" }).notNull(),
    mergedAt: tstz("merged_at").notNull().defaultNow(),
    reason: jsonb("reason").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("user_merges_survivor_idx").on(t.survivorId)],
);

/** Append-only behaviour. `user_id` is the profile at ingestion; resolve through user_merges. */
export const events = pgTable(
  "events",
  {
    id: bigint("id", { mode: "number" }).generatedByDefaultAsIdentity(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    messageId: text("message_id").notNull(),
    anonymousId: text("anonymous_id"),
    name: text("name").notNull(),
    ts: tstz("ts").notNull(),
    receivedAt: tstz("received_at").notNull().defaultNow(),
    sessionId: text("session_id"),
    channel: text("channel"),
    platform: text("platform"),
    utmSource: text("utm_source"),
    utmMedium: text("utm_medium"),
    utmCampaign: text("utm_campaign"),
    properties: jsonb("properties").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.id] }),
    uniqueIndex("events_message_id_uq").on(t.messageId),
    index("events_user_ts_idx").on(t.userId, t.ts),
    // Migration 0011 adds INCLUDE (user_id, id[, name]) to these two for index-only scans of a
    // time range; drizzle cannot declare INCLUDE.
    index("events_name_ts_idx").on(t.name, t.ts),
    index("events_ts_idx").on(t.ts),
    // Events are appended, so arrival order follows the heap: a BRIN index finds the events
    // received since the incremental refresh's watermark for almost nothing on ingest.
    index("events_received_at_brin").using("brin", t.receivedAt),
  ],
);

export const products = pgTable("products", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  category: text("category"),
  brand: text("brand"),
  price: numeric("price", { precision: 14, scale: 2 }),
  updatedAt: tstz("updated_at").notNull().defaultNow(),
});

export const ORDER_STATUSES = ["created", "paid", "shipped", "completed", "cancelled", "refunded"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** An order counts once it was paid. */
export const COUNTED_STATUSES: readonly OrderStatus[] = ["paid", "shipped", "completed", "refunded"];

export const orders = pgTable(
  "orders",
  {
    orderId: text("order_id").notNull(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    placedAt: tstz("placed_at").notNull(),
    status: text("status").$type<OrderStatus>().notNull(),
    totalAmount: numeric("total_amount", { precision: 14, scale: 2 }).notNull(),
    refundedAmount: numeric("refunded_amount", { precision: 14, scale: 2 }).notNull().default("0"),
    channel: text("channel"),
    platform: text("platform"),
    utmSource: text("utm_source"),
    utmCampaign: text("utm_campaign"),
    couponCode: text("coupon_code"),
    campaignId: text("campaign_id"),
    /** Denormalised `status in COUNTED_STATUSES`, so every query filters on one indexed flag. */
    counted: boolean("counted").notNull().default(false),
    paidAt: tstz("paid_at"),
    /** Set by the `orders_touch_updated_at` trigger on every update (see `users.updated_at`). */
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId] }),
    index("orders_placed_at_idx").on(t.placedAt),
    index("orders_user_placed_idx").on(t.userId, t.placedAt),
    index("orders_updated_at_idx").on(t.updatedAt),
  ],
);

export const orderItems = pgTable(
  "order_items",
  {
    orderId: text("order_id").notNull(),
    lineNo: integer("line_no").notNull(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    productId: text("product_id").notNull(),
    quantity: integer("quantity").notNull(),
    unitPrice: numeric("unit_price", { precision: 14, scale: 2 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.lineNo] }), index("order_items_product_idx").on(t.productId)],
);

/** Who changed what, when: definitions, keys, refused merges. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    at: tstz("at").notNull().defaultNow(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityKey: text("entity_key"),
    before: jsonb("before"),
    after: jsonb("after"),
    requestId: text("request_id"),
  },
  (t) => [index("audit_log_entity_idx").on(t.entityType, t.entityKey, t.id)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    role: text("role").notNull(),
    keyHash: text("key_hash").notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
    revokedAt: tstz("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_uq").on(t.keyHash)],
);
