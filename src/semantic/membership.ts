import { type SQL, sql } from "drizzle-orm";
import { textArray } from "./arrays";
import { bucketSeries, type RangeBounds } from "./time";

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

/** The membership tables of tags and of segments: current members and every entry and exit. */
export const MEMBERSHIP_TABLES = {
  tag: {
    definitions: sql`tags`,
    members: sql`tag_members`,
    changes: sql`tag_membership_changes`,
    key: sql`tag_key`,
  },
  segment: {
    definitions: sql`segments`,
    members: sql`segment_members`,
    changes: sql`segment_membership_changes`,
    key: sql`segment_key`,
  },
} as const;
export type MembershipKind = keyof typeof MEMBERSHIP_TABLES;

/** A definition's current member count, for the definition store: a join and a select column. */
export interface MemberCount {
  /** Joined after the definition row aliased `d`. */
  join: SQL;
  column: SQL;
}

/**
 * The current member count of each definition of the kind as the column `field`. An
 * uncorrelated count grouped by key, not a subquery per definition row: Citus refuses a
 * subquery over a distributed table (the members) correlated with a reference table (the
 * definitions), and reads this one from the shards first. On one server a lookup of one key
 * (`d.key = …`) narrows the grouped count to that key.
 */
export function memberCount(kind: MembershipKind, field: string): MemberCount {
  const { members, key } = MEMBERSHIP_TABLES[kind];
  return {
    join: sql`left join (select ${key} as key, count(*)::int as n from ${members} group by ${key}) member_count
      on member_count.key = d.key`,
    column: sql`coalesce(member_count.n, 0) as ${sql.identifier(field)}`,
  };
}

/** The keys, in their order, that name no definition of the kind (archived ones exist). */
export function unknownDefinitions(kind: MembershipKind, keys: readonly string[]): SQL {
  return sql`
    select k.key from unnest(${textArray(keys)}) with ordinality as k(key, n)
    where not exists (select 1 from ${MEMBERSHIP_TABLES[kind].definitions} d where d.key = k.key)
    order by k.n`;
}

/** Pairs (`key` < `otherKey`) among `keys` with how many users currently hold both; pairs sharing nobody are absent. */
export function membershipOverlap(kind: MembershipKind, keys: readonly string[]): SQL {
  const { members, key } = MEMBERSHIP_TABLES[kind];
  const list = textArray(keys);
  return sql`
    select a.${key} as key, b.${key} as "otherKey", count(*)::int as size
    from ${members} a join ${members} b on b.user_id = a.user_id and b.${key} > a.${key}
    where a.${key} = any(${list}) and b.${key} = any(${list})
    group by a.${key}, b.${key}`;
}

/**
 * Members of `definition` at the end of each day of `bounds` in `timezone` (`at`: the day's
 * start), counted from the recorded entries and exits up to that day's end: each change is net
 * +1 / −1 on its local day (those before the range on its first day), summed day by day. The
 * log is read once, in a materialized CTE, not counted again per day by a subquery correlated
 * with the day: Citus cannot run that over a distributed log, and reads this one from the shards.
 */
export function membershipSizeHistory(
  kind: MembershipKind,
  definition: string,
  bounds: RangeBounds,
  timezone: string,
): SQL {
  const { changes, key } = MEMBERSHIP_TABLES[kind];
  const dayStart = (at: SQL) =>
    sql`(date_trunc('day', ${at} at time zone ${timezone}) at time zone ${timezone})`;
  return sql`
    with days as (select b.bucket from ${bucketSeries("DAY", timezone, bounds)} b),
    logged as materialized (
      select c.at, case c.change when 'entered' then 1 when 'exited' then -1 else 0 end as delta
      from ${changes} c where c.${key} = ${definition}
        and c.at < ((((select max(bucket) from days) at time zone ${timezone}) + interval '1 day') at time zone ${timezone})),
    per_day as (
      select greatest(${dayStart(sql`l.at`)}, (select min(bucket) from days)) as bucket, sum(l.delta) as delta
      from logged l group by 1)
    select d.bucket as at, coalesce(sum(p.delta) over (order by d.bucket), 0)::int as size
    from days d left join per_day p on p.bucket = d.bucket
    order by d.bucket`;
}
