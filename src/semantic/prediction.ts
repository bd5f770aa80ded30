import { type SQL, sql } from "drizzle-orm";
import { countedOrders } from "./facts";

/**
 * The purchase summary the BG/NBD and Gamma-Gamma models read, one row per customer:
 * counted orders of one calendar day (in `timezone`) are one transaction; up to and
 * including the day `end` (YYYY-MM-DD):
 * - `x`: repeat transactions (purchase days after the first),
 * - `tx_days`: days from the first to the last purchase day,
 * - `t_days`: days from the first purchase day to `end`,
 * - `repeat_value`: the summed value of the repeat transactions (their mean is
 *   `repeat_value / x`), as float8.
 * `restriction` (a condition on `o.user_id`) narrows the customers, e.g. to a segment or
 * to the users a request asks about. No I/O happens here.
 */
export function purchaseSummary(end: string, timezone: string, restriction?: SQL): SQL {
  return sql`(
  select d.user_id, (count(*) - 1)::int as x,
    (max(d.day) - min(d.day))::int as tx_days,
    (${end}::date - min(d.day))::int as t_days,
    (sum(d.value) - (array_agg(d.value order by d.day))[1])::float8 as repeat_value
  from (
    select o.user_id, (o.placed_at at time zone ${timezone})::date as day, sum(o.total_amount) as value
    from ${countedOrders} o
    where o.placed_at < ((${end}::date + 1)::timestamp at time zone ${timezone})${restriction ? sql` and ${restriction}` : sql``}
    group by 1, 2
  ) d
  group by d.user_id
)`;
}

/**
 * Transactions (distinct purchase days) per holdout period of `periodDays`, after `end`
 * and up to `holdoutEnd` inclusive, of the customers whose first purchase was on or
 * before `end`: `period` 0 is the first period after `end`.
 */
export function holdoutTransactions(
  end: string,
  holdoutEnd: string,
  periodDays: number,
  timezone: string,
  restriction?: SQL,
): SQL {
  const where = restriction ? sql` and ${restriction}` : sql``;
  return sql`
  select ((d.day - ${end}::date - 1) / ${periodDays}::int)::int as period, count(*)::int as transactions
  from (
    select distinct o.user_id, (o.placed_at at time zone ${timezone})::date as day
    from ${countedOrders} o
    where o.placed_at >= ((${end}::date + 1)::timestamp at time zone ${timezone})
      and o.placed_at < ((${holdoutEnd}::date + 1)::timestamp at time zone ${timezone})${where}
  ) d
  where d.user_id in (
    select o.user_id from ${countedOrders} o
    where o.placed_at < ((${end}::date + 1)::timestamp at time zone ${timezone})${where}
  )
  group by 1 order by 1`;
}

/**
 * The calibration customers of `purchaseSummary(end, …)` grouped by their summary
 * (`x`, `tx_days`, `t_days`): `customers` sharing it and `actual`, their transactions
 * (distinct purchase days) after `end` up to `holdoutEnd` inclusive. Customers sharing a
 * summary share every model term, so per-group predictions need one computation each.
 */
export function holdoutByHistory(end: string, holdoutEnd: string, timezone: string, restriction?: SQL): SQL {
  const where = restriction ? sql` and ${restriction}` : sql``;
  return sql`
  select s.x, s.tx_days, s.t_days, count(*)::int as customers, coalesce(sum(h.transactions), 0)::int as actual
  from ${purchaseSummary(end, timezone, restriction)} s
  left join (
    select o.user_id, count(distinct (o.placed_at at time zone ${timezone})::date)::int as transactions
    from ${countedOrders} o
    where o.placed_at >= ((${end}::date + 1)::timestamp at time zone ${timezone})
      and o.placed_at < ((${holdoutEnd}::date + 1)::timestamp at time zone ${timezone})${where}
    group by o.user_id
  ) h on h.user_id = s.user_id
  group by s.x, s.tx_days, s.t_days`;
}

/**
 * Every scored customer's row of `purchase_scores` under the most recently fitted
 * purchase model: what the `predict.*` rule terms and the `risk_band` dimension read.
 */
export const currentPurchaseScores = sql`(
  select ps.* from purchase_scores ps
  where ps.model_key = (select pm.key from purchase_models pm order by pm.fitted_at desc, pm.version desc limit 1)
)`;
