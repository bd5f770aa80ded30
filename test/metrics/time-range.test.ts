import { describe, expect, it } from "vitest";
import { resolveTimeRange, type TimeRangeSpec } from "../../src/semantic/time-range";

/**
 * Relative ranges resolved by hand. 2026-12-03T05:00:00Z is Thursday 13:00 in Shanghai
 * (UTC+8, no daylight saving); that week's Monday is 2026-11-30.
 */
const THURSDAY = new Date("2026-12-03T05:00:00Z");
const resolve = (spec: TimeRangeSpec, now = THURSDAY, timezone = "Asia/Shanghai") =>
  resolveTimeRange(spec, timezone, now);

const errorOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as { code: string; details: Record<string, unknown>; message: string };
  }
  throw new Error("expected an error");
};

describe("relative time ranges", () => {
  it("last N units are the whole units before the current one", () => {
    expect(resolve({ last: "30d" })).toEqual({ from: "2026-11-03", to: "2026-12-03" });
    expect(resolve({ last: "1d" })).toEqual({ from: "2026-12-02", to: "2026-12-03" });
    expect(resolve({ last: "12w" })).toEqual({ from: "2026-09-07", to: "2026-11-30" });
    expect(resolve({ last: "6m" })).toEqual({ from: "2026-06-01", to: "2026-12-01" });
    expect(resolve({ last: "1y" })).toEqual({ from: "2025-01-01", to: "2026-01-01" });
    expect(resolve({ last: " 2y " })).toEqual({ from: "2024-01-01", to: "2026-01-01" });
    expect(resolve({ last: "24h" })).toEqual({
      from: "2026-12-02T13:00:00+08:00",
      to: "2026-12-03T13:00:00+08:00",
    });
  });

  it("named ranges are whole calendar periods, weeks from Monday", () => {
    const cases: Array<[string, string, string]> = [
      ["today", "2026-12-03", "2026-12-04"],
      ["yesterday", "2026-12-02", "2026-12-03"],
      ["this_week", "2026-11-30", "2026-12-07"],
      ["previous_week", "2026-11-23", "2026-11-30"],
      ["this_month", "2026-12-01", "2027-01-01"],
      ["previous_month", "2026-11-01", "2026-12-01"],
      ["this_quarter", "2026-10-01", "2027-01-01"],
      ["previous_quarter", "2026-07-01", "2026-10-01"],
      ["this_year", "2026-01-01", "2027-01-01"],
      ["previous_year", "2025-01-01", "2026-01-01"],
    ];
    for (const [named, from, to] of cases) expect(resolve({ named }), named).toEqual({ from, to });
  });

  it("resolves in the query's time zone: 17:30 UTC on 30 November is already 1 December in Shanghai", () => {
    const now = new Date("2026-11-30T17:30:00Z");
    expect(resolve({ named: "today" }, now)).toEqual({ from: "2026-12-01", to: "2026-12-02" });
    expect(resolve({ named: "today" }, now, "UTC")).toEqual({ from: "2026-11-30", to: "2026-12-01" });
    expect(resolve({ named: "this_month" }, now)).toEqual({ from: "2026-12-01", to: "2027-01-01" });
    expect(resolve({ named: "this_month" }, now, "UTC")).toEqual({ from: "2026-11-01", to: "2026-12-01" });
    expect(resolve({ named: "previous_month" }, now)).toEqual({ from: "2026-11-01", to: "2026-12-01" });
    expect(resolve({ named: "previous_month" }, now, "UTC")).toEqual({
      from: "2026-10-01",
      to: "2026-11-01",
    });
    expect(resolve({ last: "1d" }, now)).toEqual({ from: "2026-11-30", to: "2026-12-01" });
    expect(resolve({ last: "1d" }, now, "UTC")).toEqual({ from: "2026-11-29", to: "2026-11-30" });
    // Monday 30 November in UTC, Tuesday 1 December in Shanghai: the same ISO week.
    expect(resolve({ named: "this_week" }, now, "UTC")).toEqual({ from: "2026-11-30", to: "2026-12-07" });
  });

  it("crosses month, leap-day and year boundaries by the calendar", () => {
    // 31 March: the month before is February (28 days in 2026), not "31 February".
    const endOfMarch = new Date("2026-03-31T04:00:00Z");
    expect(resolve({ last: "1m" }, endOfMarch)).toEqual({ from: "2026-02-01", to: "2026-03-01" });
    expect(resolve({ named: "previous_month" }, endOfMarch)).toEqual({
      from: "2026-02-01",
      to: "2026-03-01",
    });
    // 1 March 2028 (leap year): the 30 days before it start on 31 January (29 in February + 1).
    const leapMarch = new Date("2028-03-01T04:00:00Z");
    expect(resolve({ last: "30d" }, leapMarch)).toEqual({ from: "2028-01-31", to: "2028-03-01" });
    expect(resolve({ named: "previous_month" }, leapMarch)).toEqual({ from: "2028-02-01", to: "2028-03-01" });
    // Friday 1 January 2027 in Shanghai: the week started on Monday 28 December 2026.
    const newYear = new Date("2027-01-01T12:00:00Z");
    expect(resolve({ named: "this_week" }, newYear)).toEqual({ from: "2026-12-28", to: "2027-01-04" });
    expect(resolve({ last: "1w" }, newYear)).toEqual({ from: "2026-12-21", to: "2026-12-28" });
    expect(resolve({ named: "previous_year" }, newYear)).toEqual({ from: "2026-01-01", to: "2027-01-01" });
  });

  it("counts hours as elapsed time across a daylight-saving change, with the offset of each end", () => {
    // New York moved from UTC−5 to UTC−4 at 02:00 local on 8 March 2026; 12:00 UTC is 08:00 EDT.
    const now = new Date("2026-03-08T12:00:00Z");
    expect(resolve({ last: "24h" }, now, "America/New_York")).toEqual({
      from: "2026-03-07T07:00:00-05:00",
      to: "2026-03-08T08:00:00-04:00",
    });
    // That day is 23 hours long; days stay calendar days from local midnight.
    expect(resolve({ named: "today" }, now, "America/New_York")).toEqual({
      from: "2026-03-08",
      to: "2026-03-09",
    });
  });

  it("returns an absolute range as it was given", () => {
    const range = { from: "2026-09-01", to: "2026-10-01T08:00:00+08:00" };
    expect(resolve(range)).toEqual(range);
    expect(resolve({ ...range, last: null, named: null })).toEqual(range);
  });

  it("refuses malformed and mixed ranges as BAD_USER_INPUT naming the field", () => {
    const cases: Array<[TimeRangeSpec, string]> = [
      [{ last: "30" }, "timeRange.last"],
      [{ last: "d30" }, "timeRange.last"],
      [{ last: "0d" }, "timeRange.last"],
      [{ last: "-1d" }, "timeRange.last"],
      [{ last: "1.5d" }, "timeRange.last"],
      [{ last: "30D" }, "timeRange.last"],
      [{ last: "10000d" }, "timeRange.last"],
      [{ last: "30 days" }, "timeRange.last"],
      [{ last: "9999y" }, "timeRange.last"],
      [{ named: "last_month" }, "timeRange.named"],
      [{ named: "constructor" }, "timeRange.named"],
      [{ named: "Today" }, "timeRange.named"],
      [{ last: "30d", from: "2026-09-01" }, "timeRange.last"],
      [{ last: "30d", to: "2026-09-01" }, "timeRange.last"],
      [{ named: "today", from: "2026-09-01", to: "2026-10-01" }, "timeRange.named"],
      [{ last: "30d", named: "today" }, "timeRange.last"],
      [{ from: "2026-09-01" }, "timeRange.to"],
      [{ to: "2026-09-01" }, "timeRange.from"],
      [{}, "timeRange.from"],
    ];
    for (const [spec, argument] of cases) {
      const error = errorOf(() => resolve(spec));
      expect(error.code, JSON.stringify(spec)).toBe("BAD_USER_INPUT");
      expect(error.details, JSON.stringify(spec)).toEqual({ argument });
    }
    expect(errorOf(() => resolve({ last: "30d" }, THURSDAY, "Mars/Olympus")).details).toEqual({
      argument: "timezone",
    });
  });
});
