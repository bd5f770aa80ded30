import { type SQL, sql } from "drizzle-orm";
import { DATE_ONLY, DATE_TIME, hasOffset, parseIsoDate } from "../dates";
import { badInput } from "../errors";

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
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
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
