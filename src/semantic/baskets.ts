import { type SQL, sql } from "drizzle-orm";
import { badInput, limitExceeded } from "../errors";
import { MAX_PAGE_SIZE } from "../pagination";
import { countedItems } from "./facts";
import { segmentRestriction } from "./membership";
import { joinSql } from "./sql";
import { rangeBounds, type TimeRange } from "./time";

/**
 * Market basket analysis: association rules over the baskets of counted orders, with the
 * semantics of R's `arules::apriori` (Agrawal & Srikant 1994). A basket is the set of distinct
 * products (or categories) of one counted order placed in the range; an itemset's count is the
 * number of baskets holding all its items; support = count / transactions. A rule X → {y} comes
 * from a frequent itemset X ∪ {y} of `minLength`…`maxLength` items, with confidence =
 * support(X ∪ {y}) / support(X) and lift = confidence / support({y}). The right-hand side is
 * always one item, as arules' apriori produces them; with `minLength` 1 the rules {} → {y}
 * (confidence = support, lift 1) are included, as arules' `minlen = 1` does.
 */

export const BASKET_LEVELS = ["PRODUCT", "CATEGORY"] as const;
export type BasketLevel = (typeof BASKET_LEVELS)[number];

export const RULE_ORDERS = ["LIFT", "CONFIDENCE", "SUPPORT"] as const;
export type RuleOrder = (typeof RULE_ORDERS)[number];

/**
 * The longest itemset (rule length, |lhs| + 1) one question may ask for: arules' default
 * `maxlen`. The statement has one block of CTEs per level, so the cap bounds its size too.
 */
export const MAX_RULE_LENGTH = 10;
export const DEFAULT_MIN_RULE_LENGTH = 2;
export const DEFAULT_MAX_RULE_LENGTH = 4;
export const DEFAULT_RULES_PAGE = 100;

export interface AssociationRulesDefinition {
  level: BasketLevel;
  /** Counted orders placed in this range are the baskets. */
  timeRange: TimeRange;
  /** Time zone of the range's dates. */
  timezone: string;
  /** Only baskets of the segment's current members. */
  segment?: string | null;
  /** Minimum support of the rule's itemset, in (0, 1]. */
  minSupport: number;
  /** Minimum confidence, in (0, 1]. */
  minConfidence: number;
  /** Fewest items of a rule (lhs and rhs together), ≥ 1. */
  minLength: number;
  /** Most items of a rule, from `minLength` to `MAX_RULE_LENGTH`. */
  maxLength: number;
  /** Only rules with this item (product id or category) on the right-hand side. */
  rhs?: string | null;
  orderBy: RuleOrder;
  /** Rules returned, from the top of `orderBy`; `totalRules` counts them all. */
  first: number;
}

/** One row per returned rule; with no rule returned, one row of totals with null rule columns. */
export interface AssociationRuleRow extends Record<string, unknown> {
  transactions: number;
  total_rules: number;
  rank: number | null;
  lhs: string[] | null;
  rhs: string | null;
  count: number | null;
  support: number | null;
  confidence: number | null;
  lift: number | null;
}

/** What identifies an item of each level: a product by its id, a category by its path. */
const ITEM_OF_LEVEL: Record<BasketLevel, SQL> = {
  PRODUCT: sql.raw("i.product_id"),
  CATEGORY: sql.raw("i.category"),
};

/** Ranking of each order, ties broken by the other measures and then by the items (label order). */
const ORDER_OF: Record<RuleOrder, SQL> = {
  LIFT: sql.raw("r.lift desc, r.confidence desc, r.count desc, r.lhs, r.rhs"),
  CONFIDENCE: sql.raw("r.confidence desc, r.lift desc, r.count desc, r.lhs, r.rhs"),
  SUPPORT: sql.raw("r.count desc, r.lift desc, r.confidence desc, r.lhs, r.rhs"),
};

/**
 * Support and confidence arrive as decimal fractions whose binary value can be a hair above
 * the intended one (0.3 × 10 = 3.0000000000000004): thresholds forgive that much, so a count
 * exactly at the threshold passes, as in arules.
 */
const ROUNDING_SLACK = sql.raw("1e-9");

function assertFraction(value: unknown, argument: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw badInput(`${argument} must be a fraction in (0, 1]`, { argument, value });
  }
  return value;
}

function assertLength(value: unknown, argument: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_RULE_LENGTH) {
    throw badInput(`${argument} must be an integer from 1 to ${MAX_RULE_LENGTH}`, {
      argument,
      value,
      max: MAX_RULE_LENGTH,
    });
  }
  return value;
}

/** Refuses bad input with BAD_USER_INPUT (LIMIT_EXCEEDED for `first` over the page cap), before any SQL. */
export function assertAssociationRulesDefinition(definition: AssociationRulesDefinition): void {
  if (!BASKET_LEVELS.includes(definition.level)) {
    throw badInput(`level must be one of ${BASKET_LEVELS.join(", ")}`, { argument: "level" });
  }
  if (!RULE_ORDERS.includes(definition.orderBy)) {
    throw badInput(`orderBy must be one of ${RULE_ORDERS.join(", ")}`, { argument: "orderBy" });
  }
  assertFraction(definition.minSupport, "minSupport");
  assertFraction(definition.minConfidence, "minConfidence");
  assertLength(definition.minLength, "minLength");
  assertLength(definition.maxLength, "maxLength");
  if (definition.minLength > definition.maxLength) {
    throw badInput("minLength must not exceed maxLength", {
      argument: "minLength",
      minLength: definition.minLength,
      maxLength: definition.maxLength,
    });
  }
  const { first } = definition;
  if (!Number.isInteger(first) || first < 0) {
    throw badInput("first must be a non-negative integer", { argument: "first" });
  }
  if (first > MAX_PAGE_SIZE) {
    throw limitExceeded(`first must be at most ${MAX_PAGE_SIZE}`, { argument: "first", max: MAX_PAGE_SIZE });
  }
  if (definition.rhs !== undefined && definition.rhs !== null && definition.rhs.length === 0) {
    throw badInput("rhs must name an item (a product id or a category)", { argument: "rhs" });
  }
}

/** The name of a CTE the compiler itself numbers (`itemsets_2` …), never input. */
const cte = (name: string) => sql.raw(name);
const int = (value: number) => sql.raw(String(value));

/**
 * `<items> in (select items from <set>) is true`: membership as a hashed subplan, whatever the
 * planner guesses. A bare `in` becomes a semi-join planned on the CTEs' row estimates, which
 * are guesses here (counts past a `having`): a first version chose nested loops over hundreds
 * of thousands of hits and took minutes on Groceries. `is true` keeps the sublink out of the
 * join tree (PostgreSQL pulls up only bare sublinks), so each lookup is one hash probe.
 */
function isIn(items: SQL, set: SQL): SQL {
  return sql`(${items} in (select items from ${set})) is true`;
}

/**
 * Level k + 1 of apriori, k ≥ 1, as CTEs over `itemsets_k` and `occurrences_k`:
 *
 * - `candidates_{k+1}` (k ≥ 2): apriori-gen, two frequent k-itemsets sharing their (k − 1)-prefix
 *   (arrays sorted ascending, the second's last item greater), pruned so that every k-subset
 *   is frequent (the two parents are; the other k − 1 subsets are looked up and counted);
 * - `hits_{k+1}`: AprioriTid's counting (Agrawal & Srikant 1994), each basket's frequent
 *   k-itemsets extended by the basket's later items, kept where the result is a candidate;
 * - `itemsets_{k+1}`: the candidates held by at least `min_count` baskets, counted by grouping;
 * - `occurrences_{k+1}`: the hits of frequent itemsets in baskets with a later item to extend
 *   them by (only if another level follows).
 */
function levelCtes(k: number, last: boolean): SQL {
  const next = k + 1;
  const itemsets = cte(`itemsets_${k}`);
  const candidates = cte(`candidates_${next}`);
  const hits = cte(`hits_${next}`);
  const frequent = cte(`itemsets_${next}`);
  const hitsOf = (candidate: SQL) => sql`${hits} as (
  select o.basket, o.weight, o.items || x.id as items
  from ${cte(`occurrences_${k}`)} o cross join unnest(o.basket) x(id)
  where x.id > o.items[${int(k)}]${candidate})`;
  const counted = sql`${frequent} as (
  select items, sum(weight)::int as count from ${hits}
  group by items having sum(weight) >= (select min_count from totals))`;
  // Every pair of frequent items is a candidate (their 1-subsets are the frequent items), so
  // level 2 extends each basket's items by its later ones without a lookup.
  const blocks =
    k === 1
      ? [hitsOf(sql``), counted]
      : [
          sql`${candidates} as (
  select c.items
  from (select a.items || b.items[${int(k)}] as items
    from ${itemsets} a join ${itemsets} b
      on a.items[1:${int(k - 1)}] = b.items[1:${int(k - 1)}] and a.items[${int(k)}] < b.items[${int(k)}]) c
  cross join generate_series(1, ${int(k - 1)}) j
  where ${isIn(sql`c.items[1:j - 1] || c.items[j + 1:]`, itemsets)}
  group by c.items
  having count(*) = ${int(k - 1)})`,
          hitsOf(sql` and ${isIn(sql`o.items || x.id`, candidates)}`),
          counted,
        ];
  if (!last) {
    blocks.push(sql`${cte(`occurrences_${next}`)} as (
  select h.basket, h.weight, h.items from ${hits} h
  where cardinality(h.basket) > ${int(next)} and ${isIn(sql`h.items`, frequent)})`);
  }
  return joinSql(blocks, sql`,\n`);
}

/**
 * One statement: the baskets, apriori level by level up to `maxLength` (unrolled, one block
 * per level, each counted by grouping), the rules of the itemsets of `minLength`…`maxLength`
 * items, their total and the top `first` by `orderBy`, with the item labels. Items are
 * numbered in byte order of their labels (`collate "C"`, the same on every server), so sorted
 * id arrays compare as the sorted label lists do and ties order alike everywhere.
 */
export function compileAssociationRules(definition: AssociationRulesDefinition): SQL {
  assertAssociationRulesDefinition(definition);
  const bounds = rangeBounds(definition.timeRange, definition.timezone);
  const item = ITEM_OF_LEVEL[definition.level];
  const segment = definition.segment
    ? sql` and ${segmentRestriction(definition.segment, sql`i.user_id`)}`
    : sql``;
  const { minLength, maxLength } = definition;
  const levels: SQL[] = [];
  for (let k = 1; k < maxLength; k++) levels.push(levelCtes(k, k + 1 === maxLength));
  const range = (from: number, to: number) =>
    Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  const ruleItemsets = joinSql(
    range(minLength, maxLength).map((k) => sql`select items, count from ${cte(`itemsets_${k}`)}`),
    sql`\n  union all `,
  );
  // The antecedents: every itemset one item shorter than a rule's, the empty one (all baskets) included.
  const antecedents = joinSql(
    range(minLength - 1, maxLength - 1).map((k) =>
      k === 0
        ? sql`select '{}'::int[] as items, transactions as count from totals`
        : sql`select items, count from ${cte(`itemsets_${k}`)}`,
    ),
    sql`\n  union all `,
  );
  const rhs = definition.rhs ? sql` and it.labels[c.rhs] = ${definition.rhs}` : sql``;
  return sql`with basket_items as (
  select distinct i.order_id, ${item} as item
  from ${countedItems} i
  where i.placed_at >= ${bounds.from} and i.placed_at < ${bounds.to} and ${item} is not null${segment}
),
totals as (
  select n as transactions, greatest(1, ceil(${definition.minSupport}::float8 * n - ${ROUNDING_SLACK}))::int as min_count
  from (select count(*)::int as n from (select distinct order_id from basket_items) o) t
),
frequent_items as (
  select item, count(*)::int as count, (row_number() over (order by item collate "C"))::int as id
  from basket_items group by item
  having count(*) >= (select min_count from totals)
),
baskets as (
  select items, count(*)::int as weight
  from (
    select array_agg(f.id order by f.id) as items
    from basket_items bi join frequent_items f on f.item = bi.item
    group by bi.order_id
  ) per_order
  where cardinality(items) >= 2
  group by items
),
itemsets_1 as (select array[id] as items, count from frequent_items),
occurrences_1 as (
  select b.items as basket, b.weight, array[x.id] as items from baskets b cross join unnest(b.items) x(id)
)${levels.length > 0 ? sql`,\n${joinSql(levels, sql`,\n`)}` : sql``},
rule_itemsets as (
  ${ruleItemsets}
),
antecedents as (
  ${antecedents}
),
-- Each rule's antecedent count by a window over rules and antecedents stacked, not by a join:
-- the sort does not depend on the guessed row counts of the CTEs.
stacked as (
  select array_remove(s.items, r.id) as lhs, r.id as rhs, s.count, null::int as lhs_count
  from rule_itemsets s cross join unnest(s.items) r(id)
  union all select items, null, null, count from antecedents
),
candidate_rules as (
  select lhs, rhs, count, max(lhs_count) over (partition by lhs) as lhs_count from stacked
),
item_table as (
  select array_agg(item order by id) as labels, array_agg(count order by id) as counts from frequent_items
),
rules as (
  select c.lhs, c.rhs, c.count,
    c.count::float8 / t.transactions as support,
    c.count::float8 / c.lhs_count as confidence,
    c.count::float8 * t.transactions / (c.lhs_count::float8 * it.counts[c.rhs]) as lift
  from candidate_rules c cross join totals t cross join item_table it
  where c.rhs is not null
    and c.count::float8 >= ${definition.minConfidence}::float8 * c.lhs_count - ${ROUNDING_SLACK}${rhs}
),
top_rules as (
  select r.*, (row_number() over (order by ${ORDER_OF[definition.orderBy]}))::int as rank
  from rules r
  order by ${ORDER_OF[definition.orderBy]}
  limit ${definition.first}
)
select t.transactions, (select count(*) from rules)::int as total_rules, top.rank,
  array(select it.labels[l.id] from unnest(top.lhs) with ordinality l(id, n) order by l.n) as lhs,
  it.labels[top.rhs] as rhs, top.count, top.support, top.confidence, top.lift
from totals t
cross join item_table it
left join top_rules top on true
order by top.rank`;
}
