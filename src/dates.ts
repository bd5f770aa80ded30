/**
 * The one date parser of Stratum, shared by ingestion (event and order timestamps) and
 * queries (time ranges, exports): ISO 8601 dates and date-times, with calendar days that
 * must exist (JavaScript's parser rolls 2026-02-30 over to March 2; PostgreSQL refuses it).
 */
export const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

/** Whether the YYYY-MM-DD at the start of `text` is a day of the calendar. */
export function calendarDateExists(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split("-").map(Number);
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
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
