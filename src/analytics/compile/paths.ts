import { type SQL, sql } from "drizzle-orm";
import { badInput } from "../../errors";
import { textArray } from "../../semantic/arrays";
import { resolvedEvents } from "../../semantic/facts";
import { rangeBounds, type TimeRange } from "../../semantic/time";
import { type AnalysisScope, assertEventName, assertInteger, segmentFilter } from "./common";

export const MAX_PATH_STEPS = 20;
export const MAX_TOP_LINKS = 1000;

export interface PathsDefinition extends AnalysisScope {
  startEvent?: string | null;
  endEvent?: string | null;
  maxSteps?: number | null;
  sessionGapMinutes?: number | null;
  timeRange: TimeRange;
  excludeEvents?: string[] | null;
  topLinks?: number | null;
}

export interface PathsRow extends Record<string, unknown> {
  kind: "node" | "link";
  step: number;
  event: string;
  target: string | null;
  users: number;
}

export interface CompiledPaths {
  statement: SQL;
}

/**
 * Paths (PostHog's semantics). A user's events in the range, minus `excludeEvents`,
 * are split into sessions wherever two consecutive events are more than the session gap
 * apart; consecutive repeats of one event collapse into one step. In each session the path
 * begins at the first `startEvent` (or the session's first event) and ends at the first
 * `endEvent` after it (or after `maxSteps` steps). With only an `endEvent`, the path is the
 * `maxSteps` steps leading up to its first occurrence, numbered so the end event is the last
 * step. Nodes are (step, event) with distinct users; links join consecutive steps, and
 * only the `topLinks` links with the most users are kept (ties by step, then names); rows
 * come back by step, then users.
 */
export function compilePaths(definition: PathsDefinition): CompiledPaths {
  const startEvent = definition.startEvent ? assertEventName(definition.startEvent, "startEvent") : null;
  const endEvent = definition.endEvent ? assertEventName(definition.endEvent, "endEvent") : null;
  const maxSteps = assertInteger(definition.maxSteps ?? 5, "maxSteps", 2, MAX_PATH_STEPS);
  const gapMinutes = assertInteger(definition.sessionGapMinutes ?? 30, "sessionGapMinutes", 1, 24 * 60);
  const topLinks = assertInteger(definition.topLinks ?? 50, "topLinks", 1, MAX_TOP_LINKS);
  const excluded = (definition.excludeEvents ?? []).map((name, i) =>
    assertEventName(name, `excludeEvents[${i}]`),
  );
  for (const name of [startEvent, endEvent]) {
    if (name && excluded.includes(name)) {
      throw badInput(`excludeEvents must not contain "${name}", the path's own start or end`, {
        argument: "excludeEvents",
      });
    }
  }
  const bounds = rangeBounds(definition.timeRange, definition.timezone);

  const gap = sql`make_interval(mins => ${gapMinutes}::int)`;
  const lastStep = sql`${maxSteps}::int`;
  // `sessioned` numbers each user's non-repeated events `k` in order; `positioned` adds, per
  // session (window `r`, running), the next event of the path (`next_name`) and the `k` of the
  // events that bound it, so `steps` numbers the path's events by plain arithmetic on `k`
  // instead of another window: the path's events are consecutive in the session.
  const sessionAll = sql`(s rows between unbounded preceding and unbounded following)`;
  const sessionBounds: SQL[] = [];
  let steps: SQL;
  if (startEvent && endEvent) {
    // From the session's first start event to the first end event at or after it (which the
    // session must have), at most maxSteps events.
    sessionBounds.push(
      sql`min(k) filter (where name = ${startEvent}) over r as first_start`,
      sql`max(k) filter (where name = ${endEvent}) over (s rows between unbounded preceding and 1 preceding) as last_end_before`,
      sql`max(k) filter (where name = ${endEvent}) over ${sessionAll} as last_end`,
    );
    steps = sql`select user_id, step, name, case when step < ${lastStep} and name <> ${endEvent} then next_name end as target
      from (select user_id, name, next_name, (k - first_start + 1)::int as step, first_start, last_end_before, last_end
        from positioned where first_start is not null) p
      where step <= ${lastStep} and last_end >= first_start
        and (last_end_before is null or last_end_before < first_start)`;
  } else if (startEvent) {
    sessionBounds.push(sql`min(k) filter (where name = ${startEvent}) over r as first_start`);
    steps = sql`select user_id, step, name, case when step < ${lastStep} then next_name end as target
      from (select user_id, name, next_name, (k - first_start + 1)::int as step
        from positioned where first_start is not null) p
      where step <= ${lastStep}`;
  } else if (endEvent) {
    // The maxSteps events up to the session's first end event, numbered so that it is the last step.
    sessionBounds.push(sql`min(k) filter (where name = ${endEvent}) over ${sessionAll} as first_end`);
    steps = sql`select user_id, (${lastStep} - (first_end - k))::int as step, name,
        case when k < first_end then next_name end as target
      from positioned
      where k <= first_end and k > first_end - ${lastStep}`;
  } else {
    sessionBounds.push(sql`row_number() over r as i`);
    steps = sql`select user_id, i::int as step, name, case when i < ${lastStep} then next_name end as target
      from positioned where i <= ${lastStep}`;
  }

  // One sort of the events by user and time feeds every window (the session windows re-sort only
  // within a user). A repeated event never opens a session (its gap is within the limit), so the
  // repeats are dropped before the sessions are numbered. Nodes and links count distinct users by
  // hashing (step, event[, target], user) first: no sort of every step row per count(distinct).
  const statement = sql`with marked as (
  select e.user_id, e.ts, e.id, e.name, e.ts - lag(e.ts) over w as since_previous, lag(e.name) over w as prev_name
  from ${resolvedEvents} e
  where e.ts >= ${bounds.from} and e.ts < ${bounds.to}
    ${excluded.length ? sql`and e.name <> all(${textArray(excluded)})` : sql``}
    and ${segmentFilter(definition, sql`e.user_id`)}
  window w as (partition by e.user_id order by e.ts, e.id)
),
sessioned as (
  select user_id, ts, id, name,
    sum(case when since_previous is null or since_previous > ${gap} then 1 else 0 end) over u as session_no,
    row_number() over u as k
  from marked
  where since_previous is null or since_previous > ${gap} or prev_name <> name
  window u as (partition by user_id order by ts, id rows unbounded preceding)
),
positioned as (
  select user_id, k, name, lead(name) over r as next_name, ${sql.join(sessionBounds, sql`, `)}
  from sessioned
  window s as (partition by user_id, session_no order by ts, id), r as (s rows unbounded preceding)
),
steps as (${steps}),
links as (
  select step, name as event, target, count(*)::int as users
  from (select distinct step, name, target, user_id from steps where target is not null) distinct_links
  group by step, name, target
  order by users desc, step, name, target
  limit ${topLinks}
)
select 'node' as kind, step, name as event, null::text as target, count(*)::int as users
from (select distinct step, name, user_id from steps) distinct_nodes group by step, name
union all
select 'link', step, event, target, users from links
order by kind desc, step, users desc, event, target`;
  return { statement };
}
