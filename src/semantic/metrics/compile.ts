import { type SQL, sql } from "drizzle-orm";
import { badInput, limitExceeded } from "../../errors";
import { METRICS_BY_KEY, measuresOf } from "../../metrics/catalog";
import { DIMENSIONS_BY_KEY, type DimensionDeclaration, dimensionAppliesTo } from "../../metrics/dimensions";
import { MEASURES, type RowMeasure } from "../../metrics/measures";
import type { FactKey, MeasureKey, Metric, RowMeasureKey } from "../../metrics/types";
import { countedItems, countedOrders, resolvedEvents } from "../facts";
import { segmentMemberIds, tagMemberIds } from "../membership";
import { currentPurchaseScores } from "../prediction";
import { rfmScores } from "../rfm";
import { joinSql } from "../sql";
import {
  assertBucketsWithin,
  bucketCount,
  bucketSeries,
  bucketStart,
  DEFAULT_MAX_BUCKETS,
  grainInterval,
  previousBucket,
  type RangeBounds,
  rangeBounds,
  TIME_GRAINS,
  type TimeGrain,
} from "../time";
import {
  type DimensionRef,
  type FilterCondition,
  MAX_METRIC_ROWS,
  type MetricFilter,
  type MetricQuery,
} from "./query";

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
  /** Output columns, in order: `bucket`, `dimensionColumns`, then per metric its key (and with a comparison `previous_<key>`, `change_<key>`). */
  dimensionColumns: string[];
  metrics: Metric[];
  compare: boolean;
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
  });
}

export interface BoundsOptions {
  /** Reject ranges whose ends the client gave in the wrong order. */
  checkRange: boolean;
  /** Apply the query's limit (the views have none: they hold every row). */
  limited: boolean;
}

/** Like `compileMetricQuery` over bounds given as SQL (the views use the first fact and `now()`). */
export function compileMetricQueryWithBounds(
  query: MetricQuery,
  bounds: RangeBounds,
  options: BoundsOptions,
): CompiledMetricQuery {
  const validated = validate(query, options.checkRange);
  const current = new Plan(validated, bounds, "");
  const ctes = current.ctes();
  const dimensionColumns = validated.dimensions.map((d) => d.column);
  const keys = [sql`bucket`, ...dimensionColumns.map(id)];
  let body: SQL;
  if (validated.compareTo) {
    const previousBounds = shiftedBounds(validated, bounds, current);
    const previous = new Plan(validated, previousBounds, "previous_");
    ctes.push(...previous.ctes());
    const metricColumns = validated.metrics.map((m) => m.key);
    const aligned = alignedBucket(validated, bounds, current);
    const stacked = sql`select bucket, ${dims(dimensionColumns)}${joinSql(metricColumns.map((k) => sql`${id(k)}`))}, ${joinSql(metricColumns.map(() => sql`null::float8`))}, true as is_current from ${id(current.name("result"))}
    union all
    select ${aligned} as bucket, ${dims(dimensionColumns)}${joinSql(metricColumns.map(() => sql`null::float8`))}, ${joinSql(metricColumns.map((k) => sql`${id(k)}`))}, false from ${id(previous.name("result"))}`;
    const outputs = metricColumns.flatMap((k) => [
      sql`max(${id(k)}) as ${id(k)}`,
      sql`max(${id(`p_${k}`)}) as ${id(`previous_${k}`)}`,
      sql`(max(${id(k)}) - max(${id(`p_${k}`)})) / nullif(abs(max(${id(`p_${k}`)})), 0) as ${id(`change_${k}`)}`,
    ]);
    const stackedColumns = [
      "bucket",
      ...dimensionColumns,
      ...metricColumns,
      ...metricColumns.map((k) => `p_${k}`),
      "is_current",
    ];
    body = sql`select ${joinSql(keys)}, ${joinSql(outputs)}
from (${stacked}) as compared (${joinSql(stackedColumns.map(id))})
group by ${ordinals(keys.length)}
having bool_or(is_current)`;
  } else {
    body = sql`select * from ${id(current.name("result"))}`;
  }
  const statement = sql`with ${joinSql(ctes, sql`,\n`)}
${body}
order by ${orderBy(validated)}${
    options.limited
      ? sql`
limit ${validated.limit}`
      : sql``
  }`;
  return { statement, dimensionColumns, metrics: validated.metrics, compare: !!validated.compareTo };
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
function shiftedBounds(query: ValidatedQuery, bounds: RangeBounds, current: Plan): RangeBounds {
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
function comparisonShift(query: ValidatedQuery, current: Plan): SQL {
  if (query.compareTo === "PREVIOUS_YEAR")
    return sql.raw(query.grain === "WEEK" ? "interval '52 weeks'" : "interval '1 year'");
  return sql`(select count(*) from ${id(current.name("series"))})::int * ${grainInterval(query.grain as Exclude<TimeGrain, "ALL">)}`;
}

/** The current bucket a comparison bucket lines up with. */
function alignedBucket(query: ValidatedQuery, bounds: RangeBounds, current: Plan): SQL {
  if (query.grain === "ALL") return sql`${bounds.from}`;
  const tz = query.timezone;
  return sql`((bucket at time zone ${tz}) + ${comparisonShift(query, current)}) at time zone ${tz}`;
}

/** The window of the same length right before the range, exactly (in seconds). */
function equallyLongBefore(bounds: RangeBounds): SQL {
  return sql`to_timestamp(2 * extract(epoch from ${bounds.from}) - extract(epoch from ${bounds.to}))`;
}

/**
 * The CTEs of one period. `prefix` keeps a comparison period's CTEs apart from the
 * current one's in the same statement.
 */
class Plan {
  private readonly rowMeasures = new Set<RowMeasureKey>();
  private readonly userMeasures = new Set<MeasureKey>();
  private readonly churn: boolean;
  private readonly conversions: Metric[];
  private readonly perUserFacts = new Set<FactKey>();
  private readonly totalFacts = new Set<FactKey>();
  private readonly needsFirstOrder: boolean;
  private readonly needsRfm: boolean;

  constructor(
    private readonly query: ValidatedQuery,
    private readonly bounds: RangeBounds,
    private readonly prefix: string,
  ) {
    for (const metric of query.metrics) {
      for (const key of measuresOf(metric.definition)) {
        const measure = MEASURES[key];
        if (measure.level === "ROW") this.rowMeasures.add(measure.key);
        else this.userMeasures.add(key);
      }
    }
    this.churn = query.metrics.some((m) => m.definition.kind === "CHURN");
    this.conversions = query.metrics.filter((m) => m.definition.kind === "CONVERSION");
    for (const key of this.userMeasures) {
      const measure = MEASURES[key];
      if (measure.level !== "USER") continue;
      for (const use of measure.uses) this.perUserFacts.add((MEASURES[use] as RowMeasure).fact);
    }
    if (this.churn) this.perUserFacts.add("orders");
    for (const key of this.rowMeasures) {
      const fact = (MEASURES[key] as RowMeasure).fact;
      if (!this.perUserFacts.has(fact)) this.totalFacts.add(fact);
    }
    this.needsFirstOrder = [...this.userMeasures].some((k) => {
      const measure = MEASURES[k];
      return measure.level === "USER" && measure.needsFirstOrder;
    });
    const filtered = query.where ? filterDimensions(query.where) : [];
    this.needsRfm = [...query.dimensions.map((d) => d.ref), ...filtered].some((r) => r.key === "rfm_segment");
  }

  name(cte: string): string {
    return `${this.prefix}${cte}`;
  }

  private get dimensionColumns(): string[] {
    return this.query.dimensions.map((d) => d.column);
  }

  /** The one event name every events measure of the query counts, if they agree on one. */
  private onlyEvent(): string | undefined {
    const names = new Set(
      [
        ...this.perUserColumns("events"),
        ...[...this.rowMeasures].filter((k) => (MEASURES[k] as RowMeasure).fact === "events"),
      ].map((k) => (MEASURES[k] as RowMeasure).onlyEvent),
    );
    return names.size === 1 ? [...names][0] : undefined;
  }

  /** Row measures computed per user for a per-user fact: those metrics read and those user measures use. */
  private perUserColumns(fact: FactKey): RowMeasureKey[] {
    const keys = new Set<RowMeasureKey>();
    for (const key of this.rowMeasures) if ((MEASURES[key] as RowMeasure).fact === fact) keys.add(key);
    for (const key of this.userMeasures) {
      const measure = MEASURES[key];
      if (measure.level !== "USER") continue;
      for (const use of measure.uses) if ((MEASURES[use] as RowMeasure).fact === fact) keys.add(use);
    }
    if (fact === "orders" && this.perUserFacts.has("orders")) keys.add("orders");
    return [...keys].sort();
  }

  /** The measure columns every part contributes, each produced by exactly one part. */
  private measureColumns(): string[] {
    const columns = [...this.rowMeasures, ...this.userMeasures].map((k) => `m_${k}`);
    if (this.churn) columns.push("m_previous_buyers", "m_churned_buyers");
    for (const metric of this.conversions) columns.push(`m_${metric.key}_base`, `m_${metric.key}_converted`);
    return columns.sort();
  }

  ctes(): SQL[] {
    const ctes: SQL[] = [
      sql`${id(this.name("series"))} as ${bucketSeries(this.query.grain, this.query.timezone, this.bounds)}`,
    ];
    if (this.needsRfm) ctes.push(sql`${id(this.name("rfm"))} as ${rfmScores(this.bounds.to)}`);
    if (this.needsFirstOrder) {
      ctes.push(sql`${id(this.name("first_orders"))} as (
  select o.user_id, min(o.placed_at) as first_order_at from ${countedOrders} o group by o.user_id)`);
    }
    const parts: { source: string; columns: string[] }[] = [];
    const facts: FactKey[] = ["events", "orders", "items"];
    for (const fact of facts.filter((f) => this.perUserFacts.has(f))) ctes.push(this.perUserCte(fact));
    if (this.needsActivity()) {
      ctes.push(this.activityCte());
      const activity = this.activityTotalsCte();
      ctes.push(activity.cte);
      parts.push({ source: this.name("activity_totals"), columns: activity.columns });
    }
    for (const fact of facts.filter((f) => this.totalFacts.has(f))) {
      const totals = this.totalsCte(fact);
      ctes.push(totals.cte);
      parts.push({ source: this.name(`${fact}_totals`), columns: totals.columns });
    }
    if (this.churn) {
      ctes.push(...this.churnCtes());
      parts.push({ source: this.name("churn"), columns: ["m_previous_buyers", "m_churned_buyers"] });
    }
    this.conversions.forEach((metric, index) => {
      ctes.push(this.conversionCte(metric, index));
      parts.push({
        source: this.name(`conversion_${index}`),
        columns: [`m_${metric.key}_base`, `m_${metric.key}_converted`],
      });
    });
    ctes.push(this.partsCte(parts));
    if (this.dimensionColumns.length) {
      ctes.push(
        sql`${id(this.name("slices"))} as (select distinct ${joinSql(this.dimensionColumns.map(id))} from ${id(this.name("parts"))})`,
      );
    }
    ctes.push(this.resultCte());
    return ctes;
  }

  /** Churn alone reads `orders_by_user` directly; activity is for user measures and per-user facts' sums. */
  private needsActivity(): boolean {
    if (this.userMeasures.size > 0) return true;
    return [...this.rowMeasures].some((k) => this.perUserFacts.has((MEASURES[k] as RowMeasure).fact));
  }

  private bucketOf(ts: SQL): SQL {
    if (this.query.grain !== "ALL")
      return bucketStart(this.query.grain, ts, this.query.timezone, this.bounds);
    if (!this.churn) return sql`${this.bounds.from}`;
    return sql`(case when ${ts} < ${this.bounds.from} then ${equallyLongBefore(this.bounds)} else ${this.bounds.from} end)`;
  }

  private nextBucket(bucket: SQL): SQL {
    const tz = this.query.timezone;
    if (this.query.grain === "ALL")
      return sql`(case when ${bucket} < ${this.bounds.from} then ${this.bounds.from} else ${this.bounds.to} end)`;
    return sql`(((${bucket} at time zone ${tz}) + ${grainInterval(this.query.grain)}) at time zone ${tz})`;
  }

  /** Facts in the range; with churn, orders also in the bucket before the first one. */
  private window(fact: FactKey): SQL {
    const ts = sql.raw(FACT_SOURCE[fact].time);
    const inRange = sql`${ts} >= ${this.bounds.from} and ${ts} < ${this.bounds.to}`;
    if (!(this.churn && fact === "orders")) return inRange;
    if (this.query.grain === "ALL")
      return sql`${ts} >= ${equallyLongBefore(this.bounds)} and ${ts} < ${this.bounds.to}`;
    const first = bucketStart(this.query.grain, this.bounds.from, this.query.timezone, this.bounds);
    const before = previousBucket(this.query.grain, first, this.query.timezone);
    return sql`(${inRange} or (${ts} >= ${before} and ${ts} < ${first}))`;
  }

  /** `from <fact> f` with the joins the dimensions and filters need, and the WHERE clause. */
  private source(fact: FactKey, extraWhere?: SQL): { from: SQL; where: SQL; dimensions: SQL[] } {
    const joins = new Joins(this.prefix);
    const dimensions = this.query.dimensions.map(
      (d) => sql`${dimensionExpression(d.ref, d.declaration, fact, joins)} as ${id(d.column)}`,
    );
    const conditions = [this.window(fact)];
    const onlyEvent = fact === "events" && extraWhere === undefined ? this.onlyEvent() : undefined;
    if (onlyEvent !== undefined) conditions.push(sql`f.name = ${onlyEvent}`);
    if (extraWhere) conditions.push(extraWhere);
    if (this.query.where) conditions.push(compileFilter(this.query.where, fact, joins));
    if (this.query.segment !== undefined)
      conditions.push(sql`f.user_id in ${segmentMemberIds(this.query.segment)}`);
    if (this.query.tag !== undefined) conditions.push(sql`f.user_id in ${tagMemberIds(this.query.tag)}`);
    return {
      from: sql`${FACT_SOURCE[fact].table} f${joins.sql()}`,
      where: joinSql(conditions, sql` and `),
      dimensions,
    };
  }

  private perUserCte(fact: FactKey): SQL {
    const source = this.source(fact);
    const bucket = this.bucketOf(sql.raw(FACT_SOURCE[fact].time));
    const columns = this.perUserColumns(fact).map(
      (k) => sql`${(MEASURES[k] as RowMeasure).aggregate} as ${id(`m_${k}`)}`,
    );
    let firstOrder = sql``;
    let joinFirst = sql``;
    if (fact === "orders" && this.needsFirstOrder) {
      firstOrder = sql`, bool_or(fo.first_order_at >= ${bucket} and fo.first_order_at < ${this.nextBucket(bucket)}) as first_order_in_bucket`;
      joinFirst = sql` join ${id(this.name("first_orders"))} fo on fo.user_id = f.user_id`;
    }
    const n = 2 + this.dimensionColumns.length;
    return sql`${id(this.name(`${fact}_by_user`))} as (
  select ${bucket} as bucket, ${dims2(source.dimensions)}f.user_id, ${joinSql(columns)}${firstOrder}
  from ${source.from}${joinFirst}
  where ${source.where}
  group by ${ordinals(n)})`;
  }

  /** Per (bucket, slice, user): every per-user fact's columns, zero where the user had none. */
  private activityCte(): SQL {
    const facts = (["events", "orders"] as FactKey[]).filter((f) => this.perUserFacts.has(f));
    const keys = ["bucket", ...this.dimensionColumns, "user_id"];
    const all = facts.flatMap((f) => this.perUserColumns(f));
    const withFirst = this.needsFirstOrder;
    if (facts.length === 1) {
      return sql`${id(this.name("activity"))} as (select * from ${id(this.name(`${facts[0]}_by_user`))})`;
    }
    const branches = facts.map((fact) => {
      const own = new Set(this.perUserColumns(fact));
      const columns = all.map((k) => (own.has(k) ? sql`${id(`m_${k}`)}` : sql`0 as ${id(`m_${k}`)}`));
      if (withFirst)
        columns.push(fact === "orders" ? sql`first_order_in_bucket` : sql`false as first_order_in_bucket`);
      return sql`select ${joinSql(keys.map(id))}, ${joinSql(columns)} from ${id(this.name(`${fact}_by_user`))}`;
    });
    const sums = all.map((k) => sql`sum(${id(`m_${k}`)}) as ${id(`m_${k}`)}`);
    if (withFirst) sums.push(sql`bool_or(first_order_in_bucket) as first_order_in_bucket`);
    return sql`${id(this.name("activity"))} as (
  select ${joinSql(keys.map(id))}, ${joinSql(sums)}
  from (${joinSql(branches, sql`\n    union all `)}) as stacked
  group by ${ordinals(keys.length)})`;
  }

  private activityTotalsCte(): { cte: SQL; columns: string[] } {
    const columns: string[] = [];
    const outputs: SQL[] = [];
    for (const key of [...this.rowMeasures].sort()) {
      if (!this.perUserFacts.has((MEASURES[key] as RowMeasure).fact)) continue;
      outputs.push(sql`sum(${id(`m_${key}`)}) as ${id(`m_${key}`)}`);
      columns.push(`m_${key}`);
    }
    for (const key of [...this.userMeasures].sort()) {
      const measure = MEASURES[key];
      if (measure.level !== "USER") continue;
      outputs.push(sql`count(*) filter (where ${measure.condition}) as ${id(`m_${key}`)}`);
      columns.push(`m_${key}`);
    }
    const keys = ["bucket", ...this.dimensionColumns];
    return {
      cte: sql`${id(this.name("activity_totals"))} as (
  select ${joinSql(keys.map(id))}, ${joinSql(outputs)}
  from ${id(this.name("activity"))}
  group by ${ordinals(keys.length)})`,
      columns,
    };
  }

  private totalsCte(fact: FactKey): { cte: SQL; columns: string[] } {
    const source = this.source(fact);
    const keys = [...this.rowMeasures].filter((k) => (MEASURES[k] as RowMeasure).fact === fact).sort();
    const outputs = keys.map((k) => sql`${(MEASURES[k] as RowMeasure).aggregate} as ${id(`m_${k}`)}`);
    return {
      cte: sql`${id(this.name(`${fact}_totals`))} as (
  select ${this.bucketOf(sql.raw(FACT_SOURCE[fact].time))} as bucket, ${dims2(source.dimensions)}${joinSql(outputs)}
  from ${source.from}
  where ${source.where}
  group by ${ordinals(1 + this.dimensionColumns.length)})`,
      columns: keys.map((k) => `m_${k}`),
    };
  }

  /** Buyers of each bucket carried to the next bucket, against the buyers of that bucket. */
  private churnCtes(): SQL[] {
    const keys = ["bucket", ...this.dimensionColumns, "user_id"];
    const rest = [...this.dimensionColumns, "user_id"].map(id);
    const byUser = id(this.name("orders_by_user"));
    return [
      sql`${id(this.name("churn_users"))} as (
  select ${joinSql(keys.map(id))}, bool_or(is_current) as bought
  from (select ${this.nextBucket(sql`bucket`)} as bucket, ${joinSql(rest)}, false as is_current from ${byUser}
    union all select bucket, ${joinSql(rest)}, true from ${byUser}) as carried
  group by ${ordinals(keys.length)}
  having bool_or(not is_current))`,
      sql`${id(this.name("churn"))} as (
  select ${joinSql(["bucket", ...this.dimensionColumns].map(id))}, count(*) as m_previous_buyers,
    count(*) filter (where not bought) as m_churned_buyers
  from ${id(this.name("churn_users"))}
  group by ${ordinals(1 + this.dimensionColumns.length)})`,
    ];
  }

  private conversionCte(metric: Metric, index: number): SQL {
    const definition = metric.definition;
    if (definition.kind !== "CONVERSION") throw new Error("not a conversion metric");
    const source = this.source("events", sql`f.name = ${definition.baseEvent}`);
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
    return sql`${id(this.name(`conversion_${index}`))} as (
  select ${joinSql(keys.map(id))}, count(*) as ${id(`m_${metric.key}_base`)},
    count(*) filter (where converted) as ${id(`m_${metric.key}_converted`)}
  from (
    select ${this.bucketOf(sql`f.ts`)} as bucket, ${dims2(source.dimensions)}f.user_id, bool_or(t.user_id is not null) as converted
    from ${source.from}
    left join ${targets} t on t.user_id = f.user_id and t.ts >= f.ts and t.ts < f.ts + ${window}${sameValue}
    where ${source.where}
    group by ${ordinals(keys.length + 1)}) as base_users
  group by ${ordinals(keys.length)})`;
  }

  private partsCte(parts: { source: string; columns: string[] }[]): SQL {
    const all = this.measureColumns();
    const keys = ["bucket", ...this.dimensionColumns];
    const branches = parts.map((part) => {
      const own = new Set(part.columns);
      const columns = all.map((c) =>
        own.has(c) ? sql`${id(c)}::float8 as ${id(c)}` : sql`null::float8 as ${id(c)}`,
      );
      return sql`select ${joinSql(keys.map(id))}, ${joinSql(columns)} from ${id(part.source)}`;
    });
    return sql`${id(this.name("parts"))} as (
  ${joinSql(branches, sql`\n  union all `)})`;
  }

  private resultCte(): SQL {
    const all = this.measureColumns();
    const keys = ["bucket", ...this.dimensionColumns];
    const dense = this.dimensionColumns.length
      ? sql`select s.bucket, ${joinSql(this.dimensionColumns.map((c) => sql`sl.${id(c)}`))}, ${joinSql(all.map(() => sql`null::float8`))}, true
    from ${id(this.name("series"))} s cross join ${id(this.name("slices"))} sl`
      : sql`select s.bucket, ${joinSql(all.map(() => sql`null::float8`))}, true from ${id(this.name("series"))} s`;
    const outputs = this.query.metrics.map((metric) => sql`${metricExpression(metric)} as ${id(metric.key)}`);
    return sql`${id(this.name("result"))} as (
  select ${joinSql(keys.map(id))}, ${joinSql(outputs)}
  from (select ${joinSql(keys.map(id))}, ${joinSql(all.map(id))}, false as dense from ${id(this.name("parts"))}
    union all ${dense}) as stacked
  group by ${ordinals(keys.length)}
  having bool_or(dense))`;
  }
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

  constructor(private readonly prefix: string) {}

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

  sql(): SQL {
    const parts: SQL[] = [];
    if (this.users) parts.push(sql`\n    left join users u on u.id = f.user_id`);
    if (this.rfm) parts.push(sql`\n    left join ${id(`${this.prefix}rfm`)} r on r.user_id = f.user_id`);
    if (this.riskBands) {
      // Scores of the most recently fitted purchase model (the `predict.*` rule terms read the same).
      parts.push(sql`\n    left join ${currentPurchaseScores} rb on rb.user_id = f.user_id`);
    }
    for (const [key, alias] of this.tagValues) {
      parts.push(
        sql`\n    left join tag_members ${sql.raw(alias)} on ${sql.raw(alias)}.tag_key = ${key} and ${sql.raw(alias)}.user_id = f.user_id`,
      );
    }
    return sql.join(parts, sql``);
  }
}

function dimensionExpression(
  ref: DimensionRef,
  declaration: DimensionDeclaration,
  fact: FactKey,
  joins: Joins,
): SQL {
  if (!dimensionAppliesTo(declaration, fact))
    throw new Error(`dimension ${ref.key} does not apply to ${fact}`);
  const source = declaration.source;
  switch (source.kind) {
    case "FACT":
      return source.expressions[fact] as SQL;
    case "USER":
      joins.user();
      return source.expression;
    case "RFM":
      joins.rfmSegment();
      return sql`r.segment`;
    case "RISK_BAND":
      joins.riskBand();
      return sql`rb.risk_band`;
    case "HAS_TAG":
      return sql`(f.user_id in ${tagMemberIds(ref.arg as string)})`;
    case "IN_SEGMENT":
      return sql`(f.user_id in ${segmentMemberIds(ref.arg as string)})`;
    case "TAG_VALUE":
      return sql`${sql.raw(joins.tagValue(ref.arg as string))}.value`;
  }
}

/** A filter tree as a predicate over one fact's rows; each leaf is true or false, never null. */
function compileFilter(filter: MetricFilter, fact: FactKey, joins: Joins): SQL {
  if ("and" in filter) {
    if (filter.and.length === 0) return sql`true`;
    return sql`(${joinSql(
      filter.and.map((f) => compileFilter(f, fact, joins)),
      sql` and `,
    )})`;
  }
  if ("or" in filter) {
    if (filter.or.length === 0) return sql`false`;
    return sql`(${joinSql(
      filter.or.map((f) => compileFilter(f, fact, joins)),
      sql` or `,
    )})`;
  }
  if ("not" in filter) return sql`not ${compileFilter(filter.not, fact, joins)}`;
  const declaration = dimensionOf(filter.dimension, "where");
  const value = dimensionExpression(filter.dimension, declaration, fact, joins);
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
