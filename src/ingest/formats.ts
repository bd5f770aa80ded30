import { parse as parseCsv } from "csv-parse/sync";
import { badInput } from "../errors";
import { camelCase } from "../metrics/catalog";
import { suggestNames } from "../suggestions";
import { RejectCode } from "./validate";

/**
 * The file formats of `stratum load`, pure (no I/O): CSV lines split into fields, CSV
 * headers resolved to the known columns of a kind, NDJSON keys in either spelling.
 * docs/loading.md documents them; keep the two in step.
 */

/** The CSV columns of each file kind, snake_case (camelCase headers mean the same). */
export const CSV_COLUMNS = {
  events: [
    "message_id",
    "event",
    "timestamp",
    "user_id",
    "anonymous_id",
    "session_id",
    "channel",
    "platform",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "properties",
  ],
  orders: [
    "order_id",
    "user_id",
    "anonymous_id",
    "placed_at",
    "status",
    "total_amount",
    "refunded_amount",
    "channel",
    "platform",
    "coupon_code",
    "campaign_id",
  ],
  users: ["user_id", "anonymous_id", "email", "phone", "traits"],
  products: ["product_id", "name", "category", "brand", "price"],
} as const;

/** `messageId`, `MessageID`, ` message_id ` → `message_id`. */
export function snakeCase(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

/**
 * The header line's names as known snake_case columns of the kind. An unknown or repeated
 * column would silently lose its values, so it fails the whole load (BAD_USER_INPUT,
 * argument `file`) with the closest known names, before any line is written.
 */
export function csvHeader(kind: keyof typeof CSV_COLUMNS, names: readonly string[]): string[] {
  const known: readonly string[] = CSV_COLUMNS[kind];
  const columns = names.map(snakeCase);
  columns.forEach((column, index) => {
    if (!known.includes(column)) {
      const { suggestions, hint } = suggestNames(column, known);
      throw badInput(
        `${kind} CSV: unknown column "${names[index].trim()}".${hint} Valid: ${known.join(", ")}`,
        { argument: "file", column: names[index].trim(), suggestions, valid: known },
      );
    }
    if (columns.indexOf(column) !== index)
      throw badInput(`${kind} CSV: column "${column}" is given twice`, { argument: "file", column });
  });
  return columns;
}

/** Why a line could not be read; the loader writes it to the rejects file with its code. */
export class LineError extends Error {
  constructor(
    message: string,
    readonly code: RejectCode = RejectCode.INVALID_TEXT,
  ) {
    super(message);
  }
}

const CSV_LINE_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: "opens a quote that is not closed on its line",
  CSV_INVALID_CLOSING_QUOTE: "has text after a closing quote",
};

/**
 * One CSV line split into fields by csv-parse (comma-separated, a field may be quoted, ""
 * is a quote inside it, spaces around fields are dropped). A record is one line: a quote
 * left open at the end of the line is an error of THAT line, so it cannot swallow the
 * lines after it.
 */
export function splitCsvLine(line: string): string[] {
  try {
    const [record] = parseCsv(line, { trim: true, relax_column_count: true }) as string[][];
    return record ?? [""];
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    throw new LineError(`the line ${CSV_LINE_ERRORS[code] ?? "is not valid CSV"}`);
  }
}

/** camelCase of the keys met so far: a file repeats the same few keys on every line. */
const CAMEL_KEYS = new Map<string, string>();
/** Bounds the cache, whatever keys a file invents. */
const MAX_CACHED_KEYS = 1000;

function camelKey(key: string): string {
  let name = CAMEL_KEYS.get(key);
  if (name === undefined) {
    name = camelCase(key);
    if (CAMEL_KEYS.size < MAX_CACHED_KEYS) CAMEL_KEYS.set(key, name);
  }
  return name;
}

/**
 * Keys of the file record (and of its order items) whose snake_case spelling is rewritten.
 * A record already in camelCase is returned as it is (its keys are distinct, so none repeats).
 */
function camelKeys(record: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(record);
  if (keys.every((key) => camelKey(key) === key)) return record;
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    const name = camelKey(key);
    if (name in result)
      throw new LineError(
        `${name} is given twice (as ${name} and ${snakeCase(name)})`,
        RejectCode.INVALID_JSON,
      );
    result[name] = record[key];
  }
  return result;
}

/**
 * An NDJSON record in the contract's camelCase: top-level keys and the keys of `items`
 * may be snake_case. Keys inside `properties`, `traits` and `utm` are data and stay.
 */
export function ndjsonRecord(record: Record<string, unknown>): Record<string, unknown> {
  const result = camelKeys(record);
  if (!Array.isArray(result.items)) return result;
  return {
    ...result,
    items: result.items.map((item) =>
      item && typeof item === "object" && !Array.isArray(item)
        ? camelKeys(item as Record<string, unknown>)
        : item,
    ),
  };
}
