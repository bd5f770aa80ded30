import { integer, text, timestamp } from "drizzle-orm/pg-core";

export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * The columns every versioned definition table (tags, segments, experiments) starts with;
 * `src/definitions/store.ts` reads and writes them. A function, so each table gets its own
 * column builders.
 */
export const definitionColumns = () => ({
  key: text("key").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  status: text("status").notNull().default("ACTIVE"),
  version: integer("version").notNull().default(1),
  createdAt: tstz("created_at").notNull().defaultNow(),
  updatedAt: tstz("updated_at").notNull().defaultNow(),
  updatedBy: text("updated_by").notNull(),
});

/** The columns every version table holds beside the definition's key and its versioned columns. */
export const versionColumns = () => ({
  version: integer("version").notNull(),
  name: text("name").notNull(),
  description: text("description").notNull(),
  status: text("status").notNull(),
  author: text("author").notNull(),
  createdAt: tstz("created_at").notNull().defaultNow(),
});

/**
 * What tags and segments add for their rules, in the definition and the version table: the
 * kind and the rule text as written (null where the kind has none).
 */
export const ruleColumns = () => ({
  kind: text("kind").notNull(),
  rule: text("rule"),
});
