import { type SQL, sql } from "drizzle-orm";
import { badInput } from "../../errors";
import { resolvedEvents } from "../../semantic/facts";
import { bucketSeries, bucketStart, previousBucket, rangeBounds, type TimeRange } from "../../semantic/time";
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
 * Lifecycle (SPEC S7, PostHog semantics) per bucket of the range, for users who did `event`:
 * new — their first-ever such event is in the bucket; returning — active in the bucket and
 * the one before; resurrecting — active, not in the bucket before, but active some time
 * earlier; dormant — active in the bucket before but not in this one (the service reports
 * it as a negative count). Buckets are dense, in the query's time zone.
 */
export function compileLifecycle(definition: LifecycleDefinition): SQL {
  const event = assertEventName(definition.event, "event");
  const grain = definition.grain ?? "DAY";
  if (!PERIODS.includes(grain))
    throw badInput(`grain must be one of ${PERIODS.join(", ")}`, { field: "grain" });
  const tz = definition.timezone;
  const bounds = rangeBounds(definition.timeRange, tz);
  const bucketOf = (ts: SQL) => bucketStart(grain, ts, tz, bounds);
  const firstBucket = bucketOf(bounds.from);
  const inSegment = segmentFilter(definition, sql`e.user_id`);
  const nextBucket = (bucket: SQL) =>
    sql`((${bucket} at time zone ${tz}) + ${sql.raw(`interval '1 ${grain.toLowerCase()}'`)}) at time zone ${tz}`;

  return sql`with active as (
  select distinct e.user_id, ${bucketOf(sql`e.ts`)} as bucket from ${resolvedEvents} e
  where e.name = ${event} and e.ts >= ${previousBucket(grain, firstBucket, tz)} and e.ts < ${bounds.to}
    and ${inSegment}
),
firsts as (
  select e.user_id, ${bucketOf(sql`min(e.ts)`)} as first_bucket from ${resolvedEvents} e
  where e.name = ${event} and e.user_id in (select user_id from active) and ${inSegment}
  group by e.user_id
),
statuses as (
  select a.bucket, case
      when a.bucket = f.first_bucket then 'new'
      when p.user_id is not null then 'returning'
      else 'resurrecting' end as status
  from active a
  join firsts f on f.user_id = a.user_id
  left join active p on p.user_id = a.user_id and p.bucket = ${previousBucket(grain, sql`a.bucket`, tz)}
  union all
  select ${nextBucket(sql`p.bucket`)}, 'dormant'
  from active p
  where not exists (select 1 from active a where a.user_id = p.user_id and a.bucket = ${nextBucket(sql`p.bucket`)})
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
