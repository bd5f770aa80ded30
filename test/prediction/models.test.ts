import { describe, expect, it } from "vitest";
import {
  bgnbdLogLikelihood,
  conditionalExpectedPurchases,
  fitBgNbd,
  probabilityAlive,
} from "../../src/prediction/bgnbd";
import {
  expectedAverageSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
} from "../../src/prediction/gamma-gamma";
import { customerLifetimeValue, riskBand } from "../../src/prediction/value";
import { CALIBRATION_END_DAY, plainSummaries, readCdnowSample } from "./cdnow-sample";

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

/** Fader, Hardie & Lee (2005), table/section 5: the CDNOW sample, 39-week calibration. */
const PUBLISHED_BGNBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, logLikelihood: -9582.4 };
/** Fader & Hardie (2013), the Gamma-Gamma note: 946 repeat customers of the same sample. */
const PUBLISHED_GAMMA_GAMMA = { p: 6.25, q: 3.74, gamma: 15.44 };

describe("BG/NBD and Gamma-Gamma on the CDNOW sample", () => {
  const summaries = plainSummaries(readCdnowSample(), CALIBRATION_END_DAY);

  it("has the literature's 2,357 customers, 946 of them repeat buyers", () => {
    expect(summaries).toHaveLength(2357);
    expect(summaries.filter((s) => s.x > 0)).toHaveLength(946);
  });

  it("reproduces the published BG/NBD parameters within 0.5 %", () => {
    const fit = fitBgNbd(summaries);
    expect(fit.converged).toBe(true);
    for (const key of ["r", "alpha", "a", "b"] as const) {
      expect(relative(fit.parameters[key], PUBLISHED_BGNBD[key])).toBeLessThan(0.005);
    }
    expect(fit.logLikelihood).toBeCloseTo(PUBLISHED_BGNBD.logLikelihood, 0);
  });

  it("reproduces the published Gamma-Gamma parameters within 0.5 %", () => {
    const fit = fitGammaGamma(summaries.filter((s) => s.x > 0));
    expect(fit.converged).toBe(true);
    for (const key of ["p", "q", "gamma"] as const) {
      expect(relative(fit.parameters[key], PUBLISHED_GAMMA_GAMMA[key])).toBeLessThan(0.005);
    }
  });
});

describe("per-customer formulas", () => {
  const paper = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 };

  it("expects 1.226 purchases in 39 weeks for the paper's example customer (x=2, tx=30.43, T=38.86)", () => {
    expect(conditionalExpectedPurchases(paper, { x: 2, tx: 30.43, T: 38.86 }, 39)).toBeCloseTo(1.226, 3);
  });

  it("x = 0: alive for sure, expectation from the prior updated by T only", () => {
    const p = { r: 1, alpha: 1, a: 2, b: 1 };
    expect(probabilityAlive(p, { x: 0, tx: 0, T: 5 })).toBe(1);
    // (a+b-1)/(a-1) = 2; ((α+T)/(α+T+t))^r = 6/7; 2F1(1,1;2;z) = -ln(1-z)/z with z = 1/7.
    const z = 1 / 7;
    const expected = 2 * (1 - (6 / 7) * (-Math.log(1 - z) / z));
    expect(conditionalExpectedPurchases(p, { x: 0, tx: 0, T: 5 }, 1)).toBeCloseTo(expected, 10);
    // ln L = lnΓ(1) - lnΓ(1) + ln 1 + lnΓ(3) + lnΓ(1) - lnΓ(1) - lnΓ(3) - ln(6) = -ln 6
    expect(bgnbdLogLikelihood(p, { x: 0, tx: 0, T: 5 })).toBeCloseTo(-Math.log(6), 12);
  });

  it("x > 0: P(alive) = 1 / (1 + a/(b+x-1) · ((α+T)/(α+tx))^(r+x))", () => {
    const p = { r: 1, alpha: 1, a: 2, b: 1 };
    // a/(b+x-1) = 2/2 = 1; ((1+5)/(1+3))^(1+2) = 1.5^3 = 3.375
    expect(probabilityAlive(p, { x: 2, tx: 3, T: 5 })).toBeCloseTo(1 / (1 + 3.375), 12);
  });

  it("Gamma-Gamma: expected spend shrinks the customer's mean toward the population mean", () => {
    const g = { p: 2, q: 3, gamma: 10 };
    expect(expectedAverageSpend(g, { x: 0, m: 0 })).toBe(10); // pγ/(q-1) = 20/2
    expect(expectedAverageSpend(g, { x: 2, m: 40 })).toBeCloseTo((2 * (10 + 80)) / (4 + 3 - 1), 12);
    // x = 1, m = 5, p = q = γ = 1: Γ(2)/(Γ(1)Γ(1)) · 1 · 5^0 · 1 / (1+5)^2 = 1/36
    expect(gammaGammaLogLikelihood({ p: 1, q: 1, gamma: 1 }, { x: 1, m: 5 })).toBeCloseTo(-Math.log(36), 12);
  });

  it("CLV with no discount over one month is expected purchases times expected spend", () => {
    const g = { p: 2, q: 3, gamma: 10 };
    const h = { x: 2, tx: 3, T: 5, m: 40 };
    const days = 365.25 / 12;
    const undiscounted = conditionalExpectedPurchases(paper, h, days / 7) * expectedAverageSpend(g, h);
    expect(customerLifetimeValue(paper, g, h, days, 0, 7)).toBeCloseTo(undiscounted, 10);
    expect(customerLifetimeValue(paper, g, h, days, 0.01, 7)).toBeCloseTo(undiscounted / 1.01, 10);
  });

  it("risk bands by threshold", () => {
    expect(riskBand(0.1)).toBe("low");
    expect(riskBand(0.3)).toBe("medium");
    expect(riskBand(0.69, { medium: 0.5, high: 0.6 })).toBe("high");
  });
});
