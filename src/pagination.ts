import { badInput, limitExceeded } from "./errors";

/**
 * The one way Stratum paginates: keyset pagination with opaque cursors. A cursor is the
 * sort key of the last row seen, so pages stay stable while rows are added or removed.
 */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 50;

export interface PageRequest {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageWindow<K> {
  /** Rows to return. */
  size: number;
  /** `last`/`before`: the page ends where the cursor is, so rows are read in reverse. */
  backward: boolean;
  /** Sort key past which the page starts (after it forward, before it backward). */
  cursor?: K;
}

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
  totalCount?: number;
}

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

export function decodeCursor<K>(cursor: string, argument: "after" | "before" = "after"): K {
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as K;
  } catch {
    throw badInput(`\`${argument}\` is not a cursor returned by this API`, { argument });
  }
}

function pageSize(value: number | null | undefined, argument: "first" | "last"): number {
  const size = value ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0)
    throw badInput(`\`${argument}\` must be a non-negative integer`, { argument });
  if (size > MAX_PAGE_SIZE)
    throw limitExceeded(`\`${argument}\` must be at most ${MAX_PAGE_SIZE}`, { argument });
  return size;
}

function cursorOf<K>(cursor: string, argument: "after" | "before", isKey: (value: unknown) => value is K): K {
  const key = decodeCursor<unknown>(cursor, argument);
  if (!isKey(key)) throw badInput(`\`${argument}\` is not a cursor returned by this API`, { argument });
  return key;
}

/**
 * Validates a Relay page request: `first`/`after` reads forward, `last`/`before` backward
 * (the page that ends at `before`); the two directions do not mix. `isKey` checks that a
 * decoded cursor has the expected shape.
 */
export function pageWindow<K>(request: PageRequest, isKey: (value: unknown) => value is K): PageWindow<K> {
  const backward = request.last != null || request.before != null;
  if (backward && (request.first != null || request.after != null))
    throw badInput("Page with `first`/`after` or with `last`/`before`, not both", {
      argument: request.first != null ? "first" : "after",
    });
  if (backward) {
    const size = pageSize(request.last, "last");
    return request.before == null
      ? { size, backward }
      : { size, backward, cursor: cursorOf(request.before, "before", isKey) };
  }
  const size = pageSize(request.first, "first");
  return request.after == null
    ? { size, backward }
    : { size, backward, cursor: cursorOf(request.after, "after", isKey) };
}

/**
 * Builds a page from rows read in the window's direction with `limit size + 1` (the extra
 * row tells whether more exist that way); a backward page is put back in the list's order.
 * Across the cursor there is always at least the cursor's own row.
 */
export function toPage<T, K>(
  rows: T[],
  window: PageWindow<K>,
  keyOf: (row: T) => K,
  totalCount?: number,
): Page<T> {
  const read = rows.slice(0, window.size);
  const nodes = window.backward ? read.reverse() : read;
  const cursors = nodes.map((row) => encodeCursor(keyOf(row)));
  const more = rows.length > window.size;
  const pastCursor = window.cursor !== undefined;
  return {
    nodes,
    cursors,
    hasNextPage: window.backward ? pastCursor : more,
    hasPreviousPage: window.backward ? more : pastCursor,
    startCursor: cursors[0] ?? null,
    endCursor: cursors.length ? cursors[cursors.length - 1] : null,
    totalCount,
  };
}

export const isNumberKey = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value);
export const isStringKey = (value: unknown): value is string => typeof value === "string";
export const isTupleKey =
  (...checks: Array<(value: unknown) => boolean>) =>
  (value: unknown): value is unknown[] =>
    Array.isArray(value) && value.length === checks.length && checks.every((check, i) => check(value[i]));
