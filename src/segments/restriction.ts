import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { notFound } from "../errors";
import type { SQL } from "../semantic/sql";

/**
 * How other compilers (metrics, analytics) restrict to a segment's CURRENT members.
 * Call `assertSegmentExists` once while validating input (NOT_FOUND for an unknown or
 * archived key), then put `segmentRestriction` in the WHERE clause.
 */

/** Subquery of the user ids currently in the segment. */
export function segmentMemberIds(key: string): SQL {
  return sql`(select sm.user_id from segment_members sm where sm.segment_key = ${key})`;
}

/** `<userIdColumn> in (members of key)`; the column defaults to a bare `user_id`. */
export function segmentRestriction(key: string, userIdColumn: SQL = sql`user_id`): SQL {
  return sql`${userIdColumn} in ${segmentMemberIds(key)}`;
}

/** Throws NOT_FOUND (naming `argument`) unless `key` is an active segment. */
export async function assertSegmentExists(db: Database, key: string, argument = "segment"): Promise<void> {
  const rows = await db.query<{ key: string }>(
    sql`select key from segments where key = ${key} and status = 'ACTIVE'`,
  );
  if (rows.length === 0) throw notFound(`Segment "${key}" does not exist`, { argument, key });
}
