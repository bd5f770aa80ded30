import { type SQL, sql } from "drizzle-orm";
import { badInput } from "../../errors";
import { countedItems, countedOrders } from "../../semantic/facts";
import { rangeBounds, type TimeRange } from "../../semantic/time";
import { type AnalysisScope, segmentFilter } from "./common";

/** Histogram edges in days: [0, 1), [1, 7), … [365, ∞). */
export const REPURCHASE_BINS = [0, 1, 7, 14, 30, 60, 90, 180, 365] as const;
/** Groupings, each an attribute of the items of counted orders. */
export const REPURCHASE_GROUPS = { category: sql.raw("i.category"), brand: sql.raw("i.brand") } as const;

export interface RepurchaseDefinition extends AnalysisScope {
  timeRange: TimeRange;
  by?: string | null;
}

export interface RepurchaseRow extends Record<string, unknown> {
  is_overall: boolean;
  grp: string | null;
  /** Histogram bin index; null on the summary row. */
  bin: number | null;
  count: number;
  median_days: number | null;
  p25_days: number | null;
  p75_days: number | null;
}

export interface CompiledRepurchase {
  statement: SQL;
  bins: readonly number[];
}

function distribution(gaps: string, isOverall: boolean, bins: SQL): SQL {
  const source = sql.raw(gaps);
  const group = isOverall ? sql`null::text` : sql`grp`;
  const flag = sql.raw(isOverall ? "true" : "false");
  return sql`select ${flag} as is_overall, ${group} as grp, null::int as bin, count(*)::int as count,
    percentile_cont(0.5) within group (order by days) as median_days,
    percentile_cont(0.25) within group (order by days) as p25_days,
    percentile_cont(0.75) within group (order by days) as p75_days
  from ${source} ${isOverall ? sql`` : sql`group by grp`}
  union all
  select ${flag}, ${group}, width_bucket(days, ${bins}::float8[]) - 1, count(*)::int, null, null, null
  from ${source} group by 2, 3`;
}

/**
 * Repurchase cycle: days (fractional, 86,400 s each) between each counted order
 * placed in the range and the same customer's previous counted order, whenever that was.
 * Quartiles are continuous (`percentile_cont`). With `by`, the same per value: the gaps
 * between consecutive counted orders containing an item of that category (or brand).
 */
export function compileRepurchaseCycle(definition: RepurchaseDefinition): CompiledRepurchase {
  const bounds = rangeBounds(definition.timeRange, definition.timezone);
  const by = definition.by ?? null;
  if (by !== null && !(by in REPURCHASE_GROUPS)) {
    throw badInput(`by must be one of ${Object.keys(REPURCHASE_GROUPS).join(", ")}`, { argument: "by" });
  }
  const bins = sql`${`{${REPURCHASE_BINS.join(",")}}`}`;
  const gapsOf = (
    source: SQL,
    partition: SQL,
  ) => sql`select grp, extract(epoch from placed_at - prev_at) / 86400.0 as days
    from (
      select grp, placed_at, lag(placed_at) over (partition by ${partition} order by placed_at, order_id) as prev_at
      from ${source} src
      where placed_at < ${bounds.to} and ${segmentFilter(definition, sql`src.user_id`)}
    ) seq
    where prev_at is not null and placed_at >= ${bounds.from}`;
  const orderGaps = gapsOf(
    sql`(select o.user_id, null::text as grp, o.order_id, o.placed_at from ${countedOrders} o)`,
    sql`user_id`,
  );
  const groupGaps = by
    ? gapsOf(
        sql`(select distinct i.user_id, ${REPURCHASE_GROUPS[by as keyof typeof REPURCHASE_GROUPS]} as grp, i.order_id, i.placed_at
            from ${countedItems} i)`,
        sql`user_id, grp`,
      )
    : null;
  const statement = sql`with order_gaps as (${orderGaps})${groupGaps ? sql`, group_gaps as (${groupGaps})` : sql``}
${distribution("order_gaps", true, bins)}
${groupGaps ? sql`union all ${distribution("group_gaps", false, bins)}` : sql``}
order by is_overall desc, grp, bin nulls first`;
  return { statement, bins: REPURCHASE_BINS };
}
