import { type SQL, sql } from "drizzle-orm";
import type { PageWindow } from "../pagination";

export interface KeysetOrder<K> {
  /** The list's own order, e.g. newest first is `desc`. */
  direction: "asc" | "desc";
  /** The sort key's columns, most significant first; together they are unique. */
  columns: SQL[];
  /** The cursor's values as typed SQL parameters, one per column. */
  values: (key: K) => SQL[];
}

/**
 * The SQL of one keyset page: rows strictly past the cursor in the reading direction, in that
 * direction, one more than the page holds (`toPage` uses it to tell whether more exist).
 * Backward pages read the list's order reversed; `toPage` turns them back.
 */
export function keysetPage<K>(
  window: PageWindow<K>,
  order: KeysetOrder<K>,
): { past: SQL; orderBy: SQL; limit: number } {
  const ascending = (order.direction === "asc") !== window.backward;
  const columns = sql.join(order.columns, sql`, `);
  const past =
    window.cursor === undefined
      ? sql`true`
      : sql`(${columns}) ${ascending ? sql`>` : sql`<`} (${sql.join(order.values(window.cursor), sql`, `)})`;
  const orderBy = sql.join(
    order.columns.map((column) => sql`${column} ${ascending ? sql`asc` : sql`desc`}`),
    sql`, `,
  );
  return { past, orderBy, limit: window.size + 1 };
}

/** Lists in profile id order (profiles, segment members). */
export const byUserId = (column: SQL): KeysetOrder<number> => ({
  direction: "asc",
  columns: [column],
  values: (id) => [sql`${id}::bigint`],
});
