import { type SQL, sql } from "drizzle-orm";
import { badInput } from "../../errors";
import { resolvedEvents } from "../../semantic/facts";
import { joinSql } from "../../semantic/sql";
import { rangeBounds, type TimeRange } from "../../semantic/time";
import {
  type AnalysisScope,
  assertEventName,
  assertInteger,
  assertPropertyFilter,
  type Breakdown,
  type EventMatcher,
  eventMatches,
  resolveBreakdown,
  segmentFilter,
} from "./common";

export const FUNNEL_MODES = ["ORDERED", "STRICT", "UNORDERED"] as const;
export type FunnelMode = (typeof FUNNEL_MODES)[number];

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
 * Compiles a funnel (SPEC S7, PostHog semantics) into one statement.
 *
 * - An attempt starts at a step-0 event inside the range; every later step must happen
 *   within the window of that entry (`ts <= entry + window`, so exactly at the limit converts).
 * - A user's events are totally ordered by (timestamp, event id): events with equal
 *   timestamps count in ingestion order. ORDERED takes, for each step, the user's first
 *   matching event after the previous step's event in that order (the greedy choice reaches
 *   furthest), so a step repeated in the definition needs a distinct, later event. STRICT
 *   requires the very next event of the user (of any name) to match. UNORDERED counts, from
 *   an entry event matching any step, the steps satisfied by distinct events inside the window.
 * - An exclusion voids an attempt when its event occurs strictly after the attempt's
 *   `fromStep` event and strictly before its `toStep` event (or, when `toStep` was never
 *   reached, until the window closes). A void attempt counts at no step.
 * - Each user counts once, at the furthest step of their best attempt; among equally far
 *   attempts the earliest entry wins (its times and breakdown value are the user's).
 */
export function compileFunnel(definition: FunnelDefinition): CompiledFunnel {
  const steps = validateSteps(definition.steps);
  const mode = definition.mode ?? "ORDERED";
  if (!FUNNEL_MODES.includes(mode))
    throw badInput(`mode must be one of ${FUNNEL_MODES.join(", ")}`, { field: "mode" });
  const windowSeconds = validateWindow(definition.window);
  const exclusions = validateExclusions(definition.exclusions, steps.length, mode);
  const breakdown = definition.breakdown ? resolveBreakdown(definition.breakdown, "breakdown") : null;
  const bounds = rangeBounds(definition.timeRange, definition.timezone);
  const window = sql`make_interval(secs => ${windowSeconds}::int)`;

  const stepFlags = steps.map((step, k) => sql`${eventMatches("f", step)} as s${sql.raw(String(k))}`);
  const exclusionFlags = exclusions.map(
    (exclusion, j) => sql`${eventMatches("f", exclusion)} as x${sql.raw(String(j))}`,
  );
  const names = [...new Set([...steps.map((s) => s.event), ...exclusions.map((x) => x.event)])];
  // STRICT needs every event of the user to see what lies between two steps.
  const nameFilter = mode === "STRICT" ? sql`true` : sql`f.name = any(${toTextArray(names)}::text[])`;
  const eventBreakdown = breakdown?.kind === "EVENT" ? sql`${breakdown.expression}` : sql`null::text`;
  const nextStepColumns =
    mode !== "ORDERED"
      ? []
      : steps.slice(1).map((_, i) => {
          const k = i + 1;
          // Walking backwards keeps the frame start fixed, so min() stays incremental (linear).
          return sql`min(case when s${sql.raw(String(k))} then seq end) over (partition by user_id order by seq desc
            rows between unbounded preceding and 1 preceding) as next${sql.raw(String(k))}`;
        });

  const ctes: SQL[] = [
    sql`matched as (
    select f.id, f.user_id, f.ts, row_number() over (partition by f.user_id order by f.ts, f.id) as seq,
      ${eventBreakdown} as bd, ${joinSql([...stepFlags, ...exclusionFlags])}
    from ${resolvedEvents} f
    where f.ts >= ${bounds.from} and f.ts < ${bounds.to} + ${window} and ${nameFilter}
      and ${segmentFilter(definition, sql`f.user_id`)}
  )`,
    sql`fe as (select matched.*${nextStepColumns.length ? sql`, ${joinSql(nextStepColumns)}` : sql``} from matched)`,
  ];
  if (mode === "UNORDERED") {
    ctes.push(...unorderedAttempts(steps, bounds.from, bounds.to, window));
  } else {
    ctes.push(...orderedAttempts(steps.length, mode, exclusions, bounds.from, bounds.to, window));
  }
  ctes.push(bestAttempts(breakdown));

  const stepAggregates = steps.map((_, k) => {
    const count = sql`count(*) filter (where reached >= ${sql.raw(String(k + 1))})::int as c${sql.raw(String(k))}`;
    if (k === 0) return count;
    const seconds = sql`extract(epoch from (times[${sql.raw(String(k + 1))}] - times[${sql.raw(String(k))}]))::float8`;
    return sql`${count}, avg(${seconds}) as avg${sql.raw(String(k))},
      percentile_cont(0.5) within group (order by ${seconds}) as median${sql.raw(String(k))}`;
  });
  const grouping = breakdown ? sql`group by grouping sets ((), (bd))` : sql``;
  const statement = sql`with ${joinSql(ctes, sql`,\n`)}
select ${breakdown ? sql`grouping(bd) = 1` : sql`true`} as is_total, ${breakdown ? sql`bd` : sql`null::text`} as breakdown,
  ${joinSql(stepAggregates)}
from best ${grouping}
order by is_total desc, c0 desc, breakdown`;
  return { statement, stepCount: steps.length, eventNames: names, hasBreakdown: breakdown !== null };
}

/** ORDERED / STRICT: follow each entry through the steps, one hop per step. */
function orderedAttempts(
  stepCount: number,
  mode: "ORDERED" | "STRICT",
  exclusions: ValidExclusion[],
  from: SQL,
  to: SQL,
  window: SQL,
): SQL[] {
  // Each hop carries the next row to visit: `n{k}` is the seq of the first step-k event after
  // the current one (precomputed per row in `fe`), so a hop is one equality join.
  const carryNext = (k: number) =>
    k < stepCount && mode === "ORDERED"
      ? sql`, f.next${sql.raw(String(k))} as n${sql.raw(String(k))}`
      : sql``;
  const ctes: SQL[] = [
    sql`a0 as (select f.user_id, f.id as id0, f.bd, f.ts as t0, f.seq as q0${carryNext(1)} from fe f
      where f.s0 and f.ts >= ${from} and f.ts < ${to})`,
  ];
  for (let k = 1; k < stepCount; k++) {
    const [prev, cur] = [sql.raw(`a${k - 1}`), sql.raw(`a${k}`)];
    const [q, t, s] = [sql.raw(`q${k}`), sql.raw(`t${k}`), sql.raw(`s${k}`)];
    const hop =
      mode === "STRICT"
        ? sql`f.seq = a.q${sql.raw(String(k - 1))} + 1 and f.${s}`
        : sql`f.seq = a.n${sql.raw(String(k))}`;
    ctes.push(sql`${cur} as (select a.*, f.seq as ${q}, f.ts as ${t}${carryNext(k + 1)} from ${prev} a
      left join fe f on f.user_id = a.user_id and ${hop} and f.ts <= a.t0 + ${window})`);
  }
  const times = joinSql(Array.from({ length: stepCount }, (_, k) => sql.raw(`a.t${k}`)));
  const voids = exclusions.map((exclusion, j) => {
    const fromTs = sql.raw(`a.t${exclusion.fromStep}`);
    const toTs = sql.raw(`a.t${exclusion.toStep}`);
    return sql`exists (select 1 from fe x where x.user_id = a.user_id and x.x${sql.raw(String(j))}
      and x.ts > ${fromTs} and (x.ts < ${toTs} or (${toTs} is null and x.ts <= a.t0 + ${window})))`;
  });
  ctes.push(sql`attempts as (select a.user_id, a.id0, a.bd, array_remove(array[${times}], null) as times
    from ${sql.raw(`a${stepCount - 1}`)} a
    ${voids.length ? sql`where not (${joinSql(voids, sql` or `)})` : sql``})`);
  return ctes;
}

/**
 * UNORDERED: from each entry (an event matching any step, inside the range), the steps
 * satisfied by distinct events within the window. Identical step definitions form one
 * group that needs as many distinct events as it has steps. `times` lists the satisfying
 * events' timestamps in order, so `times[k]` is when the k-th step was completed.
 */
function unorderedAttempts(steps: EventMatcher[], from: SQL, to: SQL, window: SQL): SQL[] {
  const groups = new Map<string, { first: number; size: number }>();
  steps.forEach((step, k) => {
    const key = JSON.stringify([step.event, sortedEntries(step.where)]);
    const group = groups.get(key);
    if (group) group.size += 1;
    else groups.set(key, { first: k, size: 1 });
  });
  const groupRows = [...groups.values()].map(
    (group, g) =>
      sql`(${sql.raw(String(g))}, f.s${sql.raw(String(group.first))}, ${sql.raw(String(group.size))})`,
  );
  const anyStep = joinSql(
    steps.map((_, k) => sql.raw(`f.s${k}`)),
    sql` or `,
  );
  return [
    sql`a0 as (select f.user_id, f.id as id0, f.bd, f.ts as t0 from fe f
      where (${anyStep}) and f.ts >= ${from} and f.ts < ${to})`,
    sql`hits as (select a.id0, f.id, f.ts, g.needed,
        row_number() over (partition by a.id0, g.idx order by f.ts, f.id) as rn
      from a0 a join fe f on f.user_id = a.user_id and f.ts >= a.t0 and f.ts <= a.t0 + ${window}
      cross join lateral (values ${joinSql(groupRows)}) as g(idx, hit, needed)
      where g.hit)`,
    sql`attempts as (select a.user_id, a.id0, a.bd,
        array(select h.ts from hits h where h.id0 = a.id0 and h.rn <= h.needed order by h.ts, h.id) as times
      from a0 a)`,
  ];
}

function bestAttempts(breakdown: Breakdown | null): SQL {
  const value =
    breakdown?.kind === "USER"
      ? sql`(select ${breakdown.expression} from users u where u.id = b.user_id)`
      : sql`b.bd`;
  return sql`best as (select b.user_id, ${value} as bd, b.reached, b.times from (
    select distinct on (user_id) user_id, bd, cardinality(times) as reached, times
    from attempts order by user_id, cardinality(times) desc, times[1], id0) b)`;
}

interface ValidExclusion extends EventMatcher {
  fromStep: number;
  toStep: number;
}

function validateSteps(steps: unknown): EventMatcher[] {
  if (!Array.isArray(steps) || steps.length === 0)
    throw badInput("steps must not be empty", { field: "steps" });
  if (steps.length > MAX_FUNNEL_STEPS) {
    throw badInput(`steps allows at most ${MAX_FUNNEL_STEPS} steps`, { field: "steps" });
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
      field: "window.unit",
    });
  }
  if (!Number.isInteger(window.value) || window.value <= 0) {
    throw badInput("window.value must be a positive integer", { field: "window.value" });
  }
  const seconds = window.value * WINDOW_UNIT_SECONDS[window.unit];
  if (seconds > MAX_WINDOW_SECONDS)
    throw badInput("window must be at most 366 days", { field: "window.value" });
  return seconds;
}

function validateExclusions(
  exclusions: FunnelDefinition["exclusions"],
  stepCount: number,
  mode: FunnelMode,
): ValidExclusion[] {
  if (!exclusions || exclusions.length === 0) return [];
  if (mode === "UNORDERED") {
    throw badInput("exclusions need ordered steps; UNORDERED funnels take none", { field: "exclusions" });
  }
  return exclusions.map((exclusion, j) => {
    const field = `exclusions[${j}]`;
    const event = assertEventName(exclusion?.event, `${field}.event`);
    const fromStep = assertInteger(exclusion.fromStep, `${field}.fromStep`, 0, stepCount - 2);
    const toStep = assertInteger(exclusion.toStep, `${field}.toStep`, fromStep + 1, stepCount - 1);
    return { event, fromStep, toStep };
  });
}

function sortedEntries(where: EventMatcher["where"]): Array<[string, unknown]> {
  return Object.entries(where ?? {}).sort(([a], [b]) => a.localeCompare(b));
}

/** Postgres text-array literal for a `text[]` parameter (both drivers accept the text form). */
export function toTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/(["\\])/g, "\\$1")}"`).join(",")}}`;
}
