import { bigint, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Tag and segment definitions (small reference tables) and their memberships. The
 * `*_members` tables hold CURRENT memberships only, keyed by `user_id` first (Citus
 * co-location); every entry and exit is appended to the `*_membership_changes` tables.
 */

/** A tag definition: RULE (boolean), VALUE (computed value) or MANUAL (assigned). */
export const tags = pgTable("tags", {
  key: text("key").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  category: text("category").notNull(),
  kind: text("kind").notNull(),
  /** The rule text as written (RULE and VALUE tags); null for MANUAL tags. */
  rule: text("rule"),
  status: text("status").notNull().default("ACTIVE"),
  version: integer("version").notNull().default(1),
  createdAt: tstz("created_at").notNull().defaultNow(),
  updatedAt: tstz("updated_at").notNull().defaultNow(),
  updatedBy: text("updated_by").notNull(),
  /** When memberships were last recomputed by a refresh. */
  refreshedAt: tstz("refreshed_at"),
});

/** Every version of a tag definition, with who wrote it and when. */
export const tagVersions = pgTable(
  "tag_versions",
  {
    tagKey: text("tag_key").notNull(),
    version: integer("version").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    category: text("category").notNull(),
    kind: text("kind").notNull(),
    rule: text("rule"),
    status: text("status").notNull(),
    author: text("author").notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
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
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.id] }),
    index("tag_membership_changes_tag_at_idx").on(t.tagKey, t.at),
  ],
);

/** A segment definition: DYNAMIC (a rule) or STATIC (a list, or a frozen snapshot). */
export const segments = pgTable("segments", {
  key: text("key").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  kind: text("kind").notNull(),
  rule: text("rule"),
  status: text("status").notNull().default("ACTIVE"),
  version: integer("version").notNull().default(1),
  /** For a snapshot: the segment it froze. */
  snapshotOf: text("snapshot_of"),
  createdAt: tstz("created_at").notNull().defaultNow(),
  updatedAt: tstz("updated_at").notNull().defaultNow(),
  updatedBy: text("updated_by").notNull(),
  refreshedAt: tstz("refreshed_at"),
});

export const segmentVersions = pgTable(
  "segment_versions",
  {
    segmentKey: text("segment_key").notNull(),
    version: integer("version").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    kind: text("kind").notNull(),
    rule: text("rule"),
    status: text("status").notNull(),
    author: text("author").notNull(),
    createdAt: tstz("created_at").notNull().defaultNow(),
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
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.id] }),
    index("segment_membership_changes_segment_at_idx").on(t.segmentKey, t.at),
  ],
);

export const MEMBERSHIP_CHANGE = { ENTERED: "entered", EXITED: "exited" } as const;
