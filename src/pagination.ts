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
}

export interface PageWindow<K> {
  /** Rows to return. */
  first: number;
  /** Sort key after which the page starts; undefined for the first page. */
  after?: K;
}

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount?: number;
}

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

export function decodeCursor<K>(cursor: string): K {
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as K;
  } catch {
    throw badInput("`after` is not a cursor returned by this API", { argument: "after" });
  }
}

/** Validates `first`/`after`; `isKey` checks the decoded cursor has the expected shape. */
export function pageWindow<K>(request: PageRequest, isKey: (value: unknown) => value is K): PageWindow<K> {
  const first = request.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0)
    throw badInput("`first` must be a non-negative integer", { argument: "first" });
  if (first > MAX_PAGE_SIZE)
    throw limitExceeded(`\`first\` must be at most ${MAX_PAGE_SIZE}`, { argument: "first" });
  if (request.after == null) return { first };
  const after = decodeCursor<unknown>(request.after);
  if (!isKey(after)) throw badInput("`after` is not a cursor returned by this API", { argument: "after" });
  return { first, after };
}

/** Builds a page from rows fetched with `limit first + 1` (the extra row tells whether more exist). */
export function toPage<T, K>(
  rows: T[],
  window: PageWindow<K>,
  keyOf: (row: T) => K,
  totalCount?: number,
): Page<T> {
  const nodes = rows.slice(0, window.first);
  const cursors = nodes.map((row) => encodeCursor(keyOf(row)));
  return {
    nodes,
    cursors,
    hasNextPage: rows.length > window.first,
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
