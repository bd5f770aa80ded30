import { describe, expect, it } from "vitest";
import {
  cupedAdjust,
  cupedTheta,
  holmAdjust,
  sampleRatioMismatch,
  sampleSizePerVariant,
  summarize,
  twoProportionZTest,
  welchTTest,
} from "../../src/experiments/statistics";

describe("pooled two-proportion z-test", () => {
  // Published example: 5 of 83 against 12 of 99 gives z = −1.4078, p = 0.1592.
  const test = twoProportionZTest({ conversions: 12, units: 99 }, { conversions: 5, units: 83 })!;

  it("gives the published z and p", () => {
    expect(test.zScore).toBeCloseTo(-1.4078, 4);
    expect(test.pValue).toBeCloseTo(0.1592, 4);
  });

  it("gives the lifts and the unpooled normal interval of the difference", () => {
    // 5/83 − 12/99 = 0.060241 − 0.121212 = −0.060971; se = √(0.060241·0.939759/83 + 0.121212·0.878788/99)
    // = √(0.00068208 + 0.00107595) = 0.041929; ±1.959964·se = ±0.082179.
    expect(test.absoluteLift).toBeCloseTo(-0.060971, 5);
    expect(test.relativeLift).toBeCloseTo(0.060241 / 0.121212 - 1, 4);
    expect(test.ci95.low).toBeCloseTo(-0.14315, 4);
    expect(test.ci95.high).toBeCloseTo(0.021208, 4);
  });

  it("gives the delta-method interval of the relative lift", () => {
    // Var = pt(1−pt)/(pc² nt) + pc(1−pc) pt²/(pc⁴ nc)
    //     = 0.056612/(0.014692·83) + 0.106520·0.0036290/(0.00021587·99) = 0.046425 + 0.018088 = 0.064513
    // sd 0.25399; relative lift −0.50301 ± 1.959964·0.25399 = ±0.49782.
    expect(test.relativeCi95!.low).toBeCloseTo(-1.00083, 3);
    expect(test.relativeCi95!.high).toBeCloseTo(-0.00519, 3);
  });

  it("cannot test a group without units or a pooled rate of 0", () => {
    expect(twoProportionZTest({ conversions: 0, units: 0 }, { conversions: 1, units: 3 })).toBeNull();
    expect(twoProportionZTest({ conversions: 0, units: 4 }, { conversions: 0, units: 3 })).toBeNull();
  });
});

describe("Welch's t-test", () => {
  // R's `sleep` data: extra hours of sleep under two drugs; t.test(extra ~ group) gives
  // t = −1.8608, df = 17.776, p = 0.07939, 95 % CI −3.3654832 .. 0.2054832.
  const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
  const test = welchTTest(summarize(group2), summarize(group1))!;

  it("gives R's t, df and p on the sleep data", () => {
    expect(test.tStatistic).toBeCloseTo(-1.8608, 4);
    expect(test.degreesOfFreedom).toBeCloseTo(17.776, 3);
    expect(test.pValue).toBeCloseTo(0.0794, 4);
  });

  it("gives R's interval of the difference of means", () => {
    expect(test.absoluteLift).toBeCloseTo(0.75 - 2.33, 10);
    expect(test.ci95.low).toBeCloseTo(-3.3654832, 5);
    expect(test.ci95.high).toBeCloseTo(0.2054832, 5);
  });

  it("cannot test fewer than two units or no variance", () => {
    expect(welchTTest(summarize([1]), summarize([1, 2]))).toBeNull();
    expect(welchTTest(summarize([2, 2]), summarize([2, 2]))).toBeNull();
  });
});

describe("sample-ratio mismatch", () => {
  it("flags 821,588 vs 815,482 at 50/50 with p ≈ 1.8e-6", () => {
    // expected 818,535 each; χ² = 2 · 3,053² / 818,535 = 22.774.
    const srm = sampleRatioMismatch([821_588, 815_482], [0.5, 0.5]);
    expect(srm.chiSquare).toBeCloseTo(22.774, 2);
    expect(srm.pValue).toBeGreaterThan(1.7e-6);
    expect(srm.pValue).toBeLessThan(1.9e-6);
    expect(srm.mismatch).toBe(true);
  });

  it("reads the weights relative to their sum and accepts a split that fits them", () => {
    // 1,000 units at 1:3 → expected 250 / 750; observed 260 / 740: χ² = 100/250 + 100/750 = 0.5333.
    const srm = sampleRatioMismatch([260, 740], [1, 3]);
    expect(srm.chiSquare).toBeCloseTo(0.53333, 4);
    // P(χ²₁ > 0.5333) = 2(1 − Φ(√0.5333)) = 2(1 − Φ(0.7303)) = 0.4652.
    expect(srm.pValue).toBeCloseTo(0.4652, 3);
    expect(srm.mismatch).toBe(false);
  });

  it("has nothing to mismatch without units", () => {
    expect(sampleRatioMismatch([0, 0], [1, 1])).toEqual({ chiSquare: 0, pValue: 1, mismatch: false });
  });
});

describe("Holm–Bonferroni", () => {
  it("matches R's p.adjust(c(0.01, 0.04, 0.03, 0.005), 'holm')", () => {
    // sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → max-so-far 0.06.
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    expect(adjusted.map((p) => p!.toFixed(4))).toEqual(["0.0300", "0.0600", "0.0600", "0.0200"]);
  });

  it("caps at 1 and leaves untestable comparisons out of the count", () => {
    // Two hypotheses: sorted 0.4·2 = 0.8, then 0.6·1 = 0.6 → the step-down keeps 0.8.
    expect(holmAdjust([0.6, null, 0.4])).toEqual([0.8, null, 0.8]);
    // 0.6·2 = 1.2 → capped at 1; 0.7·1 = 0.7 → 1 after the step-down.
    expect(holmAdjust([0.7, 0.6])).toEqual([1, 1]);
  });
});

describe("CUPED", () => {
  // X (pre-period) = 1..5, Y = 2, 4, 5, 4, 5. Means 3 and 4; cov(X,Y) = (4+0+0+0+2)/4 = 1.5,
  // var X = 10/4 = 2.5, θ = 0.6. Adjusted Y − 0.6(X − 3) = 3.2, 4.6, 5, 3.4, 3.8: mean 4,
  // variance (0.64+0.36+1+0.36+0.04)/4 = 0.6, against var Y = 6/4 = 1.5.
  const x = [1, 2, 3, 4, 5];
  const y = [2, 4, 5, 4, 5];
  const sums = {
    n: 5,
    sumX: 15,
    sumY: 20,
    sumX2: x.reduce((s, v) => s + v * v, 0),
    sumY2: y.reduce((s, v) => s + v * v, 0),
    sumXY: x.reduce((s, v, i) => s + v * y[i], 0),
  };

  it("takes θ = cov(Y, X) / var(X)", () => {
    expect(cupedTheta([sums])).toBeCloseTo(0.6, 10);
  });

  it("keeps the mean and cuts the variance to the hand-worked 0.6", () => {
    const adjusted = cupedAdjust(sums, 0.6, 3);
    expect(adjusted.mean).toBeCloseTo(4, 10);
    expect(adjusted.variance).toBeCloseTo(0.6, 10);
    expect(summarize(y).variance).toBeCloseTo(1.5, 10);
  });

  it("moves a variant's mean by θ times its covariate imbalance", () => {
    // The same variant against an overall pre-period mean of 2: 4 − 0.6·(3 − 2) = 3.4.
    expect(cupedAdjust(sums, 0.6, 2).mean).toBeCloseTo(3.4, 10);
  });
});

describe("sample size", () => {
  it("matches Evan Miller's calculator: baseline 20 %, MDE 5 % absolute → 1,030 per variation", () => {
    // (1.959964·√0.32 + 0.841621·√(0.16 + 0.1875))² / 0.05² = 1.604856² / 0.0025 = 1030.2
    const size = sampleSizePerVariant(0.2, 0.05);
    expect(size.exact).toBeCloseTo(1030.2, 0);
    expect(Math.round(size.exact)).toBe(1030);
    expect(size.perVariant).toBe(1031);
  });

  it("names the offending argument", () => {
    expect(() => sampleSizePerVariant(0, 0.05)).toThrow(
      expect.objectContaining({ code: "BAD_USER_INPUT", details: { argument: "baselineRate" } }),
    );
    expect(() => sampleSizePerVariant(0.98, 0.05)).toThrow(
      expect.objectContaining({ details: { argument: "minimumDetectableEffect" } }),
    );
  });
});
