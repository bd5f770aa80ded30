import { type SQL, sql } from "drizzle-orm";
import { badInput } from "../../errors";
import { textArray } from "../../semantic/arrays";
import { resolvedEvents } from "../../semantic/facts";
import {
  assertBucketsWithin,
  bucketCount,
  bucketSeries,
  DEFAULT_MAX_BUCKETS,
  rangeBounds,
  type TimeRange,
} from "../../semantic/time";
import { type AnalysisScope, assertEventName, assertInteger, segmentFilter } from "./common";

export const PERIODS = ["DAY", "WEEK", "MONTH"] as const;
export type Period = (typeof PERIODS)[number];
export const RETENTION_TYPES = ["FIRST_TIME", "RECURRING"] as const;
export type RetentionType = (typeof RETENTION_TYPES)[number];
export const MAX_RETENTION_PERIODS = 60;
export const DEFAULT_RETENTION_PERIODS = 11;

export interface RetentionDefinition extends AnalysisScope {
  startEvent: string;
  returnEvent: string;
  period?: Period | null;
  /** Periods per cohort including period 0 (the cohort itself); at most 60. */
  periods?: number | null;
  type?: RetentionType | null;
  cumulative?: boolean | null;
  timeRange: TimeRange;
}

export interface RetentionRow extends Record<string, unknown> {
  cohort: Date;
  size: number;
  period: number;
  value: number;
}

export interface CompiledRetention {
  statement: SQL;
  periods: number;
}

const TRUNC: Record<Period, string> = { DAY: "day", WEEK: "week", MONTH: "month" };
const STEP: Record<Period, string> = { DAY: "1 day", WEEK: "1 week", MONTH: "1 month" };

/** Whole periods from local bucket `cohort` to local bucket `later` (both truncated). */
function periodIndex(period: Period, later: SQL, cohort: SQL): SQL {
  if (period === "MONTH") {
    return sql`((extract(year from ${later}) * 12 + extract(month from ${later}))
      - (extract(year from ${cohort}) * 12 + extract(month from ${cohort})))::int`;
  }
  const days = sql`(${later}::date - ${cohort}::date)`;
  return period === "WEEK" ? sql`(${days} / 7)` : days;
}

/**
 * Cells of the reported triangle: cohort i of `cohorts` reaches min(periods, cohorts − i)
 * periods (a period is reported once it has begun before the range ends, and the periods
 * after a cohort are the cohorts after it).
 */
export function retentionCellCount(cohorts: number, periods: number): number {
  if (cohorts <= periods) return (cohorts * (cohorts + 1)) / 2;
  return (periods * (periods + 1)) / 2 + (cohorts - periods) * periods;
}

/**
 * Retention (PostHog's semantics). Cohorts are the periods of the range (in the
 * query's time zone) in which users did the start event: FIRST_TIME takes only each
 * user's first-ever start event, RECURRING every period with one. `value` of period k
 * (k ≥ 1) counts the cohort's users with a return event in the k-th period after the
 * cohort's (cumulative: in period k or any later reported period); period 0 is the cohort
 * size. Everything is observed inside the range: a period is reported only once it has
 * begun before the range ends (so the matrix is a triangle), and return events after the
 * range's end are not counted.
 */
export function compileRetention(
  definition: RetentionDefinition,
  maxBuckets: number = DEFAULT_MAX_BUCKETS,
): CompiledRetention {
  const startEvent = assertEventName(definition.startEvent, "startEvent");
  const returnEvent = assertEventName(definition.returnEvent, "returnEvent");
  const period = definition.period ?? "WEEK";
  if (!PERIODS.includes(period))
    throw badInput(`period must be one of ${PERIODS.join(", ")}`, { argument: "period" });
  const type = definition.type ?? "FIRST_TIME";
  if (!RETENTION_TYPES.includes(type)) {
    throw badInput(`type must be one of ${RETENTION_TYPES.join(", ")}`, { argument: "type" });
  }
  const periods = assertInteger(
    definition.periods ?? DEFAULT_RETENTION_PERIODS,
    "periods",
    1,
    MAX_RETENTION_PERIODS,
  );
  const tz = definition.timezone;
  const bounds = rangeBounds(definition.timeRange, tz);
  // The grid (cohorts × periods) is built whatever the facts: count it before any SQL exists.
  const cells = retentionCellCount(bucketCount(definition.timeRange, period, tz), periods);
  assertBucketsWithin(cells, maxBuckets, "retention cells (cohorts × reported periods)");
  const unit = TRUNC[period];
  const step = sql.raw(`interval '${STEP[period]}'`);
  const local = (ts: SQL) => sql`date_trunc(${unit}, ${ts} at time zone ${tz})`;
  const inSegment = segmentFilter(definition, sql`e.user_id`);

  const isStart = sql`e.name = ${startEvent}`;
  const inRange = sql`e.ts >= ${bounds.from} and e.ts < ${bounds.to}`;
  // One pass over both events: FIRST_TIME needs each user's first-ever start event, so it
  // reads all of that user's start events; return buckets only come from the range.
  const perUser = sql`select e.user_id,
      ${type === "FIRST_TIME" ? sql`min(e.ts) filter (where ${isStart})` : sql`null::timestamptz`} as first_ts,
      ${type === "RECURRING" ? sql`array_agg(distinct ${local(sql`e.ts`)}) filter (where ${isStart} and ${inRange})` : sql`null::timestamp[]`} as start_buckets,
      array_agg(distinct ${local(sql`e.ts`)}) filter (where e.name = ${returnEvent} and ${inRange}) as return_buckets
    from ${resolvedEvents} e
    where e.name = any(${textArray([startEvent, returnEvent])}) and ${inSegment}
      ${type === "RECURRING" ? sql`and ${inRange}` : sql``}
    group by e.user_id`;
  const starts =
    type === "FIRST_TIME"
      ? sql`select user_id, ${local(sql`first_ts`)} as cohort, return_buckets from per_user
        where first_ts >= ${bounds.from} and first_ts < ${bounds.to}`
      : sql`select u.user_id, c.cohort, u.return_buckets from per_user u cross join lateral unnest(u.start_buckets) as c(cohort)`;
  const returned = sql`select s.user_id, s.cohort, ${periodIndex(period, sql`r.bucket`, sql`s.cohort`)} as period
    from starts s cross join lateral unnest(s.return_buckets) as r(bucket)
    where r.bucket > s.cohort`;
  const counts = definition.cumulative
    ? sql`select cohort, k.period, count(*)::int as value
        from (select user_id, cohort, max(period) as last_period from returned
          where period <= ${periods - 1}::int group by user_id, cohort) u
        join generate_series(1, ${periods - 1}::int) as k(period) on k.period <= u.last_period
        group by cohort, k.period`
    : sql`select cohort, period, count(distinct user_id)::int as value from returned
        where period between 1 and ${periods - 1}::int group by cohort, period`;

  const statement = sql`with per_user as (${perUser}),
starts as (${starts}),
returned as (${returned}),
counts as (${counts}),
sizes as (select cohort, count(distinct user_id)::int as size from starts group by cohort),
grid as (
  select c.bucket as cohort, (c.bucket at time zone ${tz}) as local_cohort, k.period
  from ${bucketSeries(period, tz, bounds)} c cross join generate_series(0, ${periods - 1}::int) as k(period)
  where ((c.bucket at time zone ${tz}) + k.period * ${step}) at time zone ${tz} < ${bounds.to}
)
select g.cohort, coalesce(s.size, 0) as size, g.period,
  case when g.period = 0 then coalesce(s.size, 0) else coalesce(n.value, 0) end as value
from grid g
left join sizes s on s.cohort = g.local_cohort
left join counts n on n.cohort = g.local_cohort and n.period = g.period
order by g.cohort, g.period`;
  return { statement, periods };
}
