import { sql } from "drizzle-orm";
import { badInput } from "../../../errors";
import { joinSql } from "../../../semantic/sql";
import { exclusionsUpTo, type FunnelModeBuilder, namedEvents, positionsUpTo, raw } from "./base";

/**
 * UNORDERED: an attempt starts at an event matching any step; for each step group of size m,
 * its first m events at or after the entry (inside the window) satisfy it; `o.ps` are those
 * events' positions in order and `times` their timestamps. Exclusions span the whole funnel:
 * one voids the attempt when its event comes after the entry and before the event that
 * completes the last step (or, when the funnel is not completed, before the window closes).
 */
export const unorderedFunnel: FunnelModeBuilder = {
  entry: (groups, inRange) =>
    sql`(${joinSql(
      groups.list.map((_, g) => sql.raw(`g${g}`)),
      sql` or `,
    )}) and ${inRange}`,
  scanned: namedEvents,
  attempt(groups, stepCount, exclusions, window) {
    const deadline = sql`u.ts[e.q0] + ${window}`;
    const found = groups.list.flatMap((group, g) =>
      Array.from({ length: group.size }, (_, j) => {
        const position = sql`u.p${raw(g)}[${positionsUpTo(raw(g), sql`e.q0 - 1`)} + ${raw(j + 1)}]`;
        return sql`case when u.ts[${position}] <= ${deadline} then ${position} end`;
      }),
    );
    const voids = exclusions.map((_, j) => {
      const next = sql`u.px${raw(j)}[${exclusionsUpTo(j, sql`e.q0`)} + 1]`;
      return {
        voided: sql`coalesce(case when cardinality(o.ps) = ${raw(stepCount)} then ${next} < o.ps[${raw(stepCount)}] else u.ts[${next}] <= ${deadline} end, false)`,
        stepsBefore: sql`(select count(*)::int from unnest(o.ps) as p where p < ${next})`,
      };
    });
    return {
      hops: sql`cross join lateral (select array(select p from unnest(array[${joinSql(found)}]) as p where p is not null order by p) as ps) o`,
      times: sql`array(select u.ts[p] from unnest(o.ps) with ordinality as t(p, n) order by n)`,
      steps: sql`cardinality(o.ps)`,
      voids,
    };
  },
  // Steps of an UNORDERED funnel have no order to exclude between: only the whole attempt.
  checkExclusion(exclusion, field, stepCount) {
    if (exclusion.fromStep !== 0 || exclusion.toStep !== stepCount - 1) {
      const wrong = exclusion.fromStep !== 0 ? "fromStep" : "toStep";
      throw badInput(
        `${field}: an UNORDERED funnel excludes over the whole attempt: fromStep 0 and toStep ${stepCount - 1}`,
        { argument: `${field}.${wrong}` },
      );
    }
  },
};
