import { type SQL, sql } from "drizzle-orm";
import { DATE_ONLY, DATE_TIME, hasOffset, parseIsoDate } from "../dates";
import { badInput, limitExceeded } from "../errors";

/** The grains. Weeks are ISO weeks from Monday (Postgres `date_trunc('week')`). */
export const TIME_GRAINS = ["HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR", "ALL"] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];

/** A time range as given by a client: dates (local midnight) or date-times; `to` exclusive. */
export interface TimeRange {
  from: string | Date;
  to: string | Date;
}

export function assertTimeZone(timezone: string): string {
  try {
    wallClockFormatter(timezone);
    return timezone;
  } catch {
    throw badInput(`Unknown time zone "${timezone}"; use an IANA name such as Asia/Shanghai`, {
      argument: "timezone",
    });
  }
}

/**
 * One end of a range as a timestamptz expression: a date means midnight in `timezone`,
 * a date-time without offset is local too, one with an offset is absolute.
 */
export function instant(value: string | Date, timezone: string, argument: string): SQL {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw badInput(`${argument} is not a valid date`, { argument });
    return sql`${value.toISOString()}::timestamptz`;
  }
  const text = value.trim();
  if ((DATE_ONLY.test(text) || DATE_TIME.test(text)) && parseIsoDate(text) === null) {
    throw badInput(`${argument} "${value}" is not a day of the calendar`, { argument });
  }
  if (DATE_ONLY.test(text) || (DATE_TIME.test(text) && !hasOffset(text))) {
    return sql`(${text}::timestamp at time zone ${timezone})`;
  }
  if (DATE_TIME.test(text)) return sql`${text}::timestamptz`;
  throw badInput(`${argument} "${value}" is not a date (YYYY-MM-DD) or an ISO 8601 date-time`, { argument });
}

export interface RangeBounds {
  from: SQL;
  to: SQL;
}

export function rangeBounds(range: TimeRange, timezone: string): RangeBounds {
  assertTimeZone(timezone);
  return {
    from: instant(range.from, timezone, "timeRange.from"),
    to: instant(range.to, timezone, "timeRange.to"),
  };
}

const TRUNC_UNIT: Record<Exclude<TimeGrain, "ALL">, string> = {
  HOUR: "hour",
  DAY: "day",
  WEEK: "week",
  MONTH: "month",
  QUARTER: "quarter",
  YEAR: "year",
};
/** The length of one bucket of each grain, as a Postgres interval literal. */
export const GRAIN_STEP: Record<Exclude<TimeGrain, "ALL">, string> = {
  HOUR: "1 hour",
  DAY: "1 day",
  WEEK: "1 week",
  MONTH: "1 month",
  QUARTER: "3 months",
  YEAR: "1 year",
};

/** The start of the bucket containing `ts`, as timestamptz, computed in `timezone`. */
export function bucketStart(grain: TimeGrain, ts: SQL, timezone: string, bounds: RangeBounds): SQL {
  if (grain === "ALL") return sql`${bounds.from}`;
  return sql`(date_trunc(${TRUNC_UNIT[grain]}, ${ts} at time zone ${timezone}) at time zone ${timezone})`;
}

/**
 * The start of the bucket containing the local day `day` (a `date` expression), as timestamptz:
 * `bucketStart` of that day's midnight in `timezone`, for facts rolled up by local day.
 */
export function bucketStartOfDay(grain: Exclude<TimeGrain, "ALL" | "HOUR">, day: SQL, timezone: string): SQL {
  if (grain === "DAY") return sql`(${day}::timestamp at time zone ${timezone})`;
  return sql`(date_trunc(${TRUNC_UNIT[grain]}, ${day}::timestamp) at time zone ${timezone})`;
}

/** Every bucket start of the range (a dense series), as a set-returning expression. */
export function bucketSeries(grain: TimeGrain, timezone: string, bounds: RangeBounds): SQL {
  if (grain === "ALL") return sql`(select ${bounds.from} as bucket)`;
  const first = sql`date_trunc(${TRUNC_UNIT[grain]}, ${bounds.from} at time zone ${timezone})`;
  const last = sql`(${bounds.to} at time zone ${timezone}) - interval '1 microsecond'`;
  return sql`(select (local_bucket at time zone ${timezone}) as bucket
    from generate_series(${first}, ${last}, ${grainInterval(grain)}) as local_bucket)`;
}

/** `interval '<one bucket>'` for a grain. */
export function grainInterval(grain: Exclude<TimeGrain, "ALL">): SQL {
  return sql.raw(`interval '${GRAIN_STEP[grain]}'`);
}

/** The bucket before a bucket (same grain), for previous-bucket metrics such as churn. */
export function previousBucket(grain: Exclude<TimeGrain, "ALL">, bucket: SQL, timezone: string): SQL {
  return sql`(((${bucket} at time zone ${timezone}) - ${grainInterval(grain)}) at time zone ${timezone})`;
}

/** Default of `STRATUM_MAX_BUCKETS`: the buckets (or retention cells) one query may produce. */
export const DEFAULT_MAX_BUCKETS = 10_000;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * One formatter per zone (zones are few): building an Intl.DateTimeFormat costs
 * about as much as formatting a hundred instants with it, and a metrics answer formats every bucket.
 */
const wallClockFormatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError for a zone Intl does not know. */
function wallClockFormatter(timezone: string): Intl.DateTimeFormat {
  let formatter = wallClockFormatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    // Intl accepts any letter case of a zone, so a client could name endless spellings: bounded.
    if (wallClockFormatters.size >= 1_000) wallClockFormatters.clear();
    wallClockFormatters.set(timezone, formatter);
  }
  return formatter;
}

/** Wall-clock fields of an instant in `timezone`, as milliseconds of a UTC date with those fields. */
export function wallClockOf(instantMs: number, timezone: string): number {
  const parts = wallClockFormatter(timezone).formatToParts(new Date(instantMs));
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const wall = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  wall.setUTCFullYear(field("year"), field("month") - 1, field("day"));
  wall.setUTCHours(
    field("hour"),
    field("minute"),
    field("second"),
    instantMs - Math.floor(instantMs / 1000) * 1000,
  );
  return wall.getTime();
}

/** One end of a range as local wall-clock milliseconds in `timezone` (what `bucketSeries` steps over). */
function wallClock(value: string | Date, timezone: string, argument: string): number {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw badInput(`${argument} is not a valid date`, { argument });
    return wallClockOf(value.getTime(), timezone);
  }
  const text = value.trim();
  const parsed = parseIsoDate(text);
  if (parsed === null) {
    throw badInput(`${argument} "${value}" is not a date (YYYY-MM-DD) or an ISO 8601 date-time`, {
      argument,
    });
  }
  // Dates and date-times without offset are already local; parseIsoDate read them as UTC.
  return DATE_TIME.test(text) && hasOffset(text) ? wallClockOf(parsed.getTime(), timezone) : parsed.getTime();
}

/** Whether one end of a range is a midnight in `timezone` (a whole local day starts there). */
export function isLocalMidnight(value: string | Date, timezone: string): boolean {
  return wallClock(value, timezone, "timeRange") % DAY_MS === 0;
}

/** The instant (epoch ms) of one end of a range: dates and date-times without offset are local to `timezone`. */
export function instantMs(value: string | Date, timezone: string): number {
  if (value instanceof Date) return value.getTime();
  const text = value.trim();
  const parsed = parseIsoDate(text);
  if (parsed === null)
    throw badInput(`"${value}" is not a date or an ISO 8601 date-time`, { argument: "timeRange" });
  if (DATE_TIME.test(text) && hasOffset(text)) return parsed.getTime();
  // A local wall-clock time: subtract the zone's offset at that instant (found in two steps near a change).
  const wall = parsed.getTime();
  const offsetAt = (instant: number) => wallClockOf(instant, timezone) - instant;
  const guess = wall - offsetAt(wall);
  return wall - offsetAt(guess);
}

/** The ordinal of the bucket containing a wall-clock time: consecutive buckets differ by 1. */
function bucketOrdinal(grain: Exclude<TimeGrain, "ALL">, wallMs: number): number {
  const date = new Date(wallMs);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  switch (grain) {
    case "HOUR":
      return Math.floor(wallMs / HOUR_MS);
    case "DAY":
      return Math.floor(wallMs / DAY_MS);
    case "WEEK":
      // 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Monday.
      return Math.floor((Math.floor(wallMs / DAY_MS) + 3) / 7);
    case "MONTH":
      return year * 12 + month;
    case "QUARTER":
      return year * 4 + Math.floor(month / 3);
    case "YEAR":
      return year;
  }
}

/**
 * How many buckets `bucketSeries` yields for a range at a grain in a time zone, computed
 * without SQL so that a range too long to answer is refused before anything runs: the
 * buckets from the one holding `from` to the one holding the last instant before `to`.
 */
export function bucketCount(range: TimeRange, grain: TimeGrain, timezone: string): number {
  assertTimeZone(timezone);
  const from = wallClock(range.from, timezone, "timeRange.from");
  const to = wallClock(range.to, timezone, "timeRange.to");
  if (grain === "ALL") return 1;
  if (to <= from) return 0;
  return bucketOrdinal(grain, to - 1) - bucketOrdinal(grain, from) + 1;
}

/** LIMIT_EXCEEDED naming the cap and the count when `count` buckets (or cells) exceed `max`. */
export function assertBucketsWithin(count: number, max: number, what: string): void {
  if (count > max) {
    throw limitExceeded(
      `The query would produce ${count} ${what}; at most ${max} are allowed (STRATUM_MAX_BUCKETS). Narrow the time range or use a coarser grain`,
      { limit: "buckets", max, actual: count, argument: "timeRange" },
    );
  }
}
