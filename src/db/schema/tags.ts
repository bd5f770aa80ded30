import { bigint, index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { definitionColumns, ruleColumns, tstz, versionColumns } from "./definitions";

/**
 * Tag and segment definitions (small reference tables) and their memberships. The
 * `*_members` tables hold CURRENT memberships only, keyed by `user_id` first (Citus
 * co-location); every entry and exit is appended to the `*_membership_changes` tables.
 */

/**
 * What the last scheduled refresh of a rule saw (`src/rules/incremental.ts`): the definition's
 * version it evaluated, and the facts watermark — every fact change committed before it was
 * visible to that refresh. The next refresh re-evaluates only users with changes at or after
 * the watermark (plus window expiries since `refreshed_at`); a null or other version means a
 * full refresh.
 */
const incrementalColumns = () => ({
  refreshedVersion: integer("refreshed_version"),
  factsWatermark: tstz("facts_watermark"),
  /**
   * The members after the last scheduled refresh minus the net of the membership changes
   * recorded at or after its watermark that it saw: members now are this plus the net of every
   * change recorded at or after the watermark, so an incremental refresh never counts the
   * members (`src/rules/materialise.ts`).
   */
  refreshedMembers: integer("refreshed_members"),
});

/**
 * When a membership change was written (the writing transaction's start), whatever time `at`
 * records (a refresh logs its evaluation time): how an incremental refresh finds the changes of
 * the tags and segments its rules name since its watermark.
 */
const recordedAt = () => ({ recordedAt: tstz("recorded_at").notNull().defaultNow() });

/** A tag definition: RULE (boolean), VALUE (computed value) or MANUAL (assigned). */
export const tags = pgTable("tags", {
  ...definitionColumns(),
  category: text("category").notNull(),
  /** The rule is null for MANUAL tags. */
  ...ruleColumns(),
  /** When memberships were last recomputed by a refresh. */
  refreshedAt: tstz("refreshed_at"),
  ...incrementalColumns(),
});

/** Every version of a tag definition, with who wrote it and when. */
export const tagVersions = pgTable(
  "tag_versions",
  {
    tagKey: text("tag_key").notNull(),
    ...versionColumns(),
    category: text("category").notNull(),
    ...ruleColumns(),
  },
  (t) => [primaryKey({ columns: [t.tagKey, t.version] })],
);

/** Current tag memberships; `value` holds a VALUE tag's computed value as text. */
export const tagMembers = pgTable(
  "tag_members",
  {
    tagKey: text("tag_key").notNull(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    value: text("value"),
    assignedAt: tstz("assigned_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.tagKey] }),
    index("tag_members_tag_user_idx").on(t.tagKey, t.userId),
  ],
);

/** Entries (`entered`) and exits (`exited`) of tags, with time. */
export const tagMembershipChanges = pgTable(
  "tag_membership_changes",
  {
    id: bigint("id", { mode: "number" }).generatedByDefaultAsIdentity(),
    tagKey: text("tag_key").notNull(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    change: text("change").notNull(),
    value: text("value"),
    at: tstz("at").notNull().defaultNow(),
    ...recordedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.id] }),
    index("tag_membership_changes_tag_at_idx").on(t.tagKey, t.at),
    // Appended in time order: BRIN finds the recent changes for almost nothing on each insert.
    index("tag_membership_changes_recorded_brin").using("brin", t.recordedAt),
  ],
);

/** A segment definition: DYNAMIC (a rule) or STATIC (a list, or a frozen snapshot). */
export const segments = pgTable("segments", {
  ...definitionColumns(),
  /** The rule is null for STATIC segments. */
  ...ruleColumns(),
  /** For a snapshot: the segment it froze. */
  snapshotOf: text("snapshot_of"),
  refreshedAt: tstz("refreshed_at"),
  ...incrementalColumns(),
});

export const segmentVersions = pgTable(
  "segment_versions",
  {
    segmentKey: text("segment_key").notNull(),
    ...versionColumns(),
    ...ruleColumns(),
  },
  (t) => [primaryKey({ columns: [t.segmentKey, t.version] })],
);

/** Current segment memberships. */
export const segmentMembers = pgTable(
  "segment_members",
  {
    segmentKey: text("segment_key").notNull(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    enteredAt: tstz("entered_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.segmentKey] }),
    index("segment_members_segment_user_idx").on(t.segmentKey, t.userId),
  ],
);

/** Entries and exits of segments, with time; `sizeHistory` is computed from these. */
export const segmentMembershipChanges = pgTable(
  "segment_membership_changes",
  {
    id: bigint("id", { mode: "number" }).generatedByDefaultAsIdentity(),
    segmentKey: text("segment_key").notNull(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    change: text("change").notNull(),
    at: tstz("at").notNull().defaultNow(),
    ...recordedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.id] }),
    index("segment_membership_changes_segment_at_idx").on(t.segmentKey, t.at),
    index("segment_membership_changes_recorded_brin").using("brin", t.recordedAt),
  ],
);

export const MEMBERSHIP_CHANGE = { ENTERED: "entered", EXITED: "exited" } as const;

/**
 * Users whose real-time evaluation may be lost: written by every batch in its own transaction,
 * due a grace period later, and removed by the batch's evaluation once it ran; due at once when
 * that evaluation failed (the restricted run failed or waited past its lock bound). The delivery
 * worker evaluates the users that fell due (a process died between the batch's commit and its
 * evaluation, or the evaluation failed) and removes them once done.
 */
export const realtimePending = pgTable("realtime_pending", {
  userId: bigint("user_id", { mode: "number" }).primaryKey(),
  dueAt: tstz("due_at").notNull().defaultNow(),
});
