import { DateTime, type DateTimeUnit } from "luxon";
import { badInput } from "../errors";
import { assertTimeZone, type TimeRange } from "./time";

/**
 * A time range as a client may give it: absolute ends (`from` and `to`), a number of
 * whole units before the current one (`last: "30d"`), or a named calendar period
 * (`named: "previous_month"`). Exactly one of the three forms.
 */
export interface TimeRangeSpec {
  from?: string | Date | null;
  to?: string | Date | null;
  last?: string | null;
  named?: string | null;
}

/** `last` units: hours, days, ISO weeks (from Monday), calendar months, calendar years. */
const LAST_UNITS = { h: "hour", d: "day", w: "week", m: "month", y: "year" } as const satisfies Record<
  string,
  DateTimeUnit
>;
const LAST = /^([1-9][0-9]{0,3})([hdwmy])$/;

/** Each named range: the period containing now, or the one before it (`offset` periods back). */
const NAMED: Record<string, { unit: DateTimeUnit; offset: number }> = {
  today: { unit: "day", offset: 0 },
  yesterday: { unit: "day", offset: 1 },
  this_week: { unit: "week", offset: 0 },
  previous_week: { unit: "week", offset: 1 },
  this_month: { unit: "month", offset: 0 },
  previous_month: { unit: "month", offset: 1 },
  this_quarter: { unit: "quarter", offset: 0 },
  previous_quarter: { unit: "quarter", offset: 1 },
  this_year: { unit: "year", offset: 0 },
  previous_year: { unit: "year", offset: 1 },
};
export const NAMED_TIME_RANGES = Object.keys(NAMED);

const present = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;

/**
 * The concrete range of a spec at `now` in `timezone`, `to` exclusive, periods aligned like
 * the buckets (local midnight, Monday, the 1st) so every bucket of a relative range is whole:
 * - `last: "<N><unit>"` is the N whole units before the current one (`30d` = the 30 days
 *   before today, today excluded; `24h` = the 24 whole hours before the current hour);
 * - `named` is the whole calendar period containing now (`this_…`, `today`) or the one
 *   before it (`previous_…`, `yesterday`), also its part still to come.
 * Day and longer ends come back as dates (local midnight, the form clients send), hour ends
 * as date-times with their offset, so a daylight-saving change is never ambiguous. An
 * absolute range is returned as given: it compiles to the same SQL as before.
 */
export function resolveTimeRange(spec: TimeRangeSpec, timezone: string, now: Date): TimeRange {
  const { from, to, last, named } = spec;
  const forms = [present(from) || present(to), present(last), present(named)].filter(Boolean).length;
  if (forms > 1) {
    const argument = present(last) ? "timeRange.last" : "timeRange.named";
    throw badInput(
      `${argument} cannot be combined with other fields of timeRange; give one of from/to, last or named`,
      {
        argument,
      },
    );
  }
  if (present(last)) return lastUnits(last, assertTimeZone(timezone), now);
  if (present(named)) return namedPeriod(named, assertTimeZone(timezone), now);
  if (!present(from) || !present(to)) {
    throw badInput('timeRange needs from and to, or last (such as "30d"), or named (such as "this_month")', {
      argument: present(from) ? "timeRange.to" : "timeRange.from",
    });
  }
  return { from, to };
}

function lastUnits(value: string, timezone: string, now: Date): TimeRange {
  const match = LAST.exec(value.trim());
  if (!match) {
    throw badInput(
      `timeRange.last "${value}" is not a count of 1 to 9999 and a unit: h (hours), d (days), w (weeks), m (months) or y (years), such as "30d"`,
      { argument: "timeRange.last" },
    );
  }
  const unit = LAST_UNITS[match[2] as keyof typeof LAST_UNITS];
  const end = DateTime.fromJSDate(now, { zone: timezone }).startOf(unit);
  const start = end.minus({ [unit]: Number(match[1]) });
  if (start.year < 1) {
    throw badInput(`timeRange.last "${value}" reaches back before the year 1`, {
      argument: "timeRange.last",
    });
  }
  return endsOf(start, end, unit);
}

function namedPeriod(value: string, timezone: string, now: Date): TimeRange {
  const period = Object.hasOwn(NAMED, value) ? NAMED[value] : undefined;
  if (!period) {
    throw badInput(`timeRange.named "${value}" is not one of ${NAMED_TIME_RANGES.join(", ")}`, {
      argument: "timeRange.named",
    });
  }
  const start = DateTime.fromJSDate(now, { zone: timezone })
    .startOf(period.unit)
    .minus({ [period.unit]: period.offset });
  return endsOf(start, start.plus({ [period.unit]: 1 }), period.unit);
}

function endsOf(start: DateTime, end: DateTime, unit: DateTimeUnit): TimeRange {
  if (unit === "hour") {
    const instant = (at: DateTime) => at.toISO({ suppressMilliseconds: true }) as string;
    return { from: instant(start), to: instant(end) };
  }
  return { from: start.toISODate() as string, to: end.toISODate() as string };
}
