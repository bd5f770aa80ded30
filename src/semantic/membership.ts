import { type SQL, sql } from "drizzle-orm";

/**
 * Current members of a tag or a segment, the one way every compiler (metrics, rules,
 * analyses) reads `tag_members` / `segment_members` for membership. Whether the key
 * exists is the caller's service's question (`assertSegmentExists`), asked before compiling.
 */

/** Subquery of the user ids currently holding the tag. */
export function tagMemberIds(key: string): SQL {
  return sql`(select tm.user_id from tag_members tm where tm.tag_key = ${key})`;
}

/** Subquery of the user ids currently in the segment. */
export function segmentMemberIds(key: string): SQL {
  return sql`(select sm.user_id from segment_members sm where sm.segment_key = ${key})`;
}

/** `<userIdColumn> in (members of the segment)`; the column defaults to a bare `user_id`. */
export function segmentRestriction(key: string, userIdColumn: SQL = sql`user_id`): SQL {
  return sql`${userIdColumn} in ${segmentMemberIds(key)}`;
}
