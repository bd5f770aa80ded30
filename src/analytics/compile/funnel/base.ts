import { type SQL, sql } from "drizzle-orm";
import { joinSql } from "../../../semantic/sql";
import type { EventMatcher } from "../common";

/**
 * What every funnel mode shares: step groups, the attempt a mode builds from one entry, and
 * the hop walk of the modes that take the steps in order (ORDERED, STRICT). Each mode is a
 * `FunnelModeBuilder` in a file of its own; `../funnel.ts` builds the rest of the statement.
 */

export const raw = (n: number) => sql.raw(String(n));

/**
 * How many of the user's events of step group `g` sit at positions <= `position`: a binary
 * search (`width_bucket` over the sorted positions `u.p<g>`), so `u.p<g>[that + 1]` is the
 * group's first event after `position` (null when there is none or `position` is null).
 */
export const positionsUpTo = (g: SQL, position: SQL): SQL => sql`width_bucket(${position}, u.p${g})`;

/** `positionsUpTo` for the events of exclusion `j` (`u.px<j>`). */
export const exclusionsUpTo = (j: number, position: SQL): SQL => positionsUpTo(sql.raw(`x${j}`), position);

/** Identical step definitions share one group (one flag, one set of arrays). */
export interface StepGroups {
  list: Array<{ matcher: EventMatcher; size: number }>;
  /** The group of each step. */
  ofStep: number[];
}

export interface ValidExclusion extends EventMatcher {
  fromStep: number;
  toStep: number;
}

export interface AttemptSql {
  /** LATERAL joins after the entries `e(q0)` (per-user arrays are `u.*`). */
  hops: SQL;
  /** The attempt's step times in order (`times[k + 1]` = when step k was done). */
  times: SQL;
  /**
   * How many steps the attempt did (`cardinality(times)`), as the sort key of the attempts:
   * computed for every attempt, while `times` is built for the chosen one only.
   */
  steps: SQL;
  /** Per exclusion: whether it voids the attempt, and how many steps were done before its event. */
  voids: Array<{ voided: SQL; stepsBefore: SQL }>;
}

/** What one funnel mode decides; everything else of the statement is shared. */
export interface FunnelModeBuilder {
  /** Which matched events may start an attempt (over the group flags `g<n>`), inside the range. */
  entry(groups: StepGroups, inRange: SQL): SQL;
  /** Which of the user's events are scanned (`names`: of the steps and exclusions). */
  scanned(names: SQL): SQL;
  attempt(groups: StepGroups, stepCount: number, exclusions: ValidExclusion[], window: SQL): AttemptSql;
  /** Refuses an exclusion the mode cannot apply (`field` names it, e.g. `exclusions[0]`). */
  checkExclusion(exclusion: ValidExclusion, field: string, stepCount: number): void;
}

/** Entry at a step-0 event; only events of the steps and exclusions are scanned. */
export const stepZeroEntry = (groups: StepGroups, inRange: SQL): SQL =>
  sql`g${raw(groups.ofStep[0])} and ${inRange}`;
export const namedEvents = (names: SQL): SQL => sql`f.name = any(${names})`;

/**
 * Steps taken in order: hop from the entry to each step's event; `q{k}` is its position or
 * null. `candidate(g, previous)` is the position the mode takes for a step of group g after
 * the previous step's position `previous` (null when there is none); it must grow with the
 * position, so the times along the chain never decrease.
 *
 * The chain `z{k}` of candidates ignores the window: once a step falls outside it, every
 * later candidate (a later position, so no earlier time) does too, so `q{k}` only has to check
 * its own time. Each hop reads the previous one once: PostgreSQL inlines these lateral
 * subqueries into one expression per attempt, and a hop that re-read its window-checked
 * predecessor twice made that expression grow as 2^steps. For the same reason the step's time
 * `t{k}` reads its candidate's time once: `nullif(least(x, limit), limit)` is x when x comes
 * before `limit` (the window's end plus one microsecond, the resolution of timestamps) and
 * null otherwise (also when x is null, which `least` ignores).
 */
export function hopAttempt(
  groups: StepGroups,
  stepCount: number,
  exclusions: ValidExclusion[],
  window: SQL,
  candidate: (g: SQL, previous: SQL, k: number) => SQL,
): AttemptSql {
  const deadline = sql`u.ts[e.q0] + ${window}`;
  const chained = (k: number) => (k === 0 ? sql`e.q0` : sql.raw(`h${k}.z`));
  const position = (k: number) => (k === 0 ? sql`e.q0` : sql.raw(`h${k}.q`));
  const limit = sql`(${deadline} + interval '1 microsecond')`;
  const hops = Array.from({ length: stepCount - 1 }, (_, i) => {
    const k = i + 1;
    return sql`cross join lateral (select case when u.ts[z.c] <= ${deadline} then z.c end as q, z.c as z,
        nullif(least(u.ts[z.c], ${limit}), ${limit}) as t
      from (select ${candidate(raw(groups.ofStep[k]), chained(k - 1), k)} as c) z) h${raw(k)}`;
  });
  const time = (k: number) => (k === 0 ? sql`u.ts[e.q0]` : sql.raw(`h${k}.t`));
  const times = sql`array_remove(array[${joinSql(Array.from({ length: stepCount }, (_, k) => time(k)))}], null)`;
  const steps = sql`(1${sql.join(
    Array.from({ length: stepCount - 1 }, (_, i) => sql` + (${time(i + 1)} is not null)::int`),
  )})`;
  const positions = sql`array[${joinSql(Array.from({ length: stepCount }, (_, k) => position(k)))}]`;
  const voids = exclusions.map((exclusion, j) => {
    const from = position(exclusion.fromStep);
    const to = position(exclusion.toStep);
    const next = sql`u.px${raw(j)}[${exclusionsUpTo(j, from)} + 1]`;
    return {
      voided: sql`coalesce(case when ${to} is not null then ${next} < ${to} else u.ts[${next}] <= ${deadline} end, false)`,
      stepsBefore: sql`(select count(*)::int from unnest(${positions}) as p where p < ${next})`,
    };
  });
  return {
    hops: joinSql(
      hops,
      sql`
`,
    ),
    times,
    steps,
    voids,
  };
}
