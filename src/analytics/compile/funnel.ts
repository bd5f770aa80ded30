import { type SQL, sql } from "drizzle-orm";
import { badInput } from "../../errors";
import { textArray } from "../../semantic/arrays";
import { resolvedEvents } from "../../semantic/facts";
import { joinSql } from "../../semantic/sql";
import { rangeBounds, type TimeRange } from "../../semantic/time";
import {
  type AnalysisScope,
  assertEventName,
  assertInteger,
  assertPropertyFilter,
  type EventMatcher,
  eventMatches,
  resolveBreakdown,
  segmentFilter,
} from "./common";
import { type FunnelModeBuilder, raw, type StepGroups, type ValidExclusion } from "./funnel/base";
import { orderedFunnel } from "./funnel/ordered";
import { strictFunnel } from "./funnel/strict";
import { unorderedFunnel } from "./funnel/unordered";

export const FUNNEL_MODES = ["ORDERED", "STRICT", "UNORDERED"] as const;
export type FunnelMode = (typeof FUNNEL_MODES)[number];

/** One builder per mode (`funnel/`): entry, scanned events, attempt walk, exclusion rule. */
const FUNNEL_MODE_BUILDERS: Record<FunnelMode, FunnelModeBuilder> = {
  ORDERED: orderedFunnel,
  STRICT: strictFunnel,
  UNORDERED: unorderedFunnel,
};

/** Window units in seconds; a MONTH is 30 days, so windows do not depend on the calendar. */
export const WINDOW_UNIT_SECONDS = {
  SECOND: 1,
  MINUTE: 60,
  HOUR: 3600,
  DAY: 86_400,
  WEEK: 604_800,
  MONTH: 2_592_000,
} as const;
export type WindowUnit = keyof typeof WINDOW_UNIT_SECONDS;

export const MAX_FUNNEL_STEPS = 20;

/**
 * Lower edges, in seconds, of the time-to-convert bins: 0, 1 min, 5 min, 15 min, 1 h, 6 h,
 * 1 d, 3 d, 7 d, 30 d (the last bin open). A funnel reports the bins up to the one holding
 * its window's length, since no step takes longer than the window.
 */
export const TIME_TO_CONVERT_EDGES = [0, 60, 300, 900, 3600, 21_600, 86_400, 259_200, 604_800, 2_592_000];

/** The bins a window can fill: each from its edge to the next (null: open). */
export function timeToConvertBins(
  windowSeconds: number,
): Array<{ fromSeconds: number; toSeconds: number | null }> {
  return TIME_TO_CONVERT_EDGES.filter((edge) => edge <= windowSeconds).map((fromSeconds, i) => ({
    fromSeconds,
    toSeconds: TIME_TO_CONVERT_EDGES[i + 1] ?? null,
  }));
}
const MAX_WINDOW_SECONDS = 366 * 86_400;

export interface FunnelDefinition extends AnalysisScope {
  steps: EventMatcher[];
  window?: { value: number; unit: WindowUnit } | null;
  mode?: FunnelMode | null;
  timeRange: TimeRange;
  exclusions?: Array<{ event: string; fromStep: number; toStep: number }> | null;
  breakdown?: string | null;
}

export interface CompiledFunnel {
  statement: SQL;
  stepCount: number;
  /** Bins of the `ttc<k>` columns: users per bin of time from step k − 1 to step k. */
  timeToConvertBins: Array<{ fromSeconds: number; toSeconds: number | null }>;
  /** Event names the definition refers to (steps and exclusions), to check they exist. */
  eventNames: string[];
  hasBreakdown: boolean;
}

/** One result row: the total (breakdown null and `isTotal`) or one breakdown value. */
export interface FunnelRow extends Record<string, unknown> {
  is_total: boolean;
  breakdown: string | null;
}

/**
 * Compiles a funnel (PostHog's semantics) into one statement.
 *
 * - An attempt starts at a step-0 event inside the range; every later step must happen
 *   within the window of that entry (`ts <= entry + window`, so exactly at the limit converts).
 * - A user's events are totally ordered by (timestamp, event id): events with equal
 *   timestamps count in ingestion order. ORDERED takes, for each step, the user's first
 *   matching event after the previous step's event in that order (the greedy choice reaches
 *   furthest), so a step repeated in the definition needs a distinct, later event. STRICT
 *   requires the very next event of the user (of any name) to match. UNORDERED counts, from
 *   an entry event matching any step, the steps satisfied by distinct events at or after it
 *   within the window (steps with identical definitions need that many distinct events).
 * - An exclusion voids an attempt when its event comes after the attempt's `fromStep` event
 *   and before its `toStep` event in that order (or, when `toStep` was never reached, before
 *   the window closes). UNORDERED steps have no order to exclude between, so there an
 *   exclusion spans the whole attempt (fromStep 0, toStep last: after the entry, before the
 *   event that completes the funnel or the window's end).
 * - Each user counts once, at the furthest step of their best attempt; among equally far
 *   attempts the earliest entry wins (its times and breakdown value are the user's).
 *   A void attempt still has a reach: it goes on to the first step after its excluded event
 *   and no further (steps done before that event + 1, at most its full reach). When every
 *   attempt of the user's furthest reach is void, the user is dropped from the funnel (every
 *   step, the entry too), not counted at a shorter attempt: PostHog's rule, where a user whose
 *   furthest path crosses an exclusion is excluded. A non-void attempt of equal reach wins.
 *
 * How: one sort of the matching events by (user, timestamp, id) feeds one aggregate per user
 * (PostgreSQL aggregates a sorted subquery in order, so array index = the event's position;
 * on Citus the subquery's `offset 0` has it sorted as a whole, not per shard):
 * the user's timestamps, and per distinct step definition g the sorted positions `p_g` of its
 * events (`array_positions` of the g flags). "The first g-event after position q" is then
 * `p_g[width_bucket(q, p_g) + 1]` (`width_bucket` over a sorted array is a binary search that
 * counts the elements <= q), so every attempt walks its steps without joins or window passes.
 */
export function compileFunnel(definition: FunnelDefinition): CompiledFunnel {
  const steps = validateSteps(definition.steps);
  const mode = definition.mode ?? "ORDERED";
  if (!FUNNEL_MODES.includes(mode))
    throw badInput(`mode must be one of ${FUNNEL_MODES.join(", ")}`, { argument: "mode" });
  const builder = FUNNEL_MODE_BUILDERS[mode];
  const windowSeconds = validateWindow(definition.window);
  const exclusions = validateExclusions(definition.exclusions, steps.length, builder);
  const breakdown = definition.breakdown ? resolveBreakdown(definition.breakdown, "breakdown") : null;
  const bounds = rangeBounds(definition.timeRange, definition.timezone);
  const window = sql`make_interval(secs => ${windowSeconds}::int)`;

  const groups = stepGroups(steps);
  const names = [...new Set([...steps.map((s) => s.event), ...exclusions.map((x) => x.event)])];
  const flags = [
    ...groups.list.map((group, g) => sql`${eventMatches("f", group.matcher)} as g${raw(g)}`),
    ...exclusions.map((exclusion, j) => sql`${eventMatches("f", exclusion)} as x${raw(j)}`),
  ];
  const inRange = sql`ts >= ${bounds.from} and ts < ${bounds.to}`;
  const entry = builder.entry(groups, inRange);
  const positionsWhere = (flag: SQL) => sql`array_positions(array_agg(${flag}), true)`;
  const arrays = [
    sql`array_agg(ts) as ts`,
    ...groups.list.map((_, g) => sql`${positionsWhere(sql.raw(`g${g}`))} as p${raw(g)}`),
    ...exclusions.map((_, j) => sql`${positionsWhere(sql.raw(`x${j}`))} as px${raw(j)}`),
    sql`${positionsWhere(entry)} as entries`,
    ...(breakdown?.kind === "EVENT" ? [sql`array_agg(bd) as bd`] : []),
  ];
  const nameFilter = builder.scanned(textArray(names));
  const eventBreakdown = breakdown?.kind === "EVENT" ? sql`, ${breakdown.expression} as bd` : sql``;

  const attempt = builder.attempt(groups, steps.length, exclusions, window);
  const entryBreakdown = breakdown?.kind === "EVENT" ? sql`u.bd[e.q0]` : sql`null::text`;
  const reachedSteps = attempt.steps;
  // A void attempt goes on to the first step after its excluded event, and no further.
  const reached = attempt.voids.length
    ? sql`least(${reachedSteps}, ${joinSql(attempt.voids.map((v) => sql`case when ${v.voided} then ${v.stepsBefore} + 1 end`))})`
    : reachedSteps;
  const voided = attempt.voids.length
    ? sql`(${joinSql(
        attempt.voids.map((v) => v.voided),
        sql` or `,
      )})`
    : sql`false`;
  // A user dimension is joined, not read by a subquery per best attempt: Citus cannot run a
  // subquery over the distributed users table correlated with rows finished on the coordinator.
  // The join is to a subquery naming the value, because Citus 12.1, pulling `users` for a left
  // join, keeps only the join column of a bare table and reads every other column as null.
  const userBreakdown = breakdown?.kind === "USER" ? sql`ud.bd` : sql`b.bd`;
  const userJoin =
    breakdown?.kind === "USER"
      ? sql` left join (select u.id, ${breakdown.expression} as bd from users u) ud on ud.id = b.user_id`
      : sql``;

  const bins = timeToConvertBins(windowSeconds);
  const edges = sql.raw(`array[${bins.map((bin) => bin.fromSeconds).join(", ")}]::float8[]`);
  // Per later step k, once per user: seconds from step k − 1 (s<k>) and its bin (w<k>, 1-based).
  const timings = steps.slice(1).map((_, i) => {
    const k = i + 1;
    const seconds = sql`extract(epoch from (b.times[${raw(k + 1)}] - b.times[${raw(k)}]))::float8`;
    return sql`${seconds} as s${raw(k)}, width_bucket(${seconds}, ${edges}) as w${raw(k)}`;
  });
  const stepAggregates = steps.map((_, k) => {
    const count = sql`count(*) filter (where reached >= ${raw(k + 1)})::int as c${raw(k)}`;
    if (k === 0) return count;
    const binCounts = bins.map((_, i) => sql`count(*) filter (where w${raw(k)} = ${raw(i + 1)})::int`);
    return sql`${count}, avg(s${raw(k)}) as avg${raw(k)},
      percentile_cont(0.5) within group (order by s${raw(k)}) as median${raw(k)},
      array[${joinSql(binCounts)}] as ttc${raw(k)}`;
  });
  const grouping = breakdown ? sql`group by grouping sets ((), (bd))` : sql``;
  // `offset 0` keeps the sort where the aggregate runs. Citus pushes a subquery's bare `order by`
  // down to the shards and feeds the aggregate their rows shard after shard, so a merged
  // profile's events (on two shards) would reach it out of order; a subquery with an offset is
  // sorted as a whole on the coordinator. PostgreSQL plans no step for an `offset 0`.
  const sorted = sql`order by 1, f.ts, f.id
    offset 0`;
  // The entries are unnested in a subquery, not by `unnest(…) as e(q0)` in the from list: Citus
  // 12.1 deparses such a function wrongly when the laterals after it read the outer row `u`
  // ("invalid attnum N for relation e"), or plans it as if the events were empty.
  const entries = sql`(select unnest(u.entries) as q0) e`;
  const statement = sql`with per_user as (
  select user_id, ${joinSql(arrays)}
  from (
    select f.user_id, f.ts, f.id${eventBreakdown}, ${joinSql(flags)}
    from ${resolvedEvents} f
    where f.ts >= ${bounds.from} and f.ts < ${bounds.to} + ${window} and ${nameFilter}
      and ${segmentFilter(definition, sql`f.user_id`)}
    ${sorted}
  ) ordered
  group by user_id
),
best as (
  select b.user_id, ${userBreakdown} as bd, b.reached, b.times from (
    select u.user_id, a.reached, a.times, a.bd
    from per_user u
    cross join lateral (
      select ${reached} as reached, ${voided} as voided, ${attempt.times} as times, ${entryBreakdown} as bd
      from ${entries}
      ${attempt.hops}
      order by 1 desc, 2, e.q0
      limit 1
    ) a
    where cardinality(u.entries) > 0 and not a.voided
  ) b${userJoin}
)
select ${breakdown ? sql`grouping(bd) = 1` : sql`true`} as is_total, ${breakdown ? sql`bd` : sql`null::text`} as breakdown,
  ${joinSql(stepAggregates)}
from ${timings.length ? sql`(select b.*, ${joinSql(timings)} from best b) timed` : sql`best`} ${grouping}
order by is_total desc, c0 desc, breakdown`;
  return {
    statement,
    stepCount: steps.length,
    timeToConvertBins: bins,
    eventNames: names,
    hasBreakdown: breakdown !== null,
  };
}

function stepGroups(steps: EventMatcher[]): StepGroups {
  const list: StepGroups["list"] = [];
  const keys: string[] = [];
  const ofStep = steps.map((step) => {
    const key = JSON.stringify([step.event, sortedEntries(step.where)]);
    let g = keys.indexOf(key);
    if (g < 0) {
      g = keys.push(key) - 1;
      list.push({ matcher: step, size: 0 });
    }
    list[g].size += 1;
    return g;
  });
  return { list, ofStep };
}

function validateSteps(steps: unknown): EventMatcher[] {
  if (!Array.isArray(steps) || steps.length === 0)
    throw badInput("steps must not be empty", { argument: "steps" });
  if (steps.length > MAX_FUNNEL_STEPS) {
    throw badInput(`steps allows at most ${MAX_FUNNEL_STEPS} steps`, { argument: "steps" });
  }
  return steps.map((step, k) => ({
    event: assertEventName(step?.event, `steps[${k}].event`),
    where: assertPropertyFilter(step?.where, `steps[${k}].where`),
  }));
}

function validateWindow(window: FunnelDefinition["window"]): number {
  if (!window) return 14 * WINDOW_UNIT_SECONDS.DAY;
  if (!(window.unit in WINDOW_UNIT_SECONDS)) {
    throw badInput(`window.unit must be one of ${Object.keys(WINDOW_UNIT_SECONDS).join(", ")}`, {
      argument: "window.unit",
    });
  }
  if (!Number.isInteger(window.value) || window.value <= 0) {
    throw badInput("window.value must be a positive integer", { argument: "window.value" });
  }
  const seconds = window.value * WINDOW_UNIT_SECONDS[window.unit];
  if (seconds > MAX_WINDOW_SECONDS)
    throw badInput("window must be at most 366 days", { argument: "window.value" });
  return seconds;
}

function validateExclusions(
  exclusions: FunnelDefinition["exclusions"],
  stepCount: number,
  builder: FunnelModeBuilder,
): ValidExclusion[] {
  if (!exclusions || exclusions.length === 0) return [];
  return exclusions.map((exclusion, j) => {
    const field = `exclusions[${j}]`;
    const event = assertEventName(exclusion?.event, `${field}.event`);
    const fromStep = assertInteger(exclusion.fromStep, `${field}.fromStep`, 0, stepCount - 2);
    const toStep = assertInteger(exclusion.toStep, `${field}.toStep`, fromStep + 1, stepCount - 1);
    builder.checkExclusion({ event, fromStep, toStep }, field, stepCount);
    return { event, fromStep, toStep };
  });
}

function sortedEntries(where: EventMatcher["where"]): Array<[string, unknown]> {
  return Object.entries(where ?? {}).sort(([a], [b]) => a.localeCompare(b));
}
