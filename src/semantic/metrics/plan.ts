import { measuresOf } from "../../metrics/catalog";
import { MEASURES, type RowMeasure } from "../../metrics/measures";
import type { FactKey, Metric, RowMeasureKey, UserMeasureKey } from "../../metrics/types";
import type { DimensionRef } from "./query";

/**
 * The plan of a metric query: which CTEs the statement has, what each reads and produces,
 * and the output columns, as plain serialisable data. `planMetricQuery` decides it from
 * the query and the declarations (pure); `compile.ts` renders it to SQL; the service and
 * the CSV export read the output columns from it. Every generated name is made here.
 */

/** Table aliases of the compiled statement (the declarations' SQL fragments use the same). */
export const ALIAS = { fact: "f", user: "u", rfm: "r", riskBand: "rb" } as const;

/** Prefix of the comparison period's CTEs, so they stay apart from the current period's. */
export const PREVIOUS_PERIOD_PREFIX = "previous_";

/** The partial aggregate of a measure (the measures' conditions read these names). */
export const measureColumn = (measure: string): string => `m_${measure}`;
/** Churn's partial aggregates: last bucket's buyers, and those of them who did not buy again. */
export const CHURN_COLUMNS = { previous: "m_previous_buyers", churned: "m_churned_buyers" } as const;
/** A conversion metric's partial aggregates: base users, and those of them who converted. */
export const conversionColumns = (metric: string) =>
  ({ base: `m_${metric}_base`, converted: `m_${metric}_converted` }) as const;
/** The comparison period's value of a metric while both periods are stacked. */
export const stackedPreviousColumn = (metric: string): string => `p_${metric}`;

export type OutputRole = "bucket" | "dimension" | "value" | "previous" | "change";

/** One column of the statement's rows: `metric` for a metric's columns, `dimension` for a dimension's. */
export interface OutputColumn {
  name: string;
  role: OutputRole;
  metric?: string;
  dimension?: DimensionRef;
}

/** A distinct dimension of the query and the column it is computed as. */
export interface PlannedDimension {
  column: string;
  ref: DimensionRef;
}

/** A part stacked into `parts`: a CTE and the measure columns it produces. */
export interface PlannedPart {
  source: string;
  columns: string[];
}

export type PlannedCte =
  | { kind: "series"; name: string }
  | { kind: "rfm"; name: string }
  | { kind: "first_orders"; name: string }
  /** Per (bucket, slice, user) row measures of one fact; `firstOrder` adds `first_order_in_bucket`. */
  | { kind: "by_user"; name: string; fact: FactKey; measures: RowMeasureKey[]; firstOrder: boolean }
  /** Every per-user fact's measures stacked per (bucket, slice, user), zero where a user had none. */
  | {
      kind: "activity";
      name: string;
      sources: { cte: string; fact: FactKey; measures: RowMeasureKey[] }[];
      measures: RowMeasureKey[];
      firstOrder: boolean;
    }
  | { kind: "activity_totals"; name: string; source: string; sums: RowMeasureKey[]; counts: UserMeasureKey[] }
  | { kind: "totals"; name: string; fact: FactKey; measures: RowMeasureKey[] }
  | { kind: "churn_users"; name: string; source: string }
  | { kind: "churn"; name: string; source: string }
  | { kind: "conversion"; name: string; metric: string }
  | { kind: "parts"; name: string; columns: string[]; branches: PlannedPart[] }
  | { kind: "slices"; name: string; source: string }
  | {
      kind: "result";
      name: string;
      parts: string;
      series: string;
      slices?: string;
      columns: string[];
      metrics: string[];
    };

/** The CTEs of one period, in statement order. */
export interface PeriodPlan {
  prefix: string;
  ctes: PlannedCte[];
  /** Named CTEs other parts of the statement refer to. */
  series: string;
  result: string;
  rfm: string;
  firstOrders: string;
  /** Churn reads the bucket before the first one too. */
  churn: boolean;
  /** The one event name every events measure counts, if they agree on one: only those events are scanned. */
  onlyEvent?: string;
}

export interface MetricPlan {
  metrics: string[];
  dimensionColumns: string[];
  compare: boolean;
  current: PeriodPlan;
  previous?: PeriodPlan;
  output: OutputColumn[];
}

export interface PlanInput {
  /** Distinct, in the query's order. */
  metrics: Metric[];
  /** Distinct, in the query's order. */
  dimensions: PlannedDimension[];
  /** A dimension or filter reads the RFM segment. */
  rfm: boolean;
  compare: boolean;
}

export function planMetricQuery(input: PlanInput): MetricPlan {
  const metrics = input.metrics.map((m) => m.key);
  const output: OutputColumn[] = [
    { name: "bucket", role: "bucket" },
    ...input.dimensions.map((d) => ({ name: d.column, role: "dimension" as const, dimension: d.ref })),
    ...metrics.flatMap((metric): OutputColumn[] =>
      input.compare
        ? [
            { name: metric, role: "value", metric },
            { name: `previous_${metric}`, role: "previous", metric },
            { name: `change_${metric}`, role: "change", metric },
          ]
        : [{ name: metric, role: "value", metric }],
    ),
  ];
  return {
    metrics,
    dimensionColumns: input.dimensions.map((d) => d.column),
    compare: input.compare,
    current: planPeriod(input, ""),
    previous: input.compare ? planPeriod(input, PREVIOUS_PERIOD_PREFIX) : undefined,
    output,
  };
}

const rowMeasure = (key: RowMeasureKey) => MEASURES[key] as RowMeasure;
const FACTS: FactKey[] = ["events", "orders", "items"];

function planPeriod(input: PlanInput, prefix: string): PeriodPlan {
  const name = (cte: string) => `${prefix}${cte}`;
  const rowMeasures = new Set<RowMeasureKey>();
  const userMeasures = new Set<UserMeasureKey>();
  for (const metric of input.metrics) {
    for (const key of measuresOf(metric.definition)) {
      const measure = MEASURES[key];
      if (measure.level === "ROW") rowMeasures.add(measure.key);
      else userMeasures.add(measure.key);
    }
  }
  const churn = input.metrics.some((m) => m.definition.kind === "CHURN");
  const conversions = input.metrics.filter((m) => m.definition.kind === "CONVERSION");
  const perUserFacts = new Set<FactKey>();
  for (const key of userMeasures) {
    const measure = MEASURES[key];
    if (measure.level === "USER") for (const use of measure.uses) perUserFacts.add(rowMeasure(use).fact);
  }
  if (churn) perUserFacts.add("orders");
  const totalFacts = new Set<FactKey>();
  for (const key of rowMeasures)
    if (!perUserFacts.has(rowMeasure(key).fact)) totalFacts.add(rowMeasure(key).fact);
  const firstOrder = [...userMeasures].some((k) => {
    const measure = MEASURES[k];
    return measure.level === "USER" && measure.needsFirstOrder;
  });

  /** Row measures computed per user for a per-user fact: those metrics read and those user measures use. */
  const perUserMeasures = (fact: FactKey): RowMeasureKey[] => {
    const keys = new Set<RowMeasureKey>();
    for (const key of rowMeasures) if (rowMeasure(key).fact === fact) keys.add(key);
    for (const key of userMeasures) {
      const measure = MEASURES[key];
      if (measure.level !== "USER") continue;
      for (const use of measure.uses) if (rowMeasure(use).fact === fact) keys.add(use);
    }
    if (fact === "orders" && perUserFacts.has("orders")) keys.add("orders");
    return [...keys].sort();
  };
  const eventNames = new Set(
    [...perUserMeasures("events"), ...[...rowMeasures].filter((k) => rowMeasure(k).fact === "events")].map(
      (k) => rowMeasure(k).onlyEvent,
    ),
  );

  const period: PeriodPlan = {
    prefix,
    ctes: [{ kind: "series", name: name("series") }],
    series: name("series"),
    result: name("result"),
    rfm: name("rfm"),
    firstOrders: name("first_orders"),
    churn,
    onlyEvent: eventNames.size === 1 ? [...eventNames][0] : undefined,
  };
  const ctes = period.ctes;
  if (input.rfm) ctes.push({ kind: "rfm", name: period.rfm });
  if (firstOrder) ctes.push({ kind: "first_orders", name: period.firstOrders });
  const parts: PlannedPart[] = [];
  const byUser = (fact: FactKey) => name(`${fact}_by_user`);
  for (const fact of FACTS.filter((f) => perUserFacts.has(f))) {
    ctes.push({
      kind: "by_user",
      name: byUser(fact),
      fact,
      measures: perUserMeasures(fact),
      firstOrder: fact === "orders" && firstOrder,
    });
  }
  // Churn alone reads `orders_by_user` directly; activity is for user measures and per-user facts' sums.
  const summed = [...rowMeasures].filter((k) => perUserFacts.has(rowMeasure(k).fact)).sort();
  if (userMeasures.size > 0 || summed.length > 0) {
    const facts = (["events", "orders"] as FactKey[]).filter((f) => perUserFacts.has(f));
    ctes.push({
      kind: "activity",
      name: name("activity"),
      sources: facts.map((fact) => ({ cte: byUser(fact), fact, measures: perUserMeasures(fact) })),
      measures: facts.flatMap(perUserMeasures),
      firstOrder,
    });
    const counts = [...userMeasures].sort();
    ctes.push({
      kind: "activity_totals",
      name: name("activity_totals"),
      source: name("activity"),
      sums: summed,
      counts,
    });
    parts.push({ source: name("activity_totals"), columns: [...summed, ...counts].map(measureColumn) });
  }
  for (const fact of FACTS.filter((f) => totalFacts.has(f))) {
    const measures = [...rowMeasures].filter((k) => rowMeasure(k).fact === fact).sort();
    ctes.push({ kind: "totals", name: name(`${fact}_totals`), fact, measures });
    parts.push({ source: name(`${fact}_totals`), columns: measures.map(measureColumn) });
  }
  if (churn) {
    ctes.push({ kind: "churn_users", name: name("churn_users"), source: byUser("orders") });
    ctes.push({ kind: "churn", name: name("churn"), source: name("churn_users") });
    parts.push({ source: name("churn"), columns: [CHURN_COLUMNS.previous, CHURN_COLUMNS.churned] });
  }
  conversions.forEach((metric, index) => {
    ctes.push({ kind: "conversion", name: name(`conversion_${index}`), metric: metric.key });
    const columns = conversionColumns(metric.key);
    parts.push({ source: name(`conversion_${index}`), columns: [columns.base, columns.converted] });
  });
  const columns = parts.flatMap((part) => part.columns).sort();
  ctes.push({ kind: "parts", name: name("parts"), columns, branches: parts });
  const slices = input.dimensions.length ? name("slices") : undefined;
  if (slices) ctes.push({ kind: "slices", name: slices, source: name("parts") });
  ctes.push({
    kind: "result",
    name: period.result,
    parts: name("parts"),
    series: period.series,
    slices,
    columns,
    metrics: input.metrics.map((m) => m.key),
  });
  return period;
}
