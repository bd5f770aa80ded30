import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { retentionCellCount } from "../../src/analytics/compile/retention";
import { loadConfig } from "../../src/config";
import {
  bucketCount,
  bucketSeries,
  rangeBounds,
  type TimeGrain,
  type TimeRange,
} from "../../src/semantic/time";
import { describeEachDatabase } from "../helpers/db";

const january = { from: "2026-01-01", to: "2026-02-01" };

describe("bucket count of a range, without SQL", () => {
  it("counts the buckets of each grain by hand", () => {
    const counts = (["HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR", "ALL"] as const).map((grain) =>
      bucketCount(january, grain, "UTC"),
    );
    // 31 days × 24 h; weeks from Monday: Dec 29, Jan 5, 12, 19, 26.
    expect(counts).toEqual([744, 31, 5, 1, 1, 1, 1]);
  });

  it("counts the ranges that froze the server", () => {
    // (2030-01-01 − 1000-01-01) = 376,200 days of 24 hours.
    expect(bucketCount({ from: "1000-01-01", to: "2030-01-01" }, "HOUR", "UTC")).toBe(9_028_800);
    // 0001-01-01 … 9999-12-31 is 3,652,058 days, and 9999-12-31 itself is one more bucket.
    expect(bucketCount({ from: "0001-01-01", to: "9999-12-31T12:00:00" }, "DAY", "UTC")).toBe(3_652_059);
    // 1970-01-01 … 2101-01-01: 131 years, 32 of them leap years.
    expect(bucketCount({ from: "1970-01-01", to: "2101-01-01" }, "DAY", "UTC")).toBe(131 * 365 + 32);
  });

  it("reads an end with an offset in the query's time zone and an empty range as none", () => {
    // 00:00Z is 08:00 in Shanghai: Jan 1 08:00 → Jan 2 08:00 touches two local days.
    const absolute = { from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" };
    expect(bucketCount(absolute, "DAY", "Asia/Shanghai")).toBe(2);
    expect(bucketCount(absolute, "DAY", "UTC")).toBe(1);
    expect(
      bucketCount(
        { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2026-01-01T00:00:00Z") },
        "DAY",
        "UTC",
      ),
    ).toBe(0);
  });

  it("counts the cells of a retention triangle", () => {
    // 3 cohorts, 11 periods: 3 + 2 + 1.
    expect(retentionCellCount(3, 11)).toBe(6);
    // 5 cohorts, 2 periods: every cohort but the last reaches both periods: 2+2+2+2+1.
    expect(retentionCellCount(5, 2)).toBe(9);
  });
});

describe("caps from the environment", () => {
  it("refuses to start with a cap that is not a positive integer instead of lifting it", () => {
    expect(loadConfig({}).maxBuckets).toBe(10_000);
    expect(loadConfig({ STRATUM_MAX_BUCKETS: "500" }).maxBuckets).toBe(500);
    for (const text of ["ten", "0", "-5", "2.5"]) {
      expect(() => loadConfig({ STRATUM_MAX_BUCKETS: text })).toThrow(/STRATUM_MAX_BUCKETS/);
    }
    expect(() => loadConfig({ STRATUM_REQUEST_ANALYTICAL_CONCURRENCY: "0" })).toThrow(
      /STRATUM_REQUEST_ANALYTICAL_CONCURRENCY/,
    );
  });
});

describeEachDatabase("bucket count agrees with the series the database generates", (db) => {
  const cases: Array<[TimeRange, TimeGrain, string]> = [
    [january, "HOUR", "UTC"],
    [january, "WEEK", "Asia/Shanghai"],
    [{ from: "2025-11-15T13:30:00", to: "2026-03-02" }, "MONTH", "America/New_York"],
    [{ from: "2026-03-07", to: "2026-03-10" }, "HOUR", "America/New_York"],
    [{ from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" }, "DAY", "Asia/Shanghai"],
    [{ from: "2019-12-31", to: "2026-04-01" }, "QUARTER", "UTC"],
  ];
  it.each(cases)("%j at %s in %s", async (range, grain, timezone) => {
    const [{ n }] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from ${bucketSeries(grain, timezone, rangeBounds(range, timezone))} s`,
    );
    expect(bucketCount(range, grain, timezone)).toBe(n);
  });
});
