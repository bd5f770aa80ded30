/**
 * Per-customer scores from fitted parameters: churn risk and its band, expected
 * purchases, expected spend and a discounted lifetime value.
 */
import { type BgNbdParameters, conditionalExpectedPurchases, type PurchaseHistory } from "./bgnbd";
import { expectedAverageSpend, type GammaGammaParameters } from "./gamma-gamma";

/** Days per month in the CLV discounting: a mean Gregorian month. */
export const DAYS_PER_MONTH = 365.25 / 12;

export type RiskBand = "low" | "medium" | "high";

/** Churn risk at or above `medium` is medium, at or above `high` high. */
export interface RiskThresholds {
  medium: number;
  high: number;
}

export const DEFAULT_RISK_THRESHOLDS: RiskThresholds = { medium: 0.3, high: 0.7 };

export function riskBand(churnRisk: number, thresholds: RiskThresholds = DEFAULT_RISK_THRESHOLDS): RiskBand {
  if (churnRisk >= thresholds.high) return "high";
  if (churnRisk >= thresholds.medium) return "medium";
  return "low";
}

/**
 * Discounted expected purchases of the next `horizonDays`: the expected purchases of each
 * month (the last one partial), discounted at `monthlyDiscountRate` per month:
 * Σᵢ (E[Y(tᵢ)] − E[Y(tᵢ₋₁)]) / (1 + d)ⁱ. Times the expected spend per transaction it is
 * the customer lifetime value: a discrete form of Fader, Hardie & Lee's DERT, as
 * lifetimes computes it.
 */
export function discountedExpectedPurchases(
  purchase: BgNbdParameters,
  history: PurchaseHistory,
  horizonDays: number,
  monthlyDiscountRate: number,
  daysPerUnit: number,
): number {
  const months = Math.ceil(horizonDays / DAYS_PER_MONTH);
  let value = 0;
  let previous = 0;
  for (let i = 1; i <= months; i++) {
    const t = Math.min(i * DAYS_PER_MONTH, horizonDays) / daysPerUnit;
    const expected = conditionalExpectedPurchases(purchase, history, t);
    value += (expected - previous) / (1 + monthlyDiscountRate) ** i;
    previous = expected;
  }
  return value;
}

/** Discounted expected purchases × expected spend per transaction (Gamma-Gamma). */
export function customerLifetimeValue(
  purchase: BgNbdParameters,
  spend: GammaGammaParameters,
  history: PurchaseHistory & { m: number },
  horizonDays: number,
  monthlyDiscountRate: number,
  daysPerUnit: number,
): number {
  return (
    discountedExpectedPurchases(purchase, history, horizonDays, monthlyDiscountRate, daysPerUnit) *
    expectedAverageSpend(spend, history)
  );
}
