import { type SQL, sql } from "drizzle-orm";
import { badInput, limitExceeded } from "../../errors";
import { METRICS_BY_KEY } from "../../metrics/catalog";
import { DIMENSIONS_BY_KEY, type DimensionDeclaration, dimensionAppliesTo } from "../../metrics/dimensions";
import { MEASURES, type RowMeasure, type UserMeasure } from "../../metrics/measures";
import type { FactKey, Metric } from "../../metrics/types";
import { countedItems, countedOrders, resolvedEvents } from "../facts";
import { segmentMemberIds, tagMemberIds } from "../membership";
import { currentPurchaseScores } from "../prediction";
import { rfmScores } from "../rfm";
import { ROLLUP_ROWS, rolledUpFacts } from "../rollups";
import { joinSql } from "../sql";
import {
  assertBucketsWithin,
  bucketCount,
  bucketSeries,
  bucketStart,
  bucketStartOfDay,
  DEFAULT_MAX_BUCKETS,
  grainInterval,
  previousBucket,
  type RangeBounds,
  rangeBounds,
  TIME_GRAINS,
  type TimeGrain,
} from "../time";
import {
  ALIAS,
  CHURN_COLUMNS,
  conversionColumns,
  type MetricPlan,
  measureColumn,
  type OutputColumn,
  type PeriodPlan,
  type PlannedCte,
  planMetricQuery,
  stackedPreviousColumn,
} from "./plan";
import {
  type DimensionRef,
  type FilterCondition,
  MAX_METRIC_ROWS,
  type MetricFilter,
  type MetricQuery,
} from "./query";
import { chooseRollups, type RollupChoice } from "./rollup-choice";

/**
 * The metrics compiler: a MetricQuery → ONE parameterised statement, whatever the number
 * of metrics, dimensions and rows. No I/O.
 *
 * Shape: each fact is aggregated once in a CTE grouped by (bucket, dimension keys), per
 * user where a metric counts users; per-user activity of several facts is combined by
 * `union all` + `group by` (never a join, so null dimension values group together);
 * churn, conversion and item metrics get CTEs of their own; all partial aggregates are
 * stacked (`union all`) with the dense series × observed slices and grouped once more, so
 * every bucket of every slice appears. Ratios divide by `nullif(…, 0)`.
 */

export interface CompiledMetricQuery {
  statement: SQL;
  /** What the statement computes; `plan.output` names its columns, in order. */
  plan: MetricPlan;
  /** Whether the statement reads the user-day rollups (else only the raw facts), and why not. */
  rollups: RollupChoice;
}

interface DimensionUse {
  ref: DimensionRef;
  declaration: DimensionDeclaration;
  column: string;
}

const FACT_SOURCE: Record<FactKey, { table: SQL; time: string }> = {
  events: { table: resolvedEvents, time: "f.ts" },
  orders: { table: countedOrders, time: "f.placed_at" },
  items: { table: countedItems, time: "f.placed_at" },
};

/** Event columns a conversion metric may hold constant; anything else is a property. */
const EVENT_COLUMNS = new Set([
  "session_id",
  "anonymous_id",
  "channel",
  "platform",
  "utm_source",
  "utm_medium",
  "utm_campaign",
]);

const id = (name: string): SQL => sql`${sql.identifier(name)}`;

/**
 * `maxBuckets` caps the dense series of the range (a comparison period has as many): it is
 * counted here, before any SQL exists, because the series is work that grows with the range
 * however few facts there are.
 */
export function compileMetricQuery(
  query: MetricQuery,
  maxBuckets: number = DEFAULT_MAX_BUCKETS,
  /** The zone the user-day rollups are built in (`rollup_state`); undefined: read the raw facts. */
  rollupTimezone?: string,
): CompiledMetricQuery {
  const bounds = rangeBounds(query.range, query.timezone);
  if (TIME_GRAINS.includes(query.grain))
    assertBucketsWithin(
      bucketCount(query.range, query.grain, query.timezone),
      maxBuckets,
      `${query.grain} buckets`,
    );
  return compileMetricQueryWithBounds(query, bounds, {
    checkRange: true,
    limited: true,
    rollups: chooseRollups(query, rollupTimezone),
  });
}

export interface BoundsOptions {
  /** Reject ranges whose ends the client gave in the wrong order. */
  checkRange: boolean;
  /** Apply the query's limit (the views have none: they hold every row). */
  limited: boolean;
  /**
   * Also output each ratio metric's numerator and denominator (`ratioParts`), so a BI tool
   * can re-aggregate the ratio (sum both, then divide) instead of averaging ratios.
   * Ignored with a comparison.
   */
  ratioParts?: boolean;
  /** Read the user-day rollups where they answer (`chooseRollups`); default: the raw facts. */
  rollups?: RollupChoice;
}

/** The summed measure columns a ratio-like metric divides, named by the metric key. */
export interface RatioParts {
  numerator: { column: string; measure: string };
  denominator: { column: string; measure: string };
}

/** Numerator and denominator of a RATIO, CHURN or CONVERSION metric; undefined for the others. */
export function ratioPartsOf(metric: Metric): RatioParts | undefined {
  const definition = metric.definition;
  const parts = (numerator: string, denominator: string): RatioParts => ({
    numerator: { column: `${metric.key}_numerator`, measure: numerator },
    denominator: { column: `${metric.key}_denominator`, measure: denominator },
  });
  switch (definition.kind) {
    case "RATIO":
      return parts(definition.numerator, definition.denominator);
    case "CHURN":
      return parts("churned_buyers", "previous_buyers");
    case "CONVERSION":
      return parts(`${metric.key}_converted`, `${metric.key}_base`);
    case "SIMPLE":
    case "DERIVED":
      return undefined;
  }
}

/** Like `compileMetricQuery` over bounds given as SQL (the views use the first fact and `now()`). */
export function compileMetricQueryWithBounds(
  query: MetricQuery,
  bounds: RangeBounds,
  options: BoundsOptions,
): CompiledMetricQuery {
  const validated = validate(query, options.checkRange);
  const dimensionColumns = validated.dimensions.map((d) => d.column);
  const filtered = validated.where ? filterDimensions(validated.where) : [];
  const plan = planMetricQuery({
    metrics: validated.metrics,
    dimensions: validated.dimensions.map(({ column, ref }) => ({ column, ref })),
    rfm: [...validated.dimensions.map((d) => d.ref), ...filtered].some((r) => r.key === "rfm_segment"),
    compare: validated.compareTo !== undefined,
  });
  const current = plan.current;
  // Ratio parts only without a comparison: the compared rows keep the plan's columns.
  const rollups: RollupChoice = options.rollups ?? { use: false, reason: "not asked for" };
  const ctes = new PeriodWriter(
    validated,
    bounds,
    current,
    rollups.use,
    !!options.ratioParts && !validated.compareTo,
  ).ctes();
  const keys = [sql`bucket`, ...dimensionColumns.map(id)];
  let body: SQL;
  if (validated.compareTo && plan.previous) {
    const previous = plan.previous;
    ctes.push(
      ...new PeriodWriter(validated, shiftedBounds(validated, bounds, current), previous, rollups.use).ctes(),
    );
    const metricColumns = plan.metrics;
    const aligned = alignedBucket(validated, bounds, current);
    const stacked = sql`select bucket, ${dims(dimensionColumns)}${joinSql(metricColumns.map((k) => sql`${id(k)}`))}, ${joinSql(metricColumns.map(() => sql`null::float8`))}, true as is_current from ${id(current.result)}
    union all
    select ${aligned} as bucket, ${dims(dimensionColumns)}${joinSql(metricColumns.map(() => sql`null::float8`))}, ${joinSql(metricColumns.map((k) => sql`${id(k)}`))}, false from ${id(previous.result)}`;
    const compared = (column: OutputColumn): SQL => {
      const metric = column.metric as string;
      const stackedPrevious = id(stackedPreviousColumn(metric));
      if (column.role === "value") return sql`max(${id(metric)}) as ${id(column.name)}`;
      if (column.role === "previous") return sql`max(${stackedPrevious}) as ${id(column.name)}`;
      return sql`(max(${id(metric)}) - max(${stackedPrevious})) / nullif(abs(max(${stackedPrevious})), 0) as ${id(column.name)}`;
    };
    const outputs = plan.output.filter((c) => c.metric !== undefined).map(compared);
    const stackedColumns = [
      "bucket",
      ...dimensionColumns,
      ...metricColumns,
      ...metricColumns.map(stackedPreviousColumn),
      "is_current",
    ];
    body = sql`select ${joinSql(keys)}, ${joinSql(outputs)}
from (${stacked}) as compared (${joinSql(stackedColumns.map(id))})
group by ${ordinals(keys.length)}
having bool_or(is_current)`;
  } else {
    body = sql`select * from ${id(current.result)}`;
  }
  const statement = sql`with ${joinSql(ctes, sql`,\n`)}
${body}
order by ${orderBy(validated)}${
    options.limited
      ? sql`
limit ${validated.limit}`
      : sql``
  }`;
  return { statement, plan, rollups };
}

interface ValidatedQuery {
  metrics: Metric[];
  dimensions: DimensionUse[];
  grain: MetricQuery["grain"];
  timezone: string;
  where?: MetricFilter;
  segment?: string;
  tag?: string;
  compareTo?: MetricQuery["compareTo"];
  orderBy: { column: string; direction: "ASC" | "DESC" }[];
  limit: number;
}

function validate(query: MetricQuery, checkRange: boolean): ValidatedQuery {
  if (!TIME_GRAINS.includes(query.grain)) {
    throw badInput(`grain must be one of ${TIME_GRAINS.join(", ")}`, { argument: "grain" });
  }
  if (query.metrics.length === 0) throw badInput("Select at least one metric", { argument: "metrics" });
  const metrics = [...new Set(query.metrics)].map((key) => {
    const metric = METRICS_BY_KEY.get(key);
    if (!metric) {
      throw badInput(`Unknown metric "${key}"; known metrics: ${[...METRICS_BY_KEY.keys()].join(", ")}`, {
        argument: "metrics",
      });
    }
    return metric;
  });
  const seen = new Map<string, DimensionUse>();
  for (const ref of query.dimensions) {
    const declaration = dimensionOf(ref, "dimensions");
    const name = ref.arg === undefined ? ref.key : `${ref.key}:${ref.arg}`;
    if (seen.has(name)) continue;
    const column = declaration.parametrised ? `d_${ref.key}_${seen.size}` : `d_${ref.key}`;
    seen.set(name, { ref, declaration, column });
  }
  const dimensions = [...seen.values()];
  const filtered = query.where ? filterDimensions(query.where) : [];
  for (const metric of metrics) {
    for (const ref of [...dimensions.map((d) => d.ref), ...filtered]) {
      if (!metric.dimensions.includes(ref.key)) {
        throw badInput(
          `Metric ${metric.key} cannot be split or filtered by ${ref.key}; it supports: ${metric.dimensions.join(", ")}`,
          { argument: "dimensions", metric: metric.key, dimension: ref.key, supported: metric.dimensions },
        );
      }
    }
  }
  const limit = query.limit ?? MAX_METRIC_ROWS;
  if (!Number.isInteger(limit) || limit < 1)
    throw badInput("limit must be a positive integer", { argument: "limit" });
  if (limit > MAX_METRIC_ROWS)
    throw limitExceeded(`limit is at most ${MAX_METRIC_ROWS}`, { argument: "limit" });
  if (checkRange) assertRangeOrder(query);
  if (query.segment !== undefined && query.segment === "")
    throw badInput("segment is empty", { argument: "segment" });
  if (query.tag !== undefined && query.tag === "") throw badInput("tag is empty", { argument: "tag" });
  const orderBy = (query.orderBy ?? []).map((order) => {
    if (order.direction !== "ASC" && order.direction !== "DESC") {
      throw badInput("orderBy.direction must be ASC or DESC", { argument: "orderBy" });
    }
    if (order.field === "time") return { column: "bucket", direction: order.direction };
    if (metrics.some((m) => m.key === order.field))
      return { column: order.field, direction: order.direction };
    const dimension = dimensions.find((d) => d.ref.key === order.field && !d.declaration.parametrised);
    if (dimension) return { column: dimension.column, direction: order.direction };
    throw badInput(`orderBy.field "${order.field}" is not time, a selected metric or a selected dimension`, {
      argument: "orderBy",
    });
  });
  return {
    metrics,
    dimensions,
    grain: query.grain,
    timezone: query.timezone,
    where: query.where,
    segment: query.segment,
    tag: query.tag,
    compareTo: query.compareTo,
    orderBy,
    limit,
  };
}

function dimensionOf(ref: DimensionRef, argument: string): DimensionDeclaration {
  const declaration = DIMENSIONS_BY_KEY.get(ref.key);
  if (!declaration) {
    throw badInput(
      `Unknown dimension "${ref.key}"; known dimensions: ${[...DIMENSIONS_BY_KEY.keys()].join(", ")}`,
      {
        argument,
      },
    );
  }
  if (declaration.parametrised && !ref.arg) {
    throw badInput(`Dimension ${ref.key} needs a tag or segment key`, { argument });
  }
  return declaration;
}

function filterDimensions(filter: MetricFilter): DimensionRef[] {
  if ("and" in filter) return filter.and.flatMap(filterDimensions);
  if ("or" in filter) return filter.or.flatMap(filterDimensions);
  if ("not" in filter) return filterDimensions(filter.not);
  dimensionOf(filter.dimension, "where");
  return [filter.dimension];
}

/** Epoch-ish value of a range end for an order check: local forms compare as if UTC. */
function roughInstant(value: string | Date): number | undefined {
  if (value instanceof Date) return value.getTime();
  const text = value.trim();
  const local = !/(Z|[+-]\d{2}:?\d{2})$/i.test(text) || /^\d{4}-\d{2}-\d{2}$/.test(text);
  const parsed = Date.parse(
    local ? (text.length === 10 ? `${text}T00:00:00Z` : `${text.replace(" ", "T")}Z`) : text,
  );
  return Number.isNaN(parsed) ? undefined : parsed;
}

function assertRangeOrder(query: MetricQuery): void {
  const from = roughInstant(query.range.from);
  const to = roughInstant(query.range.to);
  // Local and absolute ends may differ by a zone offset; only compare what is comparable.
  const slack = typeof query.range.from === typeof query.range.to ? 0 : 14 * 3600_000;
  if (from !== undefined && to !== undefined && from >= to + slack) {
    throw badInput("timeRange.from must be before timeRange.to (to is exclusive)", { argument: "timeRange" });
  }
}

const dims = (columns: string[]) => (columns.length ? sql`${joinSql(columns.map(id))}, ` : sql``);
const ordinals = (n: number) => sql.raw(Array.from({ length: n }, (_, i) => i + 1).join(", "));

function orderBy(query: ValidatedQuery): SQL {
  const explicit = query.orderBy.map((o) => sql`${id(o.column)} ${sql.raw(o.direction)} nulls last`);
  const natural = ["bucket", ...query.dimensions.map((d) => d.column)].map((c) => sql`${id(c)} nulls last`);
  return joinSql([...explicit, ...natural]);
}

/** Bounds of the comparison period. */
function shiftedBounds(query: ValidatedQuery, bounds: RangeBounds, current: PeriodPlan): RangeBounds {
  const tz = query.timezone;
  if (query.compareTo === "PREVIOUS_PERIOD" && query.grain === "ALL") {
    return { from: equallyLongBefore(bounds), to: bounds.from };
  }
  const shift = comparisonShift(query, current);
  return {
    from: sql`((${bounds.from} at time zone ${tz}) - ${shift}) at time zone ${tz}`,
    to: sql`((${bounds.to} at time zone ${tz}) - ${shift}) at time zone ${tz}`,
  };
}

/** PREVIOUS_PERIOD: as many buckets back as the range has; PREVIOUS_YEAR: a year (52 weeks for weeks). */
function comparisonShift(query: ValidatedQuery, current: PeriodPlan): SQL {
  if (query.compareTo === "PREVIOUS_YEAR")
    return sql.raw(query.grain === "WEEK" ? "interval '52 weeks'" : "interval '1 year'");
  return sql`(select count(*) from ${id(current.series)})::int * ${grainInterval(query.grain as Exclude<TimeGrain, "ALL">)}`;
}

/** The current bucket a comparison bucket lines up with. */
function alignedBucket(query: ValidatedQuery, bounds: RangeBounds, current: PeriodPlan): SQL {
  if (query.grain === "ALL") return sql`${bounds.from}`;
  const tz = query.timezone;
  return sql`((bucket at time zone ${tz}) + ${comparisonShift(query, current)}) at time zone ${tz}`;
}

/** The window of the same length right before the range, exactly (in seconds). */
function equallyLongBefore(bounds: RangeBounds): SQL {
  return sql`to_timestamp(2 * extract(epoch from ${bounds.from}) - extract(epoch from ${bounds.to}))`;
}

/** Renders one period's planned CTEs to SQL over the period's bounds. */
class PeriodWriter {
  constructor(
    private readonly query: ValidatedQuery,
    private readonly bounds: RangeBounds,
    private readonly period: PeriodPlan,
    /** Facts read from the user-day rollups (conversions always read raw events). */
    private readonly rolledUp: boolean,
    private readonly withRatioParts = false,
  ) {}

  private get dimensionColumns(): string[] {
    return this.query.dimensions.map((d) => d.column);
  }

  ctes(): SQL[] {
    return this.period.ctes.map((cte) => this.cte(cte));
  }

  private cte(cte: PlannedCte): SQL {
    switch (cte.kind) {
      case "series":
        return sql`${id(cte.name)} as ${bucketSeries(this.query.grain, this.query.timezone, this.bounds)}`;
      case "rfm":
        return sql`${id(cte.name)} as ${rfmScores(this.bounds.to)}`;
      case "first_orders":
        if (this.rolledUp)
          return sql`${id(cte.name)} as (
  select o.user_id, (min(o.day)::timestamp at time zone ${this.query.timezone}) as first_order_at
  from ${rolledUpFacts("orders")} o where o.${sql.raw(ROLLUP_ROWS.orders)} > 0 group by o.user_id)`;
        return sql`${id(cte.name)} as (
  select o.user_id, min(o.placed_at) as first_order_at from ${countedOrders} o group by o.user_id)`;
      case "by_user":
        return this.perUserCte(cte);
      case "activity":
        return this.activityCte(cte);
      case "activity_totals":
        return this.activityTotalsCte(cte);
      case "totals":
        return this.totalsCte(cte);
      case "churn_users":
        return this.churnUsersCte(cte);
      case "churn":
        return sql`${id(cte.name)} as (
  select ${joinSql(["bucket", ...this.dimensionColumns].map(id))}, count(*) as ${sql.raw(CHURN_COLUMNS.previous)},
    count(*) filter (where not bought) as ${sql.raw(CHURN_COLUMNS.churned)}
  from ${id(cte.source)}
  group by ${ordinals(1 + this.dimensionColumns.length)})`;
      case "conversion":
        return this.conversionCte(cte);
      case "parts":
        return this.partsCte(cte);
      case "slices":
        return sql`${id(cte.name)} as (select distinct ${joinSql(this.dimensionColumns.map(id))} from ${id(cte.source)})`;
      case "result":
        return this.resultCte(cte);
    }
  }

  /** The bucket of a fact row (alias `f`): of its time, or of its local day when rolled up. */
  private factBucket(fact: FactKey): SQL {
    if (!this.rolledUp) return this.bucketOf(sql.raw(FACT_SOURCE[fact].time));
    const day = sql.raw(`${ALIAS.fact}.day`);
    if (this.query.grain === "ALL")
      return this.bucketOf(sql`(${day}::timestamp at time zone ${this.query.timezone})`);
    return bucketStartOfDay(this.query.grain as Exclude<TimeGrain, "ALL" | "HOUR">, day, this.query.timezone);
  }

  private bucketOf(ts: SQL): SQL {
    if (this.query.grain !== "ALL")
      return bucketStart(this.query.grain, ts, this.query.timezone, this.bounds);
    if (!this.period.churn) return sql`${this.bounds.from}`;
    return sql`(case when ${ts} < ${this.bounds.from} then ${equallyLongBefore(this.bounds)} else ${this.bounds.from} end)`;
  }

  private nextBucket(bucket: SQL): SQL {
    const tz = this.query.timezone;
    if (this.query.grain === "ALL")
      return sql`(case when ${bucket} < ${this.bounds.from} then ${this.bounds.from} else ${this.bounds.to} end)`;
    return sql`(((${bucket} at time zone ${tz}) + ${grainInterval(this.query.grain)}) at time zone ${tz})`;
  }

  /**
   * Facts in the range; with churn, orders also in the bucket before the first one. Rolled-up
   * facts compare their local day with the local dates of the edges (all midnights: `chooseRollups`).
   */
  private window(fact: FactKey, rolledUp: boolean): SQL {
    const tz = this.query.timezone;
    const between = (from: SQL, to: SQL) =>
      rolledUp
        ? sql`${sql.raw(ALIAS.fact)}.day >= (${from} at time zone ${tz})::date and ${sql.raw(ALIAS.fact)}.day < (${to} at time zone ${tz})::date`
        : sql`${sql.raw(FACT_SOURCE[fact].time)} >= ${from} and ${sql.raw(FACT_SOURCE[fact].time)} < ${to}`;
    const inRange = between(this.bounds.from, this.bounds.to);
    if (!(this.period.churn && fact === "orders")) return inRange;
    if (this.query.grain === "ALL") return between(equallyLongBefore(this.bounds), this.bounds.to);
    const first = bucketStart(this.query.grain, this.bounds.from, tz, this.bounds);
    const before = previousBucket(this.query.grain, first, tz);
    return sql`(${inRange} or (${between(before, first)}))`;
  }

  /**
   * `from <fact> f` with the joins the dimensions and filters need, and the WHERE clause; the
   * fact's user-day rollup in place of its rows where the query allows (`rolledUp`). With
   * `baseEvent` (a conversion's), the raw events of that name.
   */
  private source(fact: FactKey, baseEvent?: string): { from: SQL; where: SQL; dimensions: SQL[] } {
    const joins = new Joins(this.period.rfm);
    const rolledUp = this.rolledUp && baseEvent === undefined;
    const dimensions = this.query.dimensions.map(
      (d) => sql`${dimensionExpression(d.ref, d.declaration, fact, joins, rolledUp)} as ${id(d.column)}`,
    );
    const conditions = [this.window(fact, rolledUp)];
    const onlyEvent = fact === "events" ? (baseEvent ?? this.period.onlyEvent) : undefined;
    const f = sql.raw(ALIAS.fact);
    if (rolledUp) {
      // A rollup row holds the fact only where it counted some of its rows (of that one event, if so).
      const rows = onlyEvent !== undefined ? rollupColumnCounting(onlyEvent) : ROLLUP_ROWS[fact];
      conditions.push(sql`${f}.${sql.raw(rows)} > 0`);
    } else if (onlyEvent !== undefined) conditions.push(sql`${f}.name = ${onlyEvent}`);
    if (this.query.where) conditions.push(compileFilter(this.query.where, fact, joins, rolledUp));
    if (this.query.segment !== undefined)
      conditions.push(sql`${sql.raw(ALIAS.fact)}.user_id in ${segmentMemberIds(this.query.segment)}`);
    if (this.query.tag !== undefined)
      conditions.push(sql`${sql.raw(ALIAS.fact)}.user_id in ${tagMemberIds(this.query.tag)}`);
    return {
      from: sql`${rolledUp ? rolledUpFacts(fact) : FACT_SOURCE[fact].table} ${f}${joins.sql()}`,
      where: joinSql(conditions, sql` and `),
      dimensions,
    };
  }

  /** A row measure's aggregate over the fact's rows, or over its rollup rows (a sum of partial aggregates). */
  private aggregate(measure: RowMeasure): SQL {
    return this.rolledUp
      ? sql`sum(${sql.raw(ALIAS.fact)}.${sql.raw(measure.rollupColumn)})`
      : measure.aggregate;
  }

  private perUserCte(cte: Extract<PlannedCte, { kind: "by_user" }>): SQL {
    const source = this.source(cte.fact);
    const bucket = this.factBucket(cte.fact);
    const columns = cte.measures.map(
      (k) => sql`${this.aggregate(MEASURES[k] as RowMeasure)} as ${id(measureColumn(k))}`,
    );
    let firstOrder = sql``;
    let joinFirst = sql``;
    if (cte.firstOrder) {
      firstOrder = sql`, bool_or(fo.first_order_at >= ${bucket} and fo.first_order_at < ${this.nextBucket(bucket)}) as first_order_in_bucket`;
      joinFirst = sql` join ${id(this.period.firstOrders)} fo on fo.user_id = f.user_id`;
    }
    const n = 2 + this.dimensionColumns.length;
    return sql`${id(cte.name)} as (
  select ${bucket} as bucket, ${dims2(source.dimensions)}f.user_id, ${joinSql(columns)}${firstOrder}
  from ${source.from}${joinFirst}
  where ${source.where}
  group by ${ordinals(n)})`;
  }

  /** Per (bucket, slice, user): every per-user fact's columns, zero where the user had none. */
  private activityCte(cte: Extract<PlannedCte, { kind: "activity" }>): SQL {
    const keys = ["bucket", ...this.dimensionColumns, "user_id"];
    if (cte.sources.length === 1) {
      return sql`${id(cte.name)} as (select * from ${id(cte.sources[0].cte)})`;
    }
    const branches = cte.sources.map((source) => {
      const own = new Set(source.measures);
      const columns = cte.measures.map((k) =>
        own.has(k) ? sql`${id(measureColumn(k))}` : sql`0 as ${id(measureColumn(k))}`,
      );
      if (cte.firstOrder)
        columns.push(
          source.fact === "orders" ? sql`first_order_in_bucket` : sql`false as first_order_in_bucket`,
        );
      return sql`select ${joinSql(keys.map(id))}, ${joinSql(columns)} from ${id(source.cte)}`;
    });
    const sums = cte.measures.map((k) => sql`sum(${id(measureColumn(k))}) as ${id(measureColumn(k))}`);
    if (cte.firstOrder) sums.push(sql`bool_or(first_order_in_bucket) as first_order_in_bucket`);
    return sql`${id(cte.name)} as (
  select ${joinSql(keys.map(id))}, ${joinSql(sums)}
  from (${joinSql(branches, sql`\n    union all `)}) as stacked
  group by ${ordinals(keys.length)})`;
  }

  private activityTotalsCte(cte: Extract<PlannedCte, { kind: "activity_totals" }>): SQL {
    const outputs = [
      ...cte.sums.map((key) => sql`sum(${id(measureColumn(key))}) as ${id(measureColumn(key))}`),
      ...cte.counts.map((key) => {
        const measure = MEASURES[key] as UserMeasure;
        return sql`count(*) filter (where ${measure.condition}) as ${id(measureColumn(key))}`;
      }),
    ];
    const keys = ["bucket", ...this.dimensionColumns];
    return sql`${id(cte.name)} as (
  select ${joinSql(keys.map(id))}, ${joinSql(outputs)}
  from ${id(cte.source)}
  group by ${ordinals(keys.length)})`;
  }

  private totalsCte(cte: Extract<PlannedCte, { kind: "totals" }>): SQL {
    const source = this.source(cte.fact);
    const outputs = cte.measures.map(
      (k) => sql`${this.aggregate(MEASURES[k] as RowMeasure)} as ${id(measureColumn(k))}`,
    );
    return sql`${id(cte.name)} as (
  select ${this.factBucket(cte.fact)} as bucket, ${dims2(source.dimensions)}${joinSql(outputs)}
  from ${source.from}
  where ${source.where}
  group by ${ordinals(1 + this.dimensionColumns.length)})`;
  }

  /** Buyers of each bucket carried to the next bucket, against the buyers of that bucket. */
  private churnUsersCte(cte: Extract<PlannedCte, { kind: "churn_users" }>): SQL {
    const keys = ["bucket", ...this.dimensionColumns, "user_id"];
    const rest = [...this.dimensionColumns, "user_id"].map(id);
    const byUser = id(cte.source);
    return sql`${id(cte.name)} as (
  select ${joinSql(keys.map(id))}, bool_or(is_current) as bought
  from (select ${this.nextBucket(sql`bucket`)} as bucket, ${joinSql(rest)}, false as is_current from ${byUser}
    union all select bucket, ${joinSql(rest)}, true from ${byUser}) as carried
  group by ${ordinals(keys.length)}
  having bool_or(not is_current))`;
  }

  private conversionCte(cte: Extract<PlannedCte, { kind: "conversion" }>): SQL {
    const metric = this.query.metrics.find((m) => m.key === cte.metric) as Metric;
    const definition = metric.definition;
    if (definition.kind !== "CONVERSION") throw new Error("not a conversion metric");
    const source = this.source("events", definition.baseEvent);
    const window = sql.raw(`interval '${Math.trunc(definition.window.amount)} ${definition.window.unit}'`);
    const constant = definition.constantProperty;
    const constantOf = (alias: string) =>
      constant === undefined
        ? undefined
        : EVENT_COLUMNS.has(constant)
          ? sql.raw(`${alias}.${constant}`)
          : sql`${sql.raw(alias)}.properties ->> ${constant}`;
    const sameValue = constant === undefined ? sql`` : sql` and t.constant_value = ${constantOf("f")}`;
    const targets = sql`(select e.user_id, e.ts${constant === undefined ? sql`` : sql`, ${constantOf("e")} as constant_value`}
      from ${resolvedEvents} e
      where e.name = ${definition.targetEvent} and e.ts >= ${this.bounds.from} and e.ts < ${this.bounds.to} + ${window})`;
    const keys = ["bucket", ...this.dimensionColumns];
    const columns = conversionColumns(metric.key);
    return sql`${id(cte.name)} as (
  select ${joinSql(keys.map(id))}, count(*) as ${id(columns.base)},
    count(*) filter (where converted) as ${id(columns.converted)}
  from (
    select ${this.bucketOf(sql`f.ts`)} as bucket, ${dims2(source.dimensions)}f.user_id, bool_or(t.user_id is not null) as converted
    from ${source.from}
    left join ${targets} t on t.user_id = f.user_id and t.ts >= f.ts and t.ts < f.ts + ${window}${sameValue}
    where ${source.where}
    group by ${ordinals(keys.length + 1)}) as base_users
  group by ${ordinals(keys.length)})`;
  }

  private partsCte(cte: Extract<PlannedCte, { kind: "parts" }>): SQL {
    const keys = ["bucket", ...this.dimensionColumns];
    const branches = cte.branches.map((part) => {
      const own = new Set(part.columns);
      const columns = cte.columns.map((c) =>
        own.has(c) ? sql`${id(c)}::float8 as ${id(c)}` : sql`null::float8 as ${id(c)}`,
      );
      return sql`select ${joinSql(keys.map(id))}, ${joinSql(columns)} from ${id(part.source)}`;
    });
    return sql`${id(cte.name)} as (
  ${joinSql(branches, sql`\n  union all `)})`;
  }

  private resultCte(cte: Extract<PlannedCte, { kind: "result" }>): SQL {
    const all = cte.columns;
    const keys = ["bucket", ...this.dimensionColumns];
    const dense = cte.slices
      ? sql`select s.bucket, ${joinSql(this.dimensionColumns.map((c) => sql`sl.${id(c)}`))}, ${joinSql(all.map(() => sql`null::float8`))}, true
    from ${id(cte.series)} s cross join ${id(cte.slices)} sl`
      : sql`select s.bucket, ${joinSql(all.map(() => sql`null::float8`))}, true from ${id(cte.series)} s`;
    const outputs = cte.metrics.map((key) => {
      const metric = this.query.metrics.find((m) => m.key === key) as Metric;
      return sql`${metricExpression(metric)} as ${id(metric.key)}`;
    });
    if (this.withRatioParts) {
      for (const metric of this.query.metrics) {
        const parts = ratioPartsOf(metric);
        if (!parts) continue;
        for (const part of [parts.numerator, parts.denominator])
          outputs.push(sql`${zeroFilled(part.measure)} as ${id(part.column)}`);
      }
    }
    return sql`${id(cte.name)} as (
  select ${joinSql(keys.map(id))}, ${joinSql(outputs)}
  from (select ${joinSql(keys.map(id))}, ${joinSql(all.map(id))}, false as dense from ${id(cte.parts)}
    union all ${dense}) as stacked
  group by ${ordinals(keys.length)}
  having bool_or(dense))`;
  }
}

/** The rollup column counting the events of one name (the cart measure's, for `add_to_cart`). */
function rollupColumnCounting(event: string): string {
  const measure = Object.values(MEASURES).find(
    (m): m is RowMeasure => m.level === "ROW" && m.fact === "events" && m.onlyEvent === event,
  );
  if (!measure) throw new Error(`no rollup column counts ${event} events`);
  return measure.rollupColumn;
}

const dims2 = (expressions: SQL[]) => (expressions.length ? sql`${joinSql(expressions)}, ` : sql``);

const zeroFilled = (key: string) => sql`coalesce(sum(${id(`m_${key}`)}), 0)`;
const ratio = (numerator: string, denominator: string) =>
  sql`coalesce(sum(${id(numerator)}), 0) / nullif(sum(${id(denominator)}), 0)`;

/** A metric from the summed measure columns of its bucket and slice. */
function metricExpression(metric: Metric): SQL {
  const definition = metric.definition;
  switch (definition.kind) {
    case "SIMPLE":
      return zeroFilled(definition.measure);
    case "RATIO":
      return ratio(`m_${definition.numerator}`, `m_${definition.denominator}`);
    case "DERIVED":
      return sql`${zeroFilled(definition.minuend)} - ${zeroFilled(definition.subtrahend)}`;
    case "CHURN":
      return ratio("m_churned_buyers", "m_previous_buyers");
    case "CONVERSION":
      return ratio(`m_${metric.key}_converted`, `m_${metric.key}_base`);
  }
}

/** Joins a fact source needs for its dimensions and filters, each added once. */
class Joins {
  private users = false;
  private rfm = false;
  private riskBands = false;
  private readonly tagValues = new Map<string, string>();
  private readonly memberships = new Map<string, { kind: "tag" | "segment"; key: string; alias: string }>();

  /** `rfmCte`: the period's RFM scores (a comparison period scores as of its own end). */
  constructor(private readonly rfmCte: string) {}

  user(): void {
    this.users = true;
  }
  rfmSegment(): void {
    this.rfm = true;
  }
  riskBand(): void {
    this.riskBands = true;
  }
  tagValue(key: string): string {
    let alias = this.tagValues.get(key);
    if (!alias) {
      alias = `tv${this.tagValues.size}`;
      this.tagValues.set(key, alias);
    }
    return alias;
  }

  /**
   * The alias of a left join to the current members of a tag or segment (one row per member:
   * the key is unique per user). A join on the fact's user, not `user_id in (members)` in the
   * select list: Citus cannot run a subquery over a distributed table there.
   */
  membership(kind: "tag" | "segment", key: string): string {
    const name = `${kind}:${key}`;
    let join = this.memberships.get(name);
    if (!join) {
      join = { kind, key, alias: `${kind === "tag" ? "ht" : "is"}${this.memberships.size}` };
      this.memberships.set(name, join);
    }
    return join.alias;
  }

  sql(): SQL {
    const parts: SQL[] = [];
    const f = sql.raw(ALIAS.fact);
    if (this.users)
      parts.push(
        sql`\n    left join users ${sql.raw(ALIAS.user)} on ${sql.raw(ALIAS.user)}.id = ${f}.user_id`,
      );
    if (this.rfm)
      parts.push(
        sql`\n    left join ${id(this.rfmCte)} ${sql.raw(ALIAS.rfm)} on ${sql.raw(ALIAS.rfm)}.user_id = ${f}.user_id`,
      );
    if (this.riskBands) {
      // Scores of the most recently fitted purchase model (the `predict.*` rule terms read the same).
      parts.push(
        sql`\n    left join ${currentPurchaseScores} ${sql.raw(ALIAS.riskBand)} on ${sql.raw(ALIAS.riskBand)}.user_id = ${f}.user_id`,
      );
    }
    for (const [key, alias] of this.tagValues) {
      parts.push(
        sql`\n    left join tag_members ${sql.raw(alias)} on ${sql.raw(alias)}.tag_key = ${key} and ${sql.raw(alias)}.user_id = f.user_id`,
      );
    }
    for (const { kind, key, alias } of this.memberships.values()) {
      const [table, column] =
        kind === "tag" ? ["tag_members", "tag_key"] : ["segment_members", "segment_key"];
      parts.push(
        sql`\n    left join ${sql.raw(table)} ${sql.raw(alias)} on ${sql.raw(alias)}.${sql.raw(column)} = ${key} and ${sql.raw(alias)}.user_id = f.user_id`,
      );
    }
    return sql.join(parts, sql``);
  }
}

/** `rolledUp`: the row is a rollup row (`chooseRollups` checked that fact dimensions are its columns). */
function dimensionExpression(
  ref: DimensionRef,
  declaration: DimensionDeclaration,
  fact: FactKey,
  joins: Joins,
  rolledUp: boolean,
): SQL {
  if (!dimensionAppliesTo(declaration, fact))
    throw new Error(`dimension ${ref.key} does not apply to ${fact}`);
  const source = declaration.source;
  switch (source.kind) {
    case "FACT":
      if (rolledUp) {
        if (!source.rollup) throw new Error(`dimension ${ref.key} is not a rollup slice`);
        return source.rollup;
      }
      return source.expressions[fact] as SQL;
    case "USER":
      joins.user();
      return source.expression;
    case "RFM":
      joins.rfmSegment();
      return sql`${sql.raw(ALIAS.rfm)}.segment`;
    case "RISK_BAND":
      joins.riskBand();
      return sql`${sql.raw(ALIAS.riskBand)}.risk_band`;
    case "HAS_TAG":
      return sql`(${sql.raw(joins.membership("tag", ref.arg as string))}.user_id is not null)`;
    case "IN_SEGMENT":
      return sql`(${sql.raw(joins.membership("segment", ref.arg as string))}.user_id is not null)`;
    case "TAG_VALUE":
      return sql`${sql.raw(joins.tagValue(ref.arg as string))}.value`;
  }
}

/** A filter tree as a predicate over one fact's rows; each leaf is true or false, never null. */
function compileFilter(filter: MetricFilter, fact: FactKey, joins: Joins, rolledUp: boolean): SQL {
  if ("and" in filter) {
    if (filter.and.length === 0) return sql`true`;
    return sql`(${joinSql(
      filter.and.map((f) => compileFilter(f, fact, joins, rolledUp)),
      sql` and `,
    )})`;
  }
  if ("or" in filter) {
    if (filter.or.length === 0) return sql`false`;
    return sql`(${joinSql(
      filter.or.map((f) => compileFilter(f, fact, joins, rolledUp)),
      sql` or `,
    )})`;
  }
  if ("not" in filter) return sql`not ${compileFilter(filter.not, fact, joins, rolledUp)}`;
  const declaration = dimensionOf(filter.dimension, "where");
  const value = dimensionExpression(filter.dimension, declaration, fact, joins, rolledUp);
  const text = declaration.type === "BOOLEAN" ? sql`(${value})::text` : value;
  return leaf(text, filter.condition, filter.dimension.key);
}

function leaf(value: SQL, condition: FilterCondition, dimension: string): SQL {
  const parts: SQL[] = [];
  const list = (values: unknown, operator: string) => {
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "string")) {
      throw badInput(`where.${dimension}.${operator} needs a non-empty list of strings`, {
        argument: "where",
      });
    }
    return joinSql(values.map((v) => sql`${v}`));
  };
  const scalar = (v: unknown, operator: string) => {
    if (typeof v !== "string")
      throw badInput(`where.${dimension}.${operator} needs a string`, { argument: "where" });
    return v;
  };
  if (condition.eq !== undefined) parts.push(sql`${value} = ${scalar(condition.eq, "eq")}`);
  if (condition.in !== undefined) parts.push(sql`${value} in (${list(condition.in, "in")})`);
  // Like Cube's notEquals: rows without a value are not "in" the list, so they pass.
  if (condition.notIn !== undefined) {
    parts.push(sql`(${value} is null or ${value} not in (${list(condition.notIn, "notIn")}))`);
  }
  if (condition.gt !== undefined) parts.push(sql`${value} > ${scalar(condition.gt, "gt")}`);
  if (condition.gte !== undefined) parts.push(sql`${value} >= ${scalar(condition.gte, "gte")}`);
  if (condition.lt !== undefined) parts.push(sql`${value} < ${scalar(condition.lt, "lt")}`);
  if (condition.lte !== undefined) parts.push(sql`${value} <= ${scalar(condition.lte, "lte")}`);
  if (condition.contains !== undefined)
    parts.push(sql`strpos(${value}, ${scalar(condition.contains, "contains")}) > 0`);
  if (condition.isNull !== undefined)
    parts.push(condition.isNull ? sql`${value} is null` : sql`${value} is not null`);
  if (parts.length === 0) throw badInput(`where.${dimension} has no condition`, { argument: "where" });
  return sql`coalesce(${joinSql(parts, sql` and `)}, false)`;
}
