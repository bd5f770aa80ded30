import { type SQL, sql } from "drizzle-orm";
import { joinSql } from "./sql";

/**
 * What changed for whom since an incremental refresh's watermark (`src/rules/incremental.ts`).
 *
 * The watermark of a refresh is taken before it reads any fact: the earlier of the clock and the
 * start of every transaction still open in the database (a long one holds it back, which only
 * makes the next refresh re-evaluate more users). Facts carry the start time of the
 * transaction that wrote them (`now()`: `events.received_at`, `orders.updated_at`,
 * `users.updated_at` — a trigger —, `user_merges.merged_at`, the membership logs' `recorded_at`), so any fact the refresh could not
 * see (committed later) is stamped at or after its watermark. Sessions of other database roles
 * are invisible in `pg_stat_activity` to an unprivileged role: write facts with the role that
 * refreshes (or grant it pg_read_all_stats).
 */
export const factsWatermark = sql`select least(statement_timestamp(),
    (select min(a.xact_start) from pg_stat_activity a
      where a.datname = current_database() and a.xact_start is not null)) as watermark`;

interface Range {
  from: Date;
  to: Date;
}

const at = (date: Date) => sql`${date.toISOString()}::timestamptz`;

/** Profile times a rule can compare with the clock (`user.<field>`), by rule field. */
export const USER_TIME_COLUMNS = {
  first_seen: sql`first_seen_at`,
  last_seen: sql`last_seen_at`,
  created_at: sql`created_at`,
} as const;
export type UserTimeField = keyof typeof USER_TIME_COLUMNS;

export interface ChangeWindow {
  /** Fact changes stamped at or after it. */
  watermark: Date;
  /** Event times, by event name, whose window membership changed: (from, to]. */
  eventBands: ReadonlyMap<string, readonly Range[]>;
  orderBands: readonly Range[];
  /** Profile times, by `USER_TIME_COLUMNS` field, whose window membership changed: (from, to]. */
  userBands: ReadonlyMap<UserTimeField, readonly Range[]>;
  /** Named tags and segments: their membership changes recorded at or after the watermark count. */
  tags: readonly string[];
  segments: readonly string[];
}

/**
 * `select id`: the distinct surviving profiles with a change in `window` — one statement of
 * index range scans (the BRIN index on events' arrival, B-trees on the others), each stored id
 * resolved to its survivor.
 */
export function changedUsers(window: ChangeWindow): SQL {
  const since = at(window.watermark);
  const parts: SQL[] = [
    sql`select user_id from events where received_at >= ${since}`,
    sql`select user_id from orders where updated_at >= ${since}`,
    sql`select id from users where updated_at >= ${since}`,
    sql`select survivor_id from user_merges where merged_at >= ${since}`,
  ];
  for (const [name, ranges] of window.eventBands)
    for (const range of ranges)
      parts.push(sql`select user_id from events
        where name = ${name}::text and ts > ${at(range.from)} and ts <= ${at(range.to)}`);
  for (const range of window.orderBands)
    parts.push(
      sql`select user_id from orders where placed_at > ${at(range.from)} and placed_at <= ${at(range.to)}`,
    );
  for (const [field, ranges] of window.userBands)
    for (const range of ranges)
      parts.push(sql`select id from users
        where ${USER_TIME_COLUMNS[field]} > ${at(range.from)} and ${USER_TIME_COLUMNS[field]} <= ${at(range.to)}`);
  if (window.tags.length)
    parts.push(sql`select user_id from tag_membership_changes
      where tag_key in (${joinSql(window.tags.map((k) => sql`${k}::text`))}) and recorded_at >= ${since}`);
  if (window.segments.length)
    parts.push(sql`select user_id from segment_membership_changes
      where segment_key in (${joinSql(window.segments.map((k) => sql`${k}::text`))}) and recorded_at >= ${since}`);
  return sql`select distinct coalesce(m.survivor_id, c.user_id) as id
    from (${joinSql(parts, sql` union all `)}) as c(user_id)
    left join user_merges m on m.loser_id = c.user_id`;
}
