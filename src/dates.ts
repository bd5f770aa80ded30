/**
 * The one date parser of Stratum, shared by ingestion (event and order timestamps) and
 * queries (time ranges, exports): ISO 8601 dates and date-times, with calendar days that
 * must exist (JavaScript's parser rolls 2026-02-30 over to March 2; PostgreSQL refuses it).
 */
export const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number of the `length` decimal digits at `start`, NaN when one is not a digit. */
function digitsAt(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return Number.NaN;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * Whether the YYYY-MM-DD at the start of `text` is a day of the (proleptic Gregorian)
 * calendar. Arithmetic on the characters: it runs for every ingested timestamp.
 */
export function calendarDateExists(text: string): boolean {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (!(month >= 1 && month <= 12 && day >= 1)) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

/** Whether the text carries its own offset (`Z`, `+08:00`); otherwise it is local time. */
export const hasOffset = (text: string): boolean => /(Z|[+-]\d{2}:?\d{2})$/i.test(text);

/**
 * Parses a date or date-time: the Date for texts with an offset (or a date, read as UTC
 * midnight), null when the text is not ISO 8601 or names a day that does not exist.
 */
export function parseIsoDate(text: string): Date | null {
  const value = text.trim();
  if (!DATE_ONLY.test(value) && !DATE_TIME.test(value)) return null;
  if (!calendarDateExists(value)) return null;
  const date = new Date(
    value.length === 10
      ? `${value}T00:00:00Z`
      : hasOffset(value)
        ? value.replace(" ", "T")
        : `${value.replace(" ", "T")}Z`,
  );
  return Number.isNaN(date.getTime()) ? null : date;
}
