import { type SQL, sql } from "drizzle-orm";
import { badInput } from "../../errors";
import { resolvedEvents } from "../../semantic/facts";
import {
  assertBucketsWithin,
  bucketCount,
  bucketSeries,
  bucketStart,
  DEFAULT_MAX_BUCKETS,
  previousBucket,
  rangeBounds,
  type TimeRange,
} from "../../semantic/time";
import { type AnalysisScope, assertEventName, segmentFilter } from "./common";
import { PERIODS, type Period } from "./retention";

export interface LifecycleDefinition extends AnalysisScope {
  event: string;
  grain?: Period | null;
  timeRange: TimeRange;
}

export interface LifecycleRow extends Record<string, unknown> {
  time: Date;
  new_users: number;
  returning_users: number;
  resurrecting_users: number;
  dormant_users: number;
}

/**
 * Lifecycle (PostHog's semantics) per bucket of the range, for users who did `event`:
 * new — their first-ever such event is in the bucket; returning — active in the bucket and
 * the one before; resurrecting — active, not in the bucket before, but active some time
 * earlier; dormant — active in the bucket before but not in this one (the service reports
 * it as a negative count). Buckets are dense, in the query's time zone.
 */
export function compileLifecycle(
  definition: LifecycleDefinition,
  maxBuckets: number = DEFAULT_MAX_BUCKETS,
): SQL {
  const event = assertEventName(definition.event, "event");
  const grain = definition.grain ?? "DAY";
  if (!PERIODS.includes(grain))
    throw badInput(`grain must be one of ${PERIODS.join(", ")}`, { argument: "grain" });
  const tz = definition.timezone;
  const bounds = rangeBounds(definition.timeRange, tz);
  assertBucketsWithin(bucketCount(definition.timeRange, grain, tz), maxBuckets, `${grain} buckets`);
  const bucketOf = (ts: SQL) => bucketStart(grain, ts, tz, bounds);
  const firstBucket = bucketOf(bounds.from);
  const inSegment = segmentFilter(definition, sql`e.user_id`);
  const nextBucket = (bucket: SQL) =>
    sql`((${bucket} at time zone ${tz}) + ${sql.raw(`interval '1 ${grain.toLowerCase()}'`)}) at time zone ${tz}`;

  const since = previousBucket(grain, firstBucket, tz);
  const recent = sql`e.ts >= ${since} and e.ts < ${bounds.to}`;
  // One pass per user: the first-ever event (for "new") and the buckets active from the
  // bucket before the range to its end.
  return sql`with per_user as (
  select e.user_id, ${bucketOf(sql`min(e.ts)`)} as first_bucket,
    array_agg(distinct ${bucketOf(sql`e.ts`)}) filter (where ${recent}) as buckets
  from ${resolvedEvents} e
  where e.name = ${event} and e.ts < ${bounds.to} and ${inSegment}
  group by e.user_id
  having count(*) filter (where ${recent}) > 0
),
statuses as (
  select a.bucket, case
      when a.bucket = u.first_bucket then 'new'
      when ${previousBucket(grain, sql`a.bucket`, tz)} = any(u.buckets) then 'returning'
      else 'resurrecting' end as status
  from per_user u cross join lateral unnest(u.buckets) as a(bucket)
  union all
  select ${nextBucket(sql`a.bucket`)}, 'dormant'
  from per_user u cross join lateral unnest(u.buckets) as a(bucket)
  where not (${nextBucket(sql`a.bucket`)} = any(u.buckets))
)
select b.bucket as time,
  count(s.status) filter (where s.status = 'new')::int as new_users,
  count(s.status) filter (where s.status = 'returning')::int as returning_users,
  count(s.status) filter (where s.status = 'resurrecting')::int as resurrecting_users,
  count(s.status) filter (where s.status = 'dormant')::int as dormant_users
from ${bucketSeries(grain, tz, bounds)} b
left join statuses s on s.bucket = b.bucket
group by b.bucket
order by b.bucket`;
}
