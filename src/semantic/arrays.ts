import { type SQL, sql } from "drizzle-orm";

/**
 * Arrays travel as ONE bound parameter in PostgreSQL's array text form, cast in SQL:
 * both drivers accept it, and a statement's parameter count never grows with a list.
 */

/** `$n::bigint[]` of the ids (truncated to integers). */
export function bigintArray(ids: Iterable<number>): SQL {
  return sql`${`{${[...ids].map((id) => Math.trunc(Number(id))).join(",")}}`}::bigint[]`;
}

/** `$n::text[]` of the values, each quoted and escaped for the array text form. */
export function textArray(values: readonly string[]): SQL {
  return sql`${`{${values.map((v) => `"${v.replace(/(["\\])/g, "\\$1")}"`).join(",")}}`}::text[]`;
}

/** `$n::float8[]` of finite numbers. */
export function float8Array(values: readonly number[]): SQL {
  return sql`${`{${values.map((v) => String(Number(v))).join(",")}}`}::float8[]`;
}
