/**
 * The frequentist statistics of experiment results, on small aggregates (counts, means,
 * variances per variant). The distributions come from stdlib (normal, Student's t and χ²
 * CDFs and quantiles); nothing here knows of SQL, users or GraphQL.
 */
import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { badInput } from "../errors";

/** A sample reduced to what the tests need: size, mean and sample variance (n − 1). */
export interface SampleSummary {
  n: number;
  mean: number;
  variance: number;
}

export interface Interval {
  low: number;
  high: number;
}

/** Size, mean and sample variance (divisor n − 1; 0 below two values) of `values`. */
export function summarize(values: readonly number[]): SampleSummary {
  const n = values.length;
  const mean = n === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / n;
  const squares = values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
  return { n, mean, variance: n < 2 ? 0 : squares / (n - 1) };
}

const twoSidedNormal = (z: number) => 2 * (1 - normalCdf(Math.abs(z), 0, 1));
const Z_975 = normalQuantile(0.975, 0, 1);

export interface Proportion {
  conversions: number;
  units: number;
}

export interface ProportionTest {
  /** treatment rate − control rate. */
  absoluteLift: number;
  /** treatment rate / control rate − 1; null when the control rate is 0. */
  relativeLift: number | null;
  /** 95 % interval of the absolute lift, from the unpooled standard error. */
  ci95: Interval;
  /** 95 % interval of the relative lift by the delta method; null when the control rate is 0. */
  relativeCi95: Interval | null;
  /** (treatment rate − control rate) / pooled standard error. */
  zScore: number;
  /** Two-sided p-value of the pooled z-test. */
  pValue: number;
}

/**
 * The pooled two-proportion z-test of treatment against control, with the normal 95 %
 * interval of the difference from the unpooled standard error (the pooled one assumes the
 * null the interval is meant to get away from). Null when a group has no units or the pooled
 * rate is 0 or 1 (no variance to test against).
 */
export function twoProportionZTest(control: Proportion, treatment: Proportion): ProportionTest | null {
  const { conversions: cc, units: nc } = control;
  const { conversions: ct, units: nt } = treatment;
  if (nc === 0 || nt === 0) return null;
  const pc = cc / nc;
  const pt = ct / nt;
  const pooled = (cc + ct) / (nc + nt);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / nc + 1 / nt));
  if (pooledSe === 0) return null;
  const zScore = (pt - pc) / pooledSe;
  const se = Math.sqrt((pc * (1 - pc)) / nc + (pt * (1 - pt)) / nt);
  const absoluteLift = pt - pc;
  const relative = relativeLiftDelta(
    { n: nc, mean: pc, variance: pc * (1 - pc) },
    { n: nt, mean: pt, variance: pt * (1 - pt) },
    Z_975,
  );
  return {
    absoluteLift,
    relativeLift: relative?.lift ?? null,
    ci95: { low: absoluteLift - Z_975 * se, high: absoluteLift + Z_975 * se },
    relativeCi95: relative?.ci95 ?? null,
    zScore,
    pValue: twoSidedNormal(zScore),
  };
}

/**
 * Relative lift mean_t / mean_c − 1 and its interval by the delta method, as GrowthBook's
 * frequentist engine computes it: Var ≈ v_t / (m_c² n_t) + v_c m_t² / (m_c⁴ n_c).
 */
function relativeLiftDelta(
  control: SampleSummary,
  treatment: SampleSummary,
  critical: number,
): { lift: number; ci95: Interval } | null {
  const mc = control.mean;
  const mt = treatment.mean;
  if (mc === 0) return null;
  const lift = mt / mc - 1;
  const variance =
    treatment.variance / (mc ** 2 * treatment.n) + (control.variance * mt ** 2) / (mc ** 4 * control.n);
  const half = critical * Math.sqrt(variance);
  return { lift, ci95: { low: lift - half, high: lift + half } };
}

export interface WelchTest {
  /** treatment mean − control mean. */
  absoluteLift: number;
  relativeLift: number | null;
  /** 95 % interval of the difference on the Welch–Satterthwaite t distribution. */
  ci95: Interval;
  relativeCi95: Interval | null;
  tStatistic: number;
  degreesOfFreedom: number;
  /** Two-sided p-value. */
  pValue: number;
}

/**
 * Welch's unequal-variances t-test of treatment against control. Null when a group has
 * fewer than two units or both variances are 0 (no standard error).
 */
export function welchTTest(control: SampleSummary, treatment: SampleSummary): WelchTest | null {
  if (control.n < 2 || treatment.n < 2) return null;
  const sc = control.variance / control.n;
  const st = treatment.variance / treatment.n;
  const se = Math.sqrt(sc + st);
  if (se === 0) return null;
  const absoluteLift = treatment.mean - control.mean;
  const tStatistic = absoluteLift / se;
  const degreesOfFreedom = (sc + st) ** 2 / (sc ** 2 / (control.n - 1) + st ** 2 / (treatment.n - 1));
  const critical = tQuantile(0.975, degreesOfFreedom);
  const relative = relativeLiftDelta(control, treatment, critical);
  return {
    absoluteLift,
    relativeLift: relative?.lift ?? null,
    ci95: { low: absoluteLift - critical * se, high: absoluteLift + critical * se },
    relativeCi95: relative?.ci95 ?? null,
    tStatistic,
    degreesOfFreedom,
    pValue: 2 * (1 - tCdf(Math.abs(tStatistic), degreesOfFreedom)),
  };
}

/** GrowthBook warns of a sample-ratio mismatch below this p-value. */
export const SRM_THRESHOLD = 0.001;

export interface SrmTest {
  chiSquare: number;
  pValue: number;
  /** p < 0.001: the split differs from the weights more than chance explains. */
  mismatch: boolean;
}

/**
 * χ² goodness of fit of the units per variant against the weights (read relative to their
 * sum), k − 1 degrees of freedom. With no units there is nothing to mismatch: p = 1.
 */
export function sampleRatioMismatch(units: readonly number[], weights: readonly number[]): SrmTest {
  const total = units.reduce((sum, n) => sum + n, 0);
  const weightSum = weights.reduce((sum, w) => sum + w, 0);
  if (total === 0 || units.length < 2) return { chiSquare: 0, pValue: 1, mismatch: false };
  const chiSquare = units.reduce((sum, observed, i) => {
    const expected = (total * weights[i]) / weightSum;
    return sum + (observed - expected) ** 2 / expected;
  }, 0);
  const pValue = 1 - chisquareCdf(chiSquare, units.length - 1);
  return { chiSquare, pValue, mismatch: pValue < SRM_THRESHOLD };
}

/**
 * Holm–Bonferroni step-down adjustment; nulls (untestable comparisons) stay null and do not
 * count towards the number of hypotheses. Same order as given.
 */
export function holmAdjust(pValues: ReadonlyArray<number | null>): Array<number | null> {
  const tested = pValues
    .map((p, index) => ({ p, index }))
    .filter((entry): entry is { p: number; index: number } => entry.p !== null)
    .sort((a, b) => a.p - b.p);
  const adjusted: Array<number | null> = pValues.map(() => null);
  let running = 0;
  tested.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (tested.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

/** Per-unit sums of a metric Y and its pre-period covariate X, for CUPED. */
export interface CovariateSums {
  n: number;
  sumY: number;
  sumY2: number;
  sumX: number;
  sumX2: number;
  sumXY: number;
}

/**
 * CUPED's θ = cov(Y, X) / var(X), from the sums of all variants pooled (one θ for every
 * variant keeps the adjustment unbiased). 0 when X does not vary.
 */
export function cupedTheta(groups: readonly CovariateSums[]): number {
  const n = groups.reduce((s, g) => s + g.n, 0);
  const sumX = groups.reduce((s, g) => s + g.sumX, 0);
  const sumY = groups.reduce((s, g) => s + g.sumY, 0);
  const sumX2 = groups.reduce((s, g) => s + g.sumX2, 0);
  const sumXY = groups.reduce((s, g) => s + g.sumXY, 0);
  if (n < 2) return 0;
  const covariance = (sumXY - (sumX * sumY) / n) / (n - 1);
  const varianceX = (sumX2 - sumX ** 2 / n) / (n - 1);
  return varianceX === 0 ? 0 : covariance / varianceX;
}

/**
 * One variant's summary of the CUPED-adjusted metric Y − θ (X − mean X over all units):
 * the mean moves by θ times the variant's covariate imbalance, the variance is
 * var(Y) − 2θ cov(X, Y) + θ² var(X).
 */
export function cupedAdjust(group: CovariateSums, theta: number, overallMeanX: number): SampleSummary {
  const { n } = group;
  const meanY = group.sumY / n;
  const meanX = group.sumX / n;
  if (n < 2) return { n, mean: meanY - theta * (meanX - overallMeanX), variance: 0 };
  const varianceY = (group.sumY2 - group.sumY ** 2 / n) / (n - 1);
  const varianceX = (group.sumX2 - group.sumX ** 2 / n) / (n - 1);
  const covariance = (group.sumXY - (group.sumX * group.sumY) / n) / (n - 1);
  return {
    n,
    mean: meanY - theta * (meanX - overallMeanX),
    variance: Math.max(0, varianceY - 2 * theta * covariance + theta ** 2 * varianceX),
  };
}

export interface SampleSize {
  /** Units per variant, rounded up. */
  perVariant: number;
  /** The unrounded value of the formula. */
  exact: number;
}

/**
 * Units per variant to detect an absolute change `minimumDetectableEffect` of a baseline
 * conversion rate with a two-sided test at level `alpha` and the given power: the formula
 * of Evan Miller's calculator, n = (z_{1−α/2} √(2p(1−p)) + z_{power} √(p(1−p) + q(1−q)))² / δ²
 * with q = p + δ.
 */
export function sampleSizePerVariant(
  baselineRate: number,
  minimumDetectableEffect: number,
  alpha = 0.05,
  power = 0.8,
): SampleSize {
  const p = baselineRate;
  const q = p + minimumDetectableEffect;
  if (!(p > 0 && p < 1))
    throw badInput("baselineRate must be strictly between 0 and 1", { argument: "baselineRate" });
  if (minimumDetectableEffect === 0 || !(q > 0 && q < 1))
    throw badInput("minimumDetectableEffect must be non-zero and keep the rate strictly between 0 and 1", {
      argument: "minimumDetectableEffect",
    });
  const zAlpha = normalQuantile(1 - alpha / 2, 0, 1);
  const zBeta = normalQuantile(power, 0, 1);
  const spread = zAlpha * Math.sqrt(2 * p * (1 - p)) + zBeta * Math.sqrt(p * (1 - p) + q * (1 - q));
  const exact = spread ** 2 / minimumDetectableEffect ** 2;
  return { perVariant: Math.ceil(exact), exact };
}
