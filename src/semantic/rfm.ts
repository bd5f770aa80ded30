import { type SQL, sql } from "drizzle-orm";
import { countedOrders } from "./facts";
import { joinSql } from "./sql";

/** RFM looks back this many days unless told otherwise (also the lookback of `rfm.segment` in rules). */
export const DEFAULT_RFM_LOOKBACK_DAYS = 365;

/** Named RFM segments, in the order results list them. */
export const RFM_SEGMENTS = [
  "champions",
  "loyal_customers",
  "potential_loyalists",
  "new_customers",
  "promising",
  "need_attention",
  "about_to_sleep",
  "at_risk",
  "cannot_lose_them",
  "hibernating",
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/**
 * The RFM segment table: `RFM_SEGMENT_TABLE[r - 1][f - 1]`. Rows are R scores 1..5,
 * columns F scores 1..5 (R 1 and 2 share a row in the spec).
 */
export const RFM_SEGMENT_TABLE: readonly (readonly RfmSegment[])[] = [
  ["hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose_them"],
  ["hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose_them"],
  ["about_to_sleep", "about_to_sleep", "need_attention", "loyal_customers", "loyal_customers"],
  ["promising", "potential_loyalists", "potential_loyalists", "loyal_customers", "loyal_customers"],
  ["new_customers", "potential_loyalists", "potential_loyalists", "champions", "champions"],
];

export function rfmSegmentOf(r: number, f: number): RfmSegment {
  return RFM_SEGMENT_TABLE[r - 1][f - 1];
}

/** `case` over `r * 10 + f` derived from the table, so SQL and TypeScript cannot disagree. */
function segmentCase(): SQL {
  const branches = RFM_SEGMENTS.map((segment) => {
    const cells: number[] = [];
    RFM_SEGMENT_TABLE.forEach((row, r) => {
      row.forEach((name, f) => {
        if (name === segment) cells.push((r + 1) * 10 + (f + 1));
      });
    });
    return sql`when r * 10 + f in (${sql.raw(cells.join(", "))}) then ${segment}::text`;
  });
  return sql`case ${joinSql(branches, sql` `)} end`;
}

/**
 * RFM scores of every customer with ≥1 counted order in (asOf − lookbackDays, asOf],
 * exactly as src/analytics/CONTEXT.md defines them. A subquery (parenthesised, alias it yourself) with:
 * - `user_id` (bigint, the surviving profile),
 * - `recency_days` (int): whole days from their last counted order in the window to asOf,
 * - `frequency` (int): counted orders in the window,
 * - `monetary` (numeric): their gmv (sum of total_amount) in the window,
 * - `r`, `f`, `m` (int 1–5): `least(5, 1 + floor(5 × percent_rank()))`, recency ordered
 *   descending (the most recent get 5), frequency and monetary ascending; ties share a score,
 * - `segment` (text): the named segment of (r, f).
 * `asOf` is a timestamptz expression (e.g. `sql\`now()\``); no I/O happens here.
 */
export function rfmScores(asOf: SQL, lookbackDays: number = DEFAULT_RFM_LOOKBACK_DAYS): SQL {
  const days = Math.trunc(lookbackDays);
  return sql`(
  select user_id, recency_days, frequency, monetary, r, f, m, ${segmentCase()} as segment
  from (
    select user_id, recency_days, frequency, monetary,
      least(5, 1 + floor(5 * percent_rank() over (order by recency_days desc)))::int as r,
      least(5, 1 + floor(5 * percent_rank() over (order by frequency)))::int as f,
      least(5, 1 + floor(5 * percent_rank() over (order by monetary)))::int as m
    from (
      select o.user_id,
        floor(extract(epoch from (${asOf} - max(o.placed_at))) / 86400)::int as recency_days,
        count(*)::int as frequency,
        sum(o.total_amount) as monetary
      from ${countedOrders} o
      where o.placed_at > ${asOf} - make_interval(days => ${days}::int) and o.placed_at <= ${asOf}
      group by o.user_id
    ) rfm_base
  ) rfm_ranked
)`;
}
