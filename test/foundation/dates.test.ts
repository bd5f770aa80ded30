import { describe, expect, it } from "vitest";
import { calendarDateExists, parseIsoDate } from "../../src/dates";

describe("calendar days", () => {
  it("knows the days of each month and the Gregorian leap years", () => {
    // Leap years: divisible by 4, except centuries not divisible by 400.
    expect(calendarDateExists("2024-02-29")).toBe(true);
    expect(calendarDateExists("2026-02-29")).toBe(false);
    expect(calendarDateExists("2000-02-29")).toBe(true);
    expect(calendarDateExists("2100-02-29")).toBe(false);
    expect(calendarDateExists("2026-04-30T10:00:00Z")).toBe(true);
    expect(calendarDateExists("2026-04-31")).toBe(false);
    expect(calendarDateExists("2026-12-31")).toBe(true);
    expect(calendarDateExists("2026-00-10")).toBe(false);
    expect(calendarDateExists("2026-13-01")).toBe(false);
    expect(calendarDateExists("2026-01-00")).toBe(false);
    expect(calendarDateExists("2026/01/01")).toBe(false);
    expect(calendarDateExists("2026-1a-01")).toBe(false);
  });

  it("parses only days that exist", () => {
    expect(parseIsoDate("2026-02-30")).toBeNull();
    expect(parseIsoDate("2024-02-29")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
  });
});
