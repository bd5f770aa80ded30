import { getTableColumns, type SQL, sql, type Table } from "drizzle-orm";
import { events } from "./schema";

/** One column of a drizzle table: its property key in TypeScript, its SQL name and SQL type. */
export interface ColumnInfo<K extends string = string> {
  key: K;
  name: string;
  sqlType: string;
}

/**
 * The columns of a drizzle table in declaration order, without `except`. Statements that
 * list a table's columns read them from here, so a column added to the table's declaration
 * reaches every writer and reader instead of being spelled out again in each.
 */
export function columnsOf<T extends Table, const E extends keyof T["_"]["columns"] & string = never>(
  table: T,
  except: readonly E[] = [],
): Array<ColumnInfo<Exclude<keyof T["_"]["columns"] & string, E>>> {
  return Object.entries(getTableColumns(table))
    .filter(([key]) => !(except as readonly string[]).includes(key))
    .map(([key, column]) => ({
      key: key as Exclude<keyof T["_"]["columns"] & string, E>,
      name: column.name,
      sqlType: column.getSQLType(),
    }));
}

/**
 * A select list reading `columns` under their TypeScript keys (`entity_type as "entityType"`),
 * so a row comes back shaped as the table's `$inferSelect`; `renamed` gives a key another name.
 */
export function selectListOf(
  columns: readonly ColumnInfo[],
  options: { alias?: string; renamed?: Record<string, string> } = {},
): SQL {
  const prefix = options.alias ? `${options.alias}.` : "";
  return sql.raw(
    columns
      .map((column) => `${prefix}${column.name} as "${options.renamed?.[column.key] ?? column.key}"`)
      .join(", "),
  );
}

/** The columns an event is written with: all but the generated id and the arrival time. */
export const EVENT_WRITE_COLUMNS = columnsOf(events, ["id", "receivedAt"]);

/** The columns an event is read with: all but the arrival time (bookkeeping, not behaviour). */
export const EVENT_READ_COLUMNS = columnsOf(events, ["receivedAt"]);
