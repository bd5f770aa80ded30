import type { ExperimentVariant } from "./types";

/**
 * Deterministic, stateless assignment compatible with GrowthBook's SDKs (hash version 2),
 * so a front end already bucketing with GrowthBook puts each unit in the same variant.
 * Pure: no clock, no randomness, no I/O.
 */

/** A variant's half-open share of [0, 1): [start, end). */
export type BucketRange = [number, number];

/** 32-bit FNV-1a over UTF-16 code units, as GrowthBook's JavaScript SDK computes it. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * GrowthBook's hash: version 2 is `fnv1a32(String(fnv1a32(seed + value))) % 10000 / 10000`
 * (four decimals, seed first); version 1 is `fnv1a32(value + seed) % 1000 / 1000`.
 */
export function growthBookHash(seed: string, value: string, version: 1 | 2 = 2): number {
  if (version === 1) return (fnv1a32(value + seed) % 1000) / 1000;
  return (fnv1a32(String(fnv1a32(seed + value))) % 10000) / 10000;
}

const equalWeights = (count: number): number[] => Array.from({ length: count }, () => 1 / count);

/**
 * GrowthBook's `getBucketRanges`: consecutive ranges by weight, each shortened to
 * `coverage` of its share. Weights that are missing, of the wrong length or not summing to
 * 1 (± 0.01) fall back to equal weights, exactly as the SDK does.
 */
export function bucketRanges(count: number, coverage = 1, weights?: number[] | null): BucketRange[] {
  const clamped = Math.min(1, Math.max(0, coverage));
  let chosen = weights ?? equalWeights(count);
  if (chosen.length !== count) chosen = equalWeights(count);
  const total = chosen.reduce((sum, weight) => sum + weight, 0);
  if (total < 0.99 || total > 1.01) chosen = equalWeights(count);
  let cumulative = 0;
  return chosen.map((weight) => {
    const start = cumulative;
    cumulative += weight;
    return [start, start + clamped * weight];
  });
}

/** GrowthBook's `chooseVariation`: the index of the range holding `bucket`, or −1. */
export function chooseVariation(bucket: number, ranges: BucketRange[]): number {
  return ranges.findIndex(([start, end]) => bucket >= start && bucket < end);
}

export interface Assignment {
  /** The unit's hash in [0, 1). */
  bucket: number;
  /** The variant's key; null when the unit is outside every range. */
  variant: string | null;
  inExperiment: boolean;
}

/**
 * Assigns `unitId` to a variant. The weights are normalised to sum to 1 first, so
 * [1, 1] and [0.5, 0.5] are the same split; a GrowthBook SDK given the normalised
 * weights and the same seed agrees unit for unit.
 */
export function assignVariant(seed: string, unitId: string, variants: ExperimentVariant[]): Assignment {
  const bucket = growthBookHash(seed, unitId, 2);
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  const ranges = bucketRanges(
    variants.length,
    1,
    variants.map((variant) => variant.weight / total),
  );
  const index = chooseVariation(bucket, ranges);
  return { bucket, variant: index < 0 ? null : variants[index].key, inExperiment: index >= 0 };
}

/** Whether `unitId` falls in some variant's range. */
export function inExperiment(seed: string, unitId: string, variants: ExperimentVariant[]): boolean {
  return assignVariant(seed, unitId, variants).inExperiment;
}
