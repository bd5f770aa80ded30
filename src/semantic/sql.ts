import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";

/**
 * Compilers build drizzle `SQL` fragments: values are always bound parameters, and
 * identifiers only ever come from declarations (`sql.identifier` / `sql.raw` of catalog
 * constants). This turns a fragment into the text and parameters a driver receives,
 * with no I/O, for `sql` fields (explain) and golden tests.
 */
const dialect = new PgDialect();

export interface CompiledSql {
  sql: string;
  params: unknown[];
}

export function compileSql(fragment: SQL): CompiledSql {
  const { sql: text, params } = dialect.sqlToQuery(fragment);
  return { sql: text, params };
}

/** Joins fragments with a separator (`, ` by default). */
export function joinSql(parts: SQL[], separator: SQL = sql`, `): SQL {
  return sql.join(parts, separator);
}

export { type SQL, sql };
