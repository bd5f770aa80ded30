import { METRICS_BY_KEY } from "../../metrics/catalog";
import { DIMENSIONS_BY_KEY } from "../../metrics/dimensions";
import { instantMs, isLocalMidnight } from "../time";
import type { DimensionRef, MetricFilter, MetricQuery } from "./query";

/**
 * Whether a metric query can read the user-day rollups instead of the raw facts (pure). The
 * rollups hold whole local days of one zone and the conformed slices, so they answer a query
 * exactly when every bucket and every window edge it reads is a local midnight of that zone and
 * every fact dimension it groups or filters by is a rollup column; otherwise the raw facts do.
 * Conversion metrics always read the raw events (their windows are minutes after each event).
 */
export type RollupChoice = { use: true } | { use: false; reason: string };

function filterRefs(filter: MetricFilter): DimensionRef[] {
  if ("and" in filter) return filter.and.flatMap(filterRefs);
  if ("or" in filter) return filter.or.flatMap(filterRefs);
  if ("not" in filter) return filterRefs(filter.not);
  return [filter.dimension];
}

/** `rollupTimezone`: the zone the rollups were built in; undefined when there are none. */
export function chooseRollups(query: MetricQuery, rollupTimezone: string | undefined): RollupChoice {
  if (rollupTimezone === undefined) return { use: false, reason: "no rollups are built" };
  if (query.timezone !== rollupTimezone)
    return {
      use: false,
      reason: `the rollups' days are in ${rollupTimezone}, the query is in ${query.timezone}`,
    };
  if (query.grain === "HOUR") return { use: false, reason: "HOUR buckets are finer than days" };
  const { from, to } = query.range;
  if (!isLocalMidnight(from, query.timezone) || !isLocalMidnight(to, query.timezone))
    return { use: false, reason: "the range does not start and end at local midnights" };
  const equallyLongBefore =
    query.grain === "ALL" &&
    (query.compareTo === "PREVIOUS_PERIOD" ||
      query.metrics.some((key) => METRICS_BY_KEY.get(key)?.definition.kind === "CHURN"));
  if (equallyLongBefore) {
    // The window of the same length before the range (in seconds) must start at a midnight too.
    const start = 2 * instantMs(from, query.timezone) - instantMs(to, query.timezone);
    if (!isLocalMidnight(new Date(start), query.timezone))
      return {
        use: false,
        reason: "the equally long window before the range does not start at a local midnight",
      };
  }
  const refs = [...query.dimensions, ...(query.where ? filterRefs(query.where) : [])];
  for (const ref of refs) {
    const source = DIMENSIONS_BY_KEY.get(ref.key)?.source;
    if (source?.kind === "FACT" && source.rollup === undefined)
      return { use: false, reason: `${ref.key} is not a rollup slice` };
  }
  return { use: true };
}
