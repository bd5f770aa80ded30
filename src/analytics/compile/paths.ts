import { type SQL, sql } from "drizzle-orm";
import { badInput } from "../../errors";
import { resolvedEvents } from "../../semantic/facts";
import { rangeBounds, type TimeRange } from "../../semantic/time";
import { type AnalysisScope, assertEventName, assertInteger, segmentFilter } from "./common";
import { toTextArray } from "./funnel";

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
 * Paths (SPEC S7, PostHog semantics). A user's events in the range, minus `excludeEvents`,
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
        field: "excludeEvents",
      });
    }
  }
  const bounds = rangeBounds(definition.timeRange, definition.timezone);

  const fromStart = startEvent !== null || endEvent === null;
  const starts = startEvent
    ? sql`select user_id, session_no, min(pos) as first_pos from numbered where name = ${startEvent} group by 1, 2`
    : sql`select user_id, session_no, 1::bigint as first_pos from numbered group by 1, 2`;
  const ends = endEvent
    ? sql`select n.user_id, n.session_no, min(n.pos) as end_pos from numbered n
        ${startEvent ? sql`join starts s using (user_id, session_no) where n.pos >= s.first_pos and` : sql`where`}
        n.name = ${endEvent} group by 1, 2`
    : null;

  let pathSteps: SQL;
  if (fromStart) {
    pathSteps = sql`select n.user_id, n.session_no, (n.pos - s.first_pos + 1)::int as step, n.name
      from numbered n join starts s using (user_id, session_no)
      ${ends ? sql`join ends d using (user_id, session_no)` : sql``}
      where n.pos >= s.first_pos and n.pos < s.first_pos + ${maxSteps}
      ${ends ? sql`and n.pos <= d.end_pos` : sql``}`;
  } else {
    pathSteps = sql`select n.user_id, n.session_no, (${maxSteps} - (d.end_pos - n.pos))::int as step, n.name
      from numbered n join ends d using (user_id, session_no)
      where n.pos <= d.end_pos and n.pos > d.end_pos - ${maxSteps}`;
  }

  const statement = sql`with scoped as (
  select e.id, e.user_id, e.ts, e.name,
    lag(e.ts) over (partition by e.user_id order by e.ts, e.id) as prev_ts
  from ${resolvedEvents} e
  where e.ts >= ${bounds.from} and e.ts < ${bounds.to}
    ${excluded.length ? sql`and e.name <> all(${toTextArray(excluded)}::text[])` : sql``}
    and ${segmentFilter(definition, sql`e.user_id`)}
),
sessions as (
  select id, user_id, ts, name,
    sum(case when prev_ts is null or ts - prev_ts > make_interval(mins => ${gapMinutes}::int) then 1 else 0 end)
      over (partition by user_id order by ts, id) as session_no
  from scoped
),
collapsed as (
  select * from (
    select id, user_id, ts, name, session_no,
      lag(name) over (partition by user_id, session_no order by ts, id) as prev_name
    from sessions
  ) s where prev_name is distinct from name
),
numbered as (
  select user_id, session_no, name, row_number() over (partition by user_id, session_no order by ts, id) as pos
  from collapsed
),
${fromStart ? sql`starts as (${starts}),` : sql``}
${ends ? sql`ends as (${ends}),` : sql``}
path_steps as (${pathSteps}),
links as (
  select a.step, a.name as event, b.name as target, count(distinct a.user_id)::int as users
  from path_steps a join path_steps b
    on b.user_id = a.user_id and b.session_no = a.session_no and b.step = a.step + 1
  group by a.step, a.name, b.name
  order by users desc, a.step, a.name, b.name
  limit ${topLinks}
)
select 'node' as kind, step, name as event, null::text as target, count(distinct user_id)::int as users
from path_steps group by step, name
union all
select 'link', step, event, target, users from links
order by kind desc, step, users desc, event, target`;
  return { statement };
}
