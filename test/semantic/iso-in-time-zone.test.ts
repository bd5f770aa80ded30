import { describe, expect, it } from "vitest";
import { isoInTimeZone } from "../../src/semantic/metrics/format";

describe("isoInTimeZone", () => {
  it("writes the wall clock with the zone's offset at that instant", () => {
    expect(isoInTimeZone(new Date("2026-01-01T00:00:00Z"), "Asia/Shanghai")).toBe(
      "2026-01-01T08:00:00+08:00",
    );
    expect(isoInTimeZone(new Date("2026-01-01T00:00:00.999Z"), "UTC")).toBe("2026-01-01T00:00:00+00:00");
    // New York: EST (−5) in January, EDT (−4) after the switch on 2026-03-08 at 02:00 local.
    expect(isoInTimeZone(new Date("2026-01-15T17:00:00Z"), "America/New_York")).toBe(
      "2026-01-15T12:00:00-05:00",
    );
    expect(isoInTimeZone(new Date("2026-03-08T07:00:00Z"), "America/New_York")).toBe(
      "2026-03-08T03:00:00-04:00",
    );
    expect(isoInTimeZone(new Date("2026-06-30T23:30:00Z"), "Asia/Kolkata")).toBe("2026-07-01T05:00:00+05:30");
  });

  it("keeps the seconds of a local mean time offset (Shanghai before 1901: +08:05:43)", () => {
    expect(isoInTimeZone(new Date("1900-06-01T00:00:00Z"), "Asia/Shanghai")).toBe(
      "1900-06-01T08:05:43+08:05:43",
    );
  });
});
