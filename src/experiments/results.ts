import type { Database } from "../db/client";
import { badInput } from "../errors";
import {
  type CupedReading,
  type CupedSums,
  compileExperimentResults,
  type ExperimentVariantRow,
} from "../semantic/experiments";
import { explainSql } from "../semantic/sql";
import { type Assignment, assignVariant } from "./assignment";
import {
  type CovariateSums,
  cupedAdjust,
  cupedTheta,
  holmAdjust,
  type Interval,
  type SampleSummary,
  sampleRatioMismatch,
  sampleSizePerVariant,
  twoProportionZTest,
  welchTTest,
} from "./statistics";
import type { ExperimentDefinition } from "./types";

/** Finds an experiment's definition by key; throws NOT_FOUND when there is none. */
export type LoadExperimentDefinition = (key: string) => Promise<ExperimentDefinition>;

/** How a catalog metric is read per exposed unit. */
export type UnitMetricReading = "CONVERTED" | "REVENUE" | "ORDERS";

/**
 * The catalog metrics an experiment can read per unit: buyers-style metrics as "converted"
 * (≥ 1 counted order after the first exposure), gmv as revenue per unit, orders as orders
 * per unit.
 */
export const UNIT_METRIC_READINGS: Readonly<Record<string, UnitMetricReading>> = {
  buyers: "CONVERTED",
  conversion_rate: "CONVERTED",
  gmv: "REVENUE",
  orders: "ORDERS",
};

export type ComparisonTest = "Z_TEST" | "WELCH_T_TEST";

export interface MetricComparison {
  metric: string;
  test: ComparisonTest;
  /** The per-unit mean (the conversion rate for converted-style metrics); null without units. */
  mean: number | null;
  /** The per-unit sample variance (p(1 − p) for converted-style metrics); null without units. */
  variance: number | null;
  /** Against the control; null for the control and where the test cannot run. */
  absoluteLift: number | null;
  relativeLift: number | null;
  ci95: Interval | null;
  relativeCi95: Interval | null;
  pValue: number | null;
  /** Holm-adjusted across every non-control variant × chosen metric. */
  adjustedPValue: number | null;
  /** With CUPED: θ = cov(Y, X) / var(X) over all variants' units (mean and variance are then adjusted); else null. */
  cupedTheta: number | null;
}

const CUPED_READING: Record<UnitMetricReading, CupedReading> = {
  CONVERTED: "converted",
  REVENUE: "revenue",
  ORDERS: "orders",
};

/** A variant's CUPED sums of one reading (the statement's `cuped_*` columns). */
function covariateSums(
  row: ExperimentVariantRow & Partial<CupedSums>,
  reading: UnitMetricReading,
): CovariateSums {
  const r = CUPED_READING[reading];
  const column = (sum: "y" | "y2" | "x" | "x2" | "xy") => row[`cuped_${r}_${sum}`] ?? 0;
  return {
    n: row.units,
    sumY: column("y"),
    sumY2: column("y2"),
    sumX: column("x"),
    sumX2: column("x2"),
    sumXY: column("xy"),
  };
}

/**
 * CUPED-adjusted summaries of one reading per row: one θ pooled over every variant and the
 * overall pre-period mean, so the adjustment moves no variant's expected value.
 */
function cupedSummaries(
  rows: ReadonlyArray<ExperimentVariantRow & Partial<CupedSums>>,
  reading: UnitMetricReading,
): { theta: number; summaries: SampleSummary[] } {
  const sums = rows.map((row) => covariateSums(row, reading));
  const theta = cupedTheta(sums);
  const units = sums.reduce((total, s) => total + s.n, 0);
  const meanX = units === 0 ? 0 : sums.reduce((total, s) => total + s.sumX, 0) / units;
  return {
    theta,
    summaries: sums.map((s) => (s.n === 0 ? { n: 0, mean: 0, variance: 0 } : cupedAdjust(s, theta, meanX))),
  };
}

export interface VariantResult {
  key: string;
  weight: number;
  units: number;
  conversions: number;
  conversionRate: number | null;
  revenuePerUnit: number | null;
  /** The primary metric's comparison against the control (null for the control). */
  absoluteLift: number | null;
  relativeLift: number | null;
  ci95: Interval | null;
  pValue: number | null;
  adjustedPValue: number | null;
  /** Pooled two-proportion z of the conversion rate against the control. */
  zScore: number | null;
  /** Welch's t of revenue per unit against the control. */
  tStatistic: number | null;
  /** The primary metric first, then the guardrails. */
  metrics: MetricComparison[];
}

export interface ExperimentResultsRecord {
  key: string;
  /** The window read: exposures and orders from `from` (inclusive) to `to` (exclusive). */
  from: Date | null;
  to: Date | null;
  /** Units exposed to more than one variant, left out of every count. */
  excludedUnits: number;
  srm: { chiSquare: number; pValue: number; warning: boolean };
  /**
   * Units per variant to detect the definition's minimum detectable effect (absolute) on the
   * control's observed conversion rate, at α 0.05 and power 0.8; null without an effect or
   * while the control's rate is 0 or 1, or the effect would take it out of (0, 1).
   */
  sampleSizePerVariant: number | null;
  variants: VariantResult[];
  sql: string;
  sqlInlined: string;
}

function summaryOf(row: ExperimentVariantRow, reading: UnitMetricReading): SampleSummary {
  if (reading === "CONVERTED") {
    const rate = row.units === 0 ? 0 : row.conversions / row.units;
    return { n: row.units, mean: rate, variance: rate * (1 - rate) };
  }
  if (reading === "REVENUE") return { n: row.units, mean: row.revenue_mean, variance: row.revenue_variance };
  return { n: row.units, mean: row.orders_mean, variance: row.orders_variance };
}

/**
 * One metric of a variant against the control. With CUPED summaries (`cuped`), every reading
 * is a mean of the adjusted metric, compared by Welch's t-test.
 */
function compare(
  metric: string,
  reading: UnitMetricReading,
  control: ExperimentVariantRow,
  row: ExperimentVariantRow,
  isControl: boolean,
  cuped?: { theta: number; control: SampleSummary; row: SampleSummary },
): MetricComparison {
  const summary = cuped?.row ?? summaryOf(row, reading);
  const base: MetricComparison = {
    metric,
    test: reading === "CONVERTED" && !cuped ? "Z_TEST" : "WELCH_T_TEST",
    mean: row.units === 0 ? null : summary.mean,
    variance: row.units === 0 ? null : summary.variance,
    absoluteLift: null,
    relativeLift: null,
    ci95: null,
    relativeCi95: null,
    pValue: null,
    adjustedPValue: null,
    cupedTheta: cuped?.theta ?? null,
  };
  if (isControl) return base;
  const test = cuped
    ? welchTTest(cuped.control, cuped.row)
    : reading === "CONVERTED"
      ? twoProportionZTest(
          { conversions: control.conversions, units: control.units },
          { conversions: row.conversions, units: row.units },
        )
      : welchTTest(summaryOf(control, reading), summary);
  if (!test) return base;
  return {
    ...base,
    absoluteLift: test.absoluteLift,
    relativeLift: test.relativeLift,
    ci95: test.ci95,
    relativeCi95: test.relativeCi95,
    pValue: test.pValue,
  };
}

/** The chosen metrics (primary first, no repeats) with how each is read per unit. */
function chosenMetrics(
  definition: ExperimentDefinition,
): Array<{ metric: string; reading: UnitMetricReading }> {
  const keys = [...new Set([definition.primaryMetric, ...definition.metrics])];
  return keys.map((metric) => {
    const reading = UNIT_METRIC_READINGS[metric];
    if (!reading)
      throw badInput(
        `experiment ${definition.key} reads metric ${metric}, which has no per-unit reading; use one of ${Object.keys(UNIT_METRIC_READINGS).join(", ")}`,
        { argument: "key", metric },
      );
    return { metric, reading };
  });
}

/**
 * The statistics of an experiment from its per-variant aggregates: pure, so the
 * arithmetic is tested without a database.
 */
export function experimentStatistics(
  definition: ExperimentDefinition,
  rows: ReadonlyArray<ExperimentVariantRow & Partial<CupedSums>>,
  cuped = false,
): Pick<ExperimentResultsRecord, "excludedUnits" | "srm" | "sampleSizePerVariant" | "variants"> {
  const metrics = chosenMetrics(definition).map((chosen) => ({
    ...chosen,
    adjusted: cuped ? cupedSummaries(rows, chosen.reading) : null,
  }));
  const control = rows[0];
  const comparisons = rows.map((row, index) =>
    metrics.map(({ metric, reading, adjusted }) =>
      compare(
        metric,
        reading,
        control,
        row,
        index === 0,
        adjusted
          ? { theta: adjusted.theta, control: adjusted.summaries[0], row: adjusted.summaries[index] }
          : undefined,
      ),
    ),
  );
  const adjusted = holmAdjust(comparisons.flat().map((comparison) => comparison.pValue));
  comparisons.flat().forEach((comparison, i) => {
    comparison.adjustedPValue = adjusted[i];
  });
  const srm = sampleRatioMismatch(
    rows.map((row) => row.units),
    definition.variants.map((variant) => variant.weight),
  );
  return {
    excludedUnits: control?.excluded_units ?? 0,
    srm: { chiSquare: srm.chiSquare, pValue: srm.pValue, warning: srm.mismatch },
    sampleSizePerVariant: requiredSampleSize(definition.minimumDetectableEffect, control),
    variants: rows.map((row, index) => {
      const primary = comparisons[index][0];
      const isControl = index === 0;
      const conversion = isControl
        ? null
        : twoProportionZTest(
            { conversions: control.conversions, units: control.units },
            { conversions: row.conversions, units: row.units },
          );
      const revenue = isControl ? null : welchTTest(summaryOf(control, "REVENUE"), summaryOf(row, "REVENUE"));
      return {
        key: row.variant,
        weight: definition.variants[index].weight,
        units: row.units,
        conversions: row.conversions,
        conversionRate: row.units === 0 ? null : row.conversions / row.units,
        revenuePerUnit: row.units === 0 ? null : row.revenue_mean,
        absoluteLift: primary.absoluteLift,
        relativeLift: primary.relativeLift,
        ci95: primary.ci95,
        pValue: primary.pValue,
        adjustedPValue: primary.adjustedPValue,
        zScore: conversion?.zScore ?? null,
        tStatistic: revenue?.tStatistic ?? null,
        metrics: comparisons[index],
      };
    }),
  };
}

function requiredSampleSize(effect: number | null, control: ExperimentVariantRow | undefined): number | null {
  if (effect === null || !control || control.units === 0) return null;
  const baseline = control.conversions / control.units;
  const target = baseline + effect;
  if (effect === 0 || baseline <= 0 || baseline >= 1 || target <= 0 || target >= 1) return null;
  return sampleSizePerVariant(baseline, effect).perVariant;
}

const earlier = (a: Date | null, b: Date | null): Date | null =>
  a === null ? b : b === null ? a : a < b ? a : b;

/**
 * Experiment results and assignment. Definitions come from `loadDefinition`, so this
 * service reads only exposures and orders: one statement per results request.
 */
export class ExperimentResultsService {
  constructor(
    private readonly db: Database,
    private readonly loadDefinition: LoadExperimentDefinition,
  ) {}

  /**
   * Results up to `asOf` (exclusive) or the experiment's end, whichever is earlier; with
   * `cuped`, each metric is adjusted by its value in the CUPED_LOOKBACK_DAYS before each unit's
   * first exposure.
   */
  async results(key: string, asOf: Date | null = null, cuped = false): Promise<ExperimentResultsRecord> {
    const definition = await this.loadDefinition(key);
    const from = definition.start;
    const to = earlier(definition.end, asOf);
    const { statement } = compileExperimentResults({
      experimentKey: definition.key,
      variantKeys: definition.variants.map((variant) => variant.key),
      from,
      to,
      segment: definition.segment,
      cuped,
    });
    const rows = await this.db.query<ExperimentVariantRow & Record<string, unknown>>(statement);
    return {
      key: definition.key,
      from,
      to,
      ...experimentStatistics(definition, rows, cuped),
      ...explainSql(statement),
    };
  }

  /**
   * The variant GrowthBook's SDKs would give `unitId`. A unit is in the experiment when its
   * bucket falls in a range and `now` is within the experiment's dates.
   */
  async assignment(key: string, unitId: string, now: Date = new Date()): Promise<Assignment> {
    if (unitId.length === 0) throw badInput("unitId must not be empty", { argument: "unitId" });
    const definition = await this.loadDefinition(key);
    const assigned = assignVariant(definition.seed, unitId, definition.variants);
    const running =
      (!definition.start || now >= definition.start) && (!definition.end || now < definition.end);
    return running ? assigned : { ...assigned, inExperiment: false };
  }
}
