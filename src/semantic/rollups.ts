import { type SQL, sql } from "drizzle-orm";
import { DIMENSIONS } from "../metrics/dimensions";
import { MEASURES, type RowMeasure } from "../metrics/measures";
import type { FactKey } from "../metrics/types";
import { mergeSurvivor } from "./facts";
import { joinSql } from "./sql";

/**
 * The user-day rollups (pre-aggregations): per stored user id, local day in the zone of
 * `rollup_state` and slice of the conformed dimensions, each additive row measure's aggregate
 * (`RowMeasure.rollupColumn`, the measure's own aggregate over the rows of that user, day and
 * slice). Written only as deltas computed from the facts a statement wrote (added on insert,
 * retracted before an update and added again after it), so concurrent writers add up and
 * nothing is recounted; nothing is written while `rollup_state` is empty. Read resolved to the
 * surviving profile through `user_merges`, like the facts, so a merge needs no rewrite.
 */

/** The rollup table holding each fact's measures. */
export const ROLLUP_TABLE: Record<FactKey, string> = {
  events: "user_day_events",
  orders: "user_day_orders",
  items: "user_day_orders",
};

/** The rollup column counting a fact's rows: a slice without such rows holds none of the fact. */
export const ROLLUP_ROWS: Record<FactKey, string> = {
  events: "events",
  orders: "orders",
  items: "item_lines",
};

/** The dimensions a rollup row is sliced by: each is a column named by its key. */
const SLICED = DIMENSIONS.filter((d) => d.source.kind === "FACT" && d.source.rollup !== undefined);
const SLICE_KEYS = SLICED.map((d) => d.key);

function sliceExpressions(fact: FactKey): SQL[] {
  return SLICED.map((d) => {
    const source = d.source;
    if (source.kind !== "FACT" || !source.expressions[fact])
      throw new Error(`rolled-up dimension ${d.key} does not apply to ${fact}`);
    return source.expressions[fact] as SQL;
  });
}

const rowMeasures = (fact: FactKey) =>
  Object.values(MEASURES).filter((m): m is RowMeasure => m.level === "ROW" && m.fact === fact);

/**
 * The zone the rollups were built in, if they were: a relation of one row, or none (then the
 * deltas, which join it, write nothing). `limit 1` tells the planner so: `rollup_state` is never
 * analyzed, and read plain it is estimated at 1,200 rows, which made the delta of a bulk chunk
 * (its rows read back by message id) walk every event by the (user_id, ts) index to save a sort:
 * seconds a chunk, growing with the table.
 */
export const rollupZone = sql`select timezone from rollup_state limit 1`;

type Sign = 1 | -1;
const signed = (sign: Sign, aggregate: SQL) => (sign === 1 ? aggregate : sql`-(${aggregate})`);
const ids = (names: string[]) => sql.raw(names.join(", "));
const upsert = (table: string, columns: string[]) => {
  const measures = columns.slice(2 + SLICE_KEYS.length);
  return sql.raw(
    `on conflict on constraint ${table}_slice_uq do update set ${measures
      .map((c) => `${c} = r.${c} + excluded.${c}`)
      .join(", ")}`,
  );
};

/**
 * Adds (`sign` 1) or retracts (−1) the events of `source` — a relation of event rows with at
 * least `user_id`, `ts`, `name` and the sliced columns (`properties` for the campaign) — to
 * `user_day_events`, as one upsert.
 */
export function eventRollupDelta(source: SQL, sign: Sign): SQL {
  const measures = rowMeasures("events");
  const columns = ["user_id", "day", ...SLICE_KEYS, ...measures.map((m) => m.rollupColumn)];
  return sql`insert into user_day_events as r (${ids(columns)})
  select f.user_id, (f.ts at time zone s.timezone)::date, ${joinSql(sliceExpressions("events"))},
    ${joinSql(measures.map((m) => signed(sign, m.aggregate)))}
  from ${source} f cross join (${rollupZone}) s
  group by ${ids(columns.slice(0, 2 + SLICE_KEYS.length).map((_, i) => String(i + 1)))}
  ${upsert("user_day_events", columns)}`;
}

/**
 * Adds (1) or retracts (−1) the counted orders whose `order_id` satisfies `which` (a predicate
 * over the column given), with their items, to `user_day_orders`, as one upsert. An order's user,
 * `placed_at` and slice never change; its status, amounts and items do, so a writer retracts
 * the orders it is about to change (their rows locked) and adds them again once written.
 */
export function orderRollupDelta(which: (orderId: SQL) => SQL, sign: Sign): SQL {
  const orderMeasures = rowMeasures("orders");
  const itemMeasures = rowMeasures("items");
  const itemColumns = [ROLLUP_ROWS.items, ...itemMeasures.map((m) => m.rollupColumn)];
  const columns = [
    "user_id",
    "day",
    ...SLICE_KEYS,
    ...orderMeasures.map((m) => m.rollupColumn),
    ...itemColumns,
  ];
  const items = sql`(select f.order_id, count(*) as ${sql.raw(ROLLUP_ROWS.items)}, ${joinSql(
    itemMeasures.map((m) => sql`${m.aggregate} as ${sql.raw(m.rollupColumn)}`),
  )}
    from order_items f where ${which(sql`f.order_id`)} group by f.order_id)`;
  return sql`insert into user_day_orders as r (${ids(columns)})
  select f.user_id, (f.placed_at at time zone s.timezone)::date, ${joinSql(sliceExpressions("orders"))},
    ${joinSql([
      ...orderMeasures.map((m) => signed(sign, m.aggregate)),
      ...itemColumns.map((c) => signed(sign, sql`coalesce(sum(i.${sql.raw(c)}), 0)`)),
    ])}
  from orders f cross join (${rollupZone}) s
  left join ${items} i on i.order_id = f.order_id
  where f.counted and ${which(sql`f.order_id`)}
  group by ${ids(columns.slice(0, 2 + SLICE_KEYS.length).map((_, i) => String(i + 1)))}
  ${upsert("user_day_orders", columns)}`;
}

/** Order ids of a JSON text array parameter, as a predicate for `orderRollupDelta`. */
export const orderIdIn =
  (idsJson: string) =>
  (orderId: SQL): SQL =>
    sql`${orderId} in (select json_array_elements_text(${idsJson}::json))`;

/**
 * The statements that rebuild every rollup from the facts in `timezone`, in order, ending with
 * fresh planner statistics; run in one transaction. The facts are locked against writers first (SHARE: readers go on), so no batch
 * commits between the rebuild's reads and its commit.
 */
export function rebuildRollupStatements(timezone: string): SQL[] {
  return [
    sql`lock table events, orders, order_items in share mode`,
    sql`delete from rollup_state`,
    sql`delete from user_day_events`,
    sql`delete from user_day_orders`,
    sql`insert into rollup_state (timezone) values (${timezone})`,
    eventRollupDelta(sql`events`, 1),
    orderRollupDelta(() => sql`true`, 1),
    // Planner statistics of the rebuilt tables at once: until autovacuum gets to them the
    // planner takes a month of rollup rows for a handful and joins them row by row.
    sql`analyze user_day_events, user_day_orders`,
  ];
}

const owner = mergeSurvivor(sql`r.user_id`);

/**
 * A fact's rollup rows with `user_id` resolved to the surviving profile (alias `f` in the
 * compiler), in place of the fact source of `facts.ts`.
 */
export function rolledUpFacts(fact: FactKey): SQL {
  const measures =
    fact === "events"
      ? rowMeasures("events").map((m) => m.rollupColumn)
      : [
          ...rowMeasures("orders").map((m) => m.rollupColumn),
          ROLLUP_ROWS.items,
          ...rowMeasures("items").map((m) => m.rollupColumn),
        ];
  return sql`(
  select ${owner.id} as user_id, r.day, ${ids([...SLICE_KEYS, ...measures].map((c) => `r.${c}`))}
  from ${sql.raw(ROLLUP_TABLE[fact])} r ${owner.join}
)`;
}

/** Deletes the event rollup rows of stored users `userIds` (a `bigint[]`) left with no events by retractions. */
export function dropEmptyEventRollups(userIds: SQL): SQL {
  return sql`delete from user_day_events where user_id = any(${userIds}) and ${sql.raw(ROLLUP_ROWS.events)} = 0`;
}
