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
  // Each session's path as an array of event names; `first_pos` is where it starts (1-based),
  // `last_pos` where it ends, `step_offset` the step number of the first element minus one.
  let window: SQL;
  if (startEvent && endEvent) {
    window = sql`select user_id, names, p as first_pos, least(array_position(names, ${endEvent}, p), p + ${maxSteps - 1}::int) as last_pos, 0 as step_offset
      from (select user_id, names, array_position(names, ${startEvent}) as p from session_paths) s
      where p is not null and array_position(names, ${endEvent}, p) is not null`;
  } else if (startEvent) {
    window = sql`select user_id, names, p as first_pos, p + ${maxSteps - 1}::int as last_pos, 0 as step_offset
      from (select user_id, names, array_position(names, ${startEvent}) as p from session_paths) s where p is not null`;
  } else if (endEvent) {
    window = sql`select user_id, names, greatest(1, e - ${maxSteps - 1}::int) as first_pos, e as last_pos,
        ${maxSteps - 1}::int - (e - greatest(1, e - ${maxSteps - 1}::int)) as step_offset
      from (select user_id, names, array_position(names, ${endEvent}) as e from session_paths) s where e is not null`;
  } else {
    window = sql`select user_id, names, 1 as first_pos, ${maxSteps}::int as last_pos, 0 as step_offset from session_paths`;
  }

  const statement = sql`with marked as (
  select e.user_id, e.ts, e.id, e.name, lag(e.ts) over w as prev_ts, lag(e.name) over w as prev_name
  from ${resolvedEvents} e
  where e.ts >= ${bounds.from} and e.ts < ${bounds.to}
    ${excluded.length ? sql`and e.name <> all(${textArray(excluded)})` : sql``}
    and ${segmentFilter(definition, sql`e.user_id`)}
  window w as (partition by e.user_id order by e.ts, e.id)
),
sessioned as (
  select user_id, ts, id, name,
    (prev_ts is not null and ts - prev_ts <= ${gap} and prev_name = name) as repeated,
    sum(case when prev_ts is null or ts - prev_ts > ${gap} then 1 else 0 end)
      over (partition by user_id order by ts, id rows unbounded preceding) as session_no
  from marked
),
session_paths as (
  select user_id, array_agg(name order by ts, id) as names
  from sessioned where not repeated group by user_id, session_no
),
paths as (
  select user_id, step_offset, names[first_pos:last_pos] as path from (${window}) w
),
steps as (
  select p.user_id, (p.step_offset + u.ord)::int as step, u.name, p.path[u.ord + 1] as target
  from paths p cross join lateral unnest(p.path) with ordinality as u(name, ord)
),
links as (
  select step, name as event, target, count(*)::int as users
  from (select distinct user_id, step, name, target from steps where target is not null) d
  group by step, name, target
  order by users desc, step, name, target
  limit ${topLinks}
)
select 'node' as kind, step, name as event, null::text as target, count(*)::int as users
from (select distinct user_id, step, name from steps) d group by step, name
union all
select 'link', step, event, target, users from links
order by kind desc, step, users desc, event, target`;
  return { statement };
}
