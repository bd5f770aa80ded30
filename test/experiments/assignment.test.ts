import { describe, expect, it } from "vitest";
import {
  assignVariant,
  type BucketRange,
  bucketRanges,
  chooseVariation,
  fnv1a32,
  growthBookHash,
  inExperiment,
} from "../../src/experiments/assignment";
import cases from "./growthbook-cases.json";

describe("FNV-1a 32", () => {
  it("matches the reference values of the FNV test suite", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });
});

describe("GrowthBook hash", () => {
  it.each(cases.hash as Array<[string, string, 1 | 2, number]>)(
    "hash(%j, %j, v%d) = %d",
    (seed, value, version, expected) => {
      expect(growthBookHash(seed, value, version)).toBe(expected);
    },
  );

  it.each(cases.featureBuckets as Array<[string, string, number]>)(
    "the bucket of experiment %j for id %j is %d",
    (key, id, expected) => {
      expect(growthBookHash(key, id)).toBe(expected);
    },
  );
});

describe("GrowthBook bucket ranges", () => {
  it.each(cases.getBucketRange as Array<[string, [number, number, number[] | null], BucketRange[]]>)(
    "%s",
    (_name, [count, coverage, weights], expected) => {
      const ranges = bucketRanges(count, coverage, weights);
      expect(ranges).toHaveLength(expected.length);
      ranges.forEach(([start, end], i) => {
        expect(start).toBeCloseTo(expected[i][0], 10);
        expect(end).toBeCloseTo(expected[i][1], 10);
      });
    },
  );

  it.each(cases.chooseVariation as Array<[string, number, BucketRange[], number]>)(
    "chooseVariation %s at %d",
    (_name, bucket, ranges, expected) => {
      expect(chooseVariation(bucket, ranges)).toBe(expected);
    },
  );
});

describe("assignVariant", () => {
  const variants = [
    { key: "control", weight: 1 },
    { key: "treatment", weight: 1 },
  ];

  it("puts the bucket in the variant whose range holds it", () => {
    // hash("seed", "a") = 0.0505 < 0.5 → control; hash("holdout", "1") = 0.8043 ≥ 0.5 → treatment.
    expect(assignVariant("seed", "a", variants)).toEqual({
      bucket: 0.0505,
      variant: "control",
      inExperiment: true,
    });
    expect(assignVariant("holdout", "1", variants).variant).toBe("treatment");
  });

  it("reads weights relative to their sum, so [1, 1] is 50/50 and [9, 1] is 90/10", () => {
    // 0.8043 is in [0, 0.9) of a 90/10 split, in [0.5, 1) of a 50/50 split.
    const ninetyTen = [
      { key: "control", weight: 9 },
      { key: "treatment", weight: 1 },
    ];
    expect(assignVariant("holdout", "1", ninetyTen).variant).toBe("control");
    // 0.4413 with 20/30/50: [0.2, 0.5) → the second variant.
    const three = [
      { key: "a", weight: 2 },
      { key: "b", weight: 3 },
      { key: "c", weight: 5 },
    ];
    expect(assignVariant("experiment", "1", three).variant).toBe("b");
  });

  it("is deterministic and puts every unit in some variant at full coverage", () => {
    for (let i = 0; i < 200; i++) {
      const unit = `user-${i}`;
      expect(assignVariant("exp", unit, variants)).toEqual(assignVariant("exp", unit, variants));
      expect(inExperiment("exp", unit, variants)).toBe(true);
    }
  });

  it("splits many units close to the weights", () => {
    const counts = { control: 0, treatment: 0 };
    const split = [
      { key: "control", weight: 0.2 },
      { key: "treatment", weight: 0.8 },
    ];
    for (let i = 0; i < 10_000; i++) {
      const variant = assignVariant("split-check", `u${i}`, split).variant as keyof typeof counts;
      counts[variant]++;
    }
    // A binomial(10000, 0.2) lies within ±5 standard deviations (±200) of 2000.
    expect(Math.abs(counts.control - 2000)).toBeLessThan(200);
  });
});
