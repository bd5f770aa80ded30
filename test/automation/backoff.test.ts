import { afterEach, describe, expect, it, vi } from "vitest";
import { retryDelayMs } from "../../src/automation/backoff";

/**
 * Bounds worked out by hand from node-retry's documented formula, min(r × minTimeout ×
 * factor^k, maxTimeout) with r in [1, 2), k zero-indexed (k = 0 before the first retry) and
 * factor 2: retry n waits between base × 2^(n−1) and twice that (rounded), capped.
 */
const UNCAPPED = { baseDelayMs: 1_000, maxDelayMs: 3_600_000 };
const UNCAPPED_BOUNDS: Array<[attempt: number, low: number, high: number]> = [
  [1, 1_000, 2_000],
  [2, 2_000, 4_000],
  [3, 4_000, 8_000],
  [4, 8_000, 16_000],
  [5, 16_000, 32_000],
];
/** A cap of 5 s: from retry 3 on the cap cuts in, and retries 4 and 5 (8 s × r ≥ 8 s) are the cap exactly. */
const CAPPED = { baseDelayMs: 1_000, maxDelayMs: 5_000 };
const CAPPED_BOUNDS: Array<[attempt: number, low: number, high: number]> = [
  [1, 1_000, 2_000],
  [2, 2_000, 4_000],
  [3, 4_000, 5_000],
  [4, 5_000, 5_000],
  [5, 5_000, 5_000],
];
const DRAWS = 2_000;

describe("the retry delay of a delivery", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  for (const [name, config, bounds] of [
    ["without a cap", UNCAPPED, UNCAPPED_BOUNDS],
    ["with a cap", CAPPED, CAPPED_BOUNDS],
  ] as const)
    it(`grows from the base delay, doubling per attempt, ${name}`, () => {
      // The random factor's two ends: r = 1, and r just below 2 (rounded up to 2).
      vi.spyOn(Math, "random").mockReturnValue(0);
      expect(bounds.map(([attempt]) => retryDelayMs(attempt, config))).toEqual(bounds.map(([, low]) => low));
      vi.spyOn(Math, "random").mockReturnValue(1 - 2 ** -53);
      expect(bounds.map(([attempt]) => retryDelayMs(attempt, config))).toEqual(
        bounds.map(([, , high]) => high),
      );
    });

  for (const [name, config, bounds] of [
    ["without a cap", UNCAPPED, UNCAPPED_BOUNDS],
    ["with a cap", CAPPED, CAPPED_BOUNDS],
  ] as const)
    it(`draws whole milliseconds within the bounds, spread over them, ${name}`, () => {
      for (const [attempt, low, high] of bounds) {
        const delays = Array.from({ length: DRAWS }, () => retryDelayMs(attempt, config));
        for (const delay of delays) {
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(low);
          expect(delay).toBeLessThanOrEqual(high);
        }
        if (low === high) continue;
        // Randomised, not a fixed point: with 2,000 uniform draws both tenths of the range are
        // hit but for a chance of 0.9^2000 each.
        const tenth = (high - low) / 10;
        expect(Math.min(...delays)).toBeLessThan(low + tenth);
        expect(Math.max(...delays)).toBeGreaterThan(high - tenth);
      }
    });

  it("keeps the tests' fast setting (base 2 ms, max 2 ms) at 2 ms for every retry", () => {
    const delays = Array.from({ length: 100 }, (_, i) =>
      retryDelayMs(1 + (i % 5), { baseDelayMs: 2, maxDelayMs: 2 }),
    );
    expect(new Set(delays)).toEqual(new Set([2]));
  });
});
