import { type SQL, sql } from "drizzle-orm";
import { countedOrders, resolvedEvents } from "./facts";
import { segmentMemberIds } from "./membership";

/**
 * The per-variant aggregates of an experiment, in one statement. The unit is a user exposed
 * to the experiment: an `experiment_viewed` event whose `experiment_id` is the experiment's
 * key and whose `variation_id` is a variant's key (GrowthBook's tracking-callback
 * convention), read through `resolvedEvents` so merged profiles are one unit. A unit's
 * first exposure in the window counts; a unit exposed to two variants is excluded and
 * counted. Outcomes are the counted orders placed from the first exposure to the window's
 * end. Statistics are computed from these aggregates by the caller.
 */

/** The exposure event, as GrowthBook's SDKs send it through a tracking callback. */
export const EXPOSURE_EVENT = "experiment_viewed";
export const EXPOSURE_EXPERIMENT_PROPERTY = "experiment_id";
export const EXPOSURE_VARIANT_PROPERTY = "variation_id";

export interface ExperimentResultsQuery {
  experimentKey: string;
  /** Variant keys in their defined order (the control first). */
  variantKeys: readonly string[];
  /** Window start, inclusive; null: from the first exposure ever. */
  from: Date | null;
  /** Window end, exclusive; null: open. */
  to: Date | null;
  /** The target segment: only its current members count as units; null: everyone exposed. */
  segment?: string | null;
  /** Also the CUPED sums: each reading (Y) with its value in the pre-period (X) per unit. */
  cuped?: boolean;
}

/** CUPED's pre-period: the days before a unit's first exposure (GrowthBook's default lookback). */
export const CUPED_LOOKBACK_DAYS = 14;

/** The per-unit readings CUPED adjusts, as (metric expression, pre-period expression) over `per_unit`. */
const CUPED_READINGS = {
  converted: [sql`(orders > 0)::int::float8`, sql`(pre_orders > 0)::int::float8`],
  revenue: [sql`revenue`, sql`pre_revenue`],
  orders: [sql`orders::float8`, sql`pre_orders::float8`],
} as const;
export type CupedReading = keyof typeof CUPED_READINGS;

/** `cuped_<reading>_<sum>` columns of a row when `cuped` is asked for. */
export type CupedSums = Record<`cuped_${CupedReading}_${"y" | "y2" | "x" | "x2" | "xy"}`, number>;

/** One row per defined variant, in the defined order, zero-filled. */
export interface ExperimentVariantRow {
  variant: string;
  units: number;
  conversions: number;
  revenue_mean: number;
  revenue_variance: number;
  orders_mean: number;
  orders_variance: number;
  /** Units exposed to more than one variant (the same on every row). */
  excluded_units: number;
}

export function compileExperimentResults(query: ExperimentResultsQuery): { statement: SQL } {
  const stamp = (date: Date) => sql`${date.toISOString()}::timestamptz`;
  const exposureWindow = [
    query.from ? sql`and e.ts >= ${stamp(query.from)}` : sql``,
    query.to ? sql`and e.ts < ${stamp(query.to)}` : sql``,
  ];
  const orderEnd = query.to ? sql`and o.placed_at < ${stamp(query.to)}` : sql``;
  const variants = sql.join(
    query.variantKeys.map((key, position) => sql`(${key}::text, ${position}::int)`),
    sql`, `,
  );
  /** The CUPED sum columns (empty without `cuped`), each named and written by `column`. */
  const cupedSums = (column: (name: string, expression: SQL) => SQL): SQL => {
    if (!query.cuped) return sql``;
    const columns = Object.entries(CUPED_READINGS).flatMap(([reading, [y, x]]) =>
      (
        [
          ["y", y],
          ["y2", sql`${y} * ${y}`],
          ["x", x],
          ["x2", sql`${x} * ${x}`],
          ["xy", sql`${x} * ${y}`],
        ] as const
      ).map(([sum, expression]) => column(`cuped_${reading}_${sum}`, expression)),
    );
    return sql.join(columns, sql``);
  };
  // One pass over each unit's orders: with CUPED the join reaches back over the pre-period too and
  // filtered aggregates split the readings, instead of a correlated subquery per unit.
  const periodStart = query.cuped
    ? sql`x.first_exposed_at - make_interval(days => ${CUPED_LOOKBACK_DAYS}::int)`
    : sql`x.first_exposed_at`;
  const statement = sql`
    with exposures as (
      select e.user_id, min(e.ts) as first_exposed_at,
        min(e.properties ->> ${EXPOSURE_VARIANT_PROPERTY}) as variant,
        count(distinct e.properties ->> ${EXPOSURE_VARIANT_PROPERTY}) as variant_count
      from ${resolvedEvents} e
      where e.name = ${EXPOSURE_EVENT}
        and e.properties ->> ${EXPOSURE_EXPERIMENT_PROPERTY} = ${query.experimentKey}
        and e.properties ->> ${EXPOSURE_VARIANT_PROPERTY} is not null
        ${exposureWindow[0]} ${exposureWindow[1]}
        ${query.segment ? sql`and e.user_id in ${segmentMemberIds(query.segment)}` : sql``}
      group by e.user_id
    ),
    per_unit as (
      select x.variant, x.user_id,
        count(o.order_id) filter (where o.placed_at >= x.first_exposed_at) as orders,
        coalesce(sum(o.total_amount) filter (where o.placed_at >= x.first_exposed_at), 0)::float8
          as revenue${
            query.cuped
              ? sql`,
        count(o.order_id) filter (where o.placed_at < x.first_exposed_at) as pre_orders,
        coalesce(sum(o.total_amount) filter (where o.placed_at < x.first_exposed_at), 0)::float8
          as pre_revenue`
              : sql``
          }
      from exposures x
      left join ${countedOrders} o
        on o.user_id = x.user_id and o.placed_at >= ${periodStart} ${orderEnd}
      where x.variant_count = 1
      group by x.variant, x.user_id
    ),
    per_variant as (
      select variant, count(*) as units, count(*) filter (where orders > 0) as conversions,
        avg(revenue) as revenue_mean, var_samp(revenue) as revenue_variance,
        avg(orders::float8) as orders_mean, var_samp(orders::float8) as orders_variance${cupedSums(
          (name, expression) => sql`, sum(${expression}) as ${sql.raw(name)}`,
        )}
      from per_unit
      group by variant
    )
    select v.key as variant,
      coalesce(p.units, 0)::int as units,
      coalesce(p.conversions, 0)::int as conversions,
      coalesce(p.revenue_mean, 0)::float8 as revenue_mean,
      coalesce(p.revenue_variance, 0)::float8 as revenue_variance,
      coalesce(p.orders_mean, 0)::float8 as orders_mean,
      coalesce(p.orders_variance, 0)::float8 as orders_variance,
      (select count(*) from exposures where variant_count > 1)::int as excluded_units${cupedSums(
        (name) => sql`, coalesce(p.${sql.raw(name)}, 0)::float8 as ${sql.raw(name)}`,
      )}
    from (values ${variants}) as v(key, position)
    left join per_variant p on p.variant = v.key
    order by v.position`;
  return { statement };
}
