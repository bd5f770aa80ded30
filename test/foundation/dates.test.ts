import { describe, expect, it } from "vitest";
import { calendarDateExists, parseIsoDate } from "../../src/dates";

/** The one date parser (ingestion timestamps, query ranges, exports): days that exist, read exactly. */
describe("calendarDateExists", () => {
  it("knows month lengths and the Gregorian leap years", () => {
    for (const day of ["2026-01-31", "2026-04-30", "2026-12-31", "2024-02-29", "2000-02-29", "1600-02-29"])
      expect(calendarDateExists(day), day).toBe(true);
    // 2026 is not a leap year; 1900 and 2100 are centuries not divisible by 400.
    for (const day of ["2026-02-29", "1900-02-29", "2100-02-29", "2026-02-30", "2026-04-31", "2026-06-31"])
      expect(calendarDateExists(day), day).toBe(false);
  });

  it("refuses month and day numbers outside the calendar, and other shapes", () => {
    for (const day of ["2026-00-10", "2026-13-01", "2026-03-00", "2026-03-32", "2026/01/01", "2026-1a-01"])
      expect(calendarDateExists(day), day).toBe(false);
    // Only the day at the start of a date-time counts.
    expect(calendarDateExists("2026-04-30T10:00:00Z")).toBe(true);
  });
});

describe("parseIsoDate", () => {
  it("reads a date as UTC midnight and a date-time by its offset, without one as UTC", () => {
    expect(parseIsoDate("2026-03-10")?.toISOString()).toBe("2026-03-10T00:00:00.000Z");
    expect(parseIsoDate("2026-03-10T08:00:00+08:00")?.toISOString()).toBe("2026-03-10T00:00:00.000Z");
    expect(parseIsoDate("2026-03-10T08:00:00-0530")?.toISOString()).toBe("2026-03-10T13:30:00.000Z");
    expect(parseIsoDate(" 2026-03-10 08:15 ")?.toISOString()).toBe("2026-03-10T08:15:00.000Z");
    expect(parseIsoDate("2026-03-10T08:00:00.125Z")?.toISOString()).toBe("2026-03-10T08:00:00.125Z");
    expect(parseIsoDate("2024-02-29T23:59:59Z")?.toISOString()).toBe("2024-02-29T23:59:59.000Z");
  });

  it("answers null for texts that are not ISO 8601 or name a day or hour that does not exist", () => {
    for (const text of [
      "2026-02-30",
      "2026-02-29T10:00:00Z",
      "2026-04-31T00:00:00+08:00",
      "2026-03-10T25:00:00Z",
      "2026-03-10T10:61:00Z",
      "10/03/2026",
      "2026-03-10T08:00:00 CST",
      "2026-3-10",
      "1741564800",
      "",
    ])
      expect(parseIsoDate(text), text).toBeNull();
  });
});
