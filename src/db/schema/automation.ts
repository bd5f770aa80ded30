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
  /** Deliveries wait for the user's best send hour (when their activity names one), quiet or not. */
  bestTime: boolean("best_time").notNull().default(false),
  /** A schedule source: `DAY` or `WEEK`; the trigger fires for its audience at each run. */
  scheduleEvery: text("schedule_every"),
  /** The run's local time "HH:MM" in the shop's time zone. */
  scheduleAt: text("schedule_at"),
  /** `WEEK` runs: the ISO weekday (1 = Monday … 7 = Sunday). */
  scheduleWeekday: integer("schedule_weekday"),
  /** A schedule's audience: this segment's members, or this tag's (neither: every active user). */
  scheduleSegment: text("schedule_segment"),
  scheduleTag: text("schedule_tag"),
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
    /**
     * Due time not final yet: the worker moves it to the user's best send hour (or keeps the
     * fallback `next_attempt_at`) before any worker may claim it.
     */
    bestTimePending: boolean("best_time_pending").notNull().default(false),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    deliveredAt: tstz("delivered_at"),
  },
  (t) => [
    uniqueIndex("deliveries_trigger_source_idx").on(t.triggerKey, t.source),
    index("deliveries_due_idx").on(t.nextAttemptAt, t.id).where(sql`status = 'PENDING'`),
    index("deliveries_cap_idx").on(t.triggerKey, t.userId, t.createdAt),
    index("deliveries_best_time_idx").on(t.id).where(sql`best_time_pending`),
  ],
);

/**
 * The next free send slot of each rate-limited destination, shared by every worker process:
 * a worker reserves k slots by moving `next_slot` k / rate seconds on under the row's lock;
 * `window_start` is where its reservation began.
 */
export const destinationRateSlots = pgTable("destination_rate_slots", {
  destinationKey: text("destination_key").primaryKey(),
  windowStart: tstz("window_start").notNull().defaultNow(),
  nextSlot: tstz("next_slot").notNull().defaultNow(),
});

/** Every run of a schedule trigger, once: the first worker to insert (trigger, run) enqueues it. */
export const scheduleRuns = pgTable(
  "schedule_runs",
  {
    triggerKey: text("trigger_key").notNull(),
    runAt: tstz("run_at").notNull(),
    startedAt: tstz("started_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.triggerKey, t.runAt] })],
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
