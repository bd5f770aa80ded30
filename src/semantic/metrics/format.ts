import { wallClockOf } from "../time";

/** Formats an instant as ISO 8601 with the offset it has in `timezone` (e.g. `2026-01-01T00:00:00+08:00`). */
export function isoInTimeZone(instant: Date, timezone: string): string {
  const wall = wallClockOf(instant.getTime(), timezone);
  // Whole seconds: the wall clock keeps the instant's milliseconds.
  const offsetSeconds = (wall - instant.getTime()) / 1000;
  const magnitude = Math.abs(offsetSeconds);
  const two = (n: number) => String(n).padStart(2, "0");
  const seconds = magnitude % 60 === 0 ? "" : `:${two(magnitude % 60)}`;
  const offset = `${offsetSeconds < 0 ? "-" : "+"}${two(Math.floor(magnitude / 3600))}:${two(Math.floor(magnitude / 60) % 60)}${seconds}`;
  return `${new Date(wall).toISOString().slice(0, 19)}${offset}`;
}
