import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { definitionColumns, tstz, versionColumns } from "./definitions";

/** What a destination defines beyond the shared columns and its secret; every version keeps it. */
const destinationColumns = () => ({
  /** The webhook's http(s) URL. */
  url: text("url").notNull(),
  /** Extra request headers, a JSON object of strings. */
  headers: jsonb("headers").notNull().default({}),
  /** Deliveries per second one worker sends it at most; null: unlimited. */
  rateLimit: integer("rate_limit"),
  /** Whether payloads carry PII unmasked (the destination's read_pii permission). */
  includePii: boolean("include_pii").notNull().default(false),
});

/** A webhook destination. The signing secret lives here only: never in a version, the audit log or the API. */
export const destinations = pgTable("destinations", {
  ...definitionColumns(),
  ...destinationColumns(),
  secret: text("secret").notNull(),
});

export const destinationVersions = pgTable(
  "destination_versions",
  {
    destinationKey: text("destination_key").notNull(),
    ...versionColumns(),
    ...destinationColumns(),
  },
  (t) => [primaryKey({ columns: [t.destinationKey, t.version] })],
);

/** What a trigger defines: one source (an event, or a segment/tag entry or exit), a destination and a cap. */
const triggerColumns = () => ({
  destination: text("destination").notNull(),
  /** An event name; the trigger fires for every ingested event of that name matching `eventWhere`. */
  event: text("event"),
  /** A JSON object the event's properties must contain (jsonb `@>`); null: any. */
  eventWhere: jsonb("event_where"),
  segmentEntered: text("segment_entered"),
  segmentExited: text("segment_exited"),
  tagEntered: text("tag_entered"),
  tagExited: text("tag_exited"),
  /** At most this many deliveries per user per `capPer`; null: uncapped. */
  capCount: integer("cap_count"),
  /** `DAY` (24 h) or `WEEK` (7 × 24 h), rolling. */
  capPer: text("cap_per"),
  /** A campaign key: each delivered delivery is that campaign's `campaign_sent` touch; null: none. */
  campaign: text("campaign"),
  /** Quiet hours, local hours 0–23 in the user's zone: [start, end), wrapping midnight when start > end; null: none. */
  quietStart: integer("quiet_start"),
  quietEnd: integer("quiet_end"),
});

export const triggers = pgTable("triggers", { ...definitionColumns(), ...triggerColumns() }, (t) => [
  index("triggers_event_idx").on(t.event).where(sql`status = 'ACTIVE'`),
]);

export const triggerVersions = pgTable(
  "trigger_versions",
  {
    triggerKey: text("trigger_key").notNull(),
    ...versionColumns(),
    ...triggerColumns(),
  },
  (t) => [primaryKey({ columns: [t.triggerKey, t.version] })],
);

/**
 * The transactional outbox: one row per (trigger, triggering fact), written in the transaction
 * of the fact (the event's ingestion, the membership change). `source` names the fact
 * (`event:<message id>`, `segment:<change id>`, `tag:<change id>`), so a fact fires a trigger once.
 */
export const deliveries = pgTable(
  "deliveries",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    triggerKey: text("trigger_key").notNull(),
    destinationKey: text("destination_key").notNull(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    source: text("source").notNull(),
    /** The triggering fact as JSON (event name, time, properties; or the membership change). */
    fact: jsonb("fact").notNull(),
    /** PENDING, DELIVERED, DEAD (attempts exhausted) or SUPPRESSED (over the frequency cap). */
    status: text("status").notNull().default("PENDING"),
    attempts: integer("attempts").notNull().default(0),
    /** When a worker may claim it next (a claim moves it forward by the lease). */
    nextAttemptAt: tstz("next_attempt_at").notNull().defaultNow(),
    /** The request body, frozen at the first attempt so every retry sends the same bytes. */
    body: text("body"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    deliveredAt: tstz("delivered_at"),
  },
  (t) => [
    uniqueIndex("deliveries_trigger_source_idx").on(t.triggerKey, t.source),
    index("deliveries_due_idx").on(t.nextAttemptAt, t.id).where(sql`status = 'PENDING'`),
    index("deliveries_cap_idx").on(t.triggerKey, t.userId, t.createdAt),
  ],
);

/**
 * Every attempt to send a delivery: HTTP status or error, and how long it took. `attempt` is the
 * delivery's attempt count then (a `retryDelivery` starts it again from 1).
 */
export const deliveryAttempts = pgTable(
  "delivery_attempts",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    deliveryId: bigint("delivery_id", { mode: "number" }).notNull(),
    attempt: integer("attempt").notNull(),
    at: tstz("at").notNull().defaultNow(),
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [index("delivery_attempts_delivery_idx").on(t.deliveryId, t.id)],
);
