import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";

/**
 * Compilers build drizzle `SQL` fragments: values are always bound parameters, and
 * identifiers only ever come from declarations (`sql.identifier` / `sql.raw` of catalog
 * constants). This turns a fragment into the text and parameters a driver receives,
 * with no I/O, for `sql` fields (explain) and golden tests; `sqlInlined` fields show the
 * same text with the parameters as literals (for psql), never what is executed.
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

/** A statement as results show it: the parameterised text and the same with literals inlined. */
export interface ExplainedSql {
  sql: string;
  sqlInlined: string;
}

export function explainSql(fragment: SQL): ExplainedSql {
  const { sql: text, params } = compileSql(fragment);
  return { sql: text, sqlInlined: inlineParams(text, params) };
}

/**
 * Replaces the placeholders `$1 … $n` of a compiled statement with SQL literals of its
 * parameters, so the text can be pasted into psql. Placeholders inside string literals,
 * quoted identifiers, dollar-quoted strings and comments are left alone. Strings become
 * untyped literals (as the drivers send them, typed by context), quotes doubled; numbers
 * bare (negative ones parenthesised so `- $1` cannot turn into a `--` comment); booleans,
 * null; dates `'…'::timestamptz`; arrays `ARRAY[…]::<type>[]`; other objects their JSON text.
 */
export function inlineParams(text: string, params: readonly unknown[]): string {
  let out = "";
  let i = 0;
  const skipTo = (end: number) => {
    out += text.slice(i, end);
    i = end;
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === "'") {
      const escapes = /[eE]/.test(text[i - 1] ?? "") && !/[\w$]/.test(text[i - 2] ?? "");
      skipTo(endOfQuoted(text, i, "'", escapes));
    } else if (ch === '"') {
      skipTo(endOfQuoted(text, i, '"', false));
    } else if (ch === "-" && text[i + 1] === "-") {
      const newline = text.indexOf("\n", i);
      skipTo(newline < 0 ? text.length : newline);
    } else if (ch === "/" && text[i + 1] === "*") {
      skipTo(endOfBlockComment(text, i));
    } else if (ch === "$" && !/[\w$]/.test(text[i - 1] ?? "")) {
      const placeholder = /^\$(\d+)/.exec(text.slice(i, i + 12));
      const tag = placeholder ? null : /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 70));
      if (placeholder) {
        const index = Number(placeholder[1]) - 1;
        if (index < 0 || index >= params.length) {
          throw new RangeError(`${placeholder[0]} has no parameter (${params.length} given)`);
        }
        out += sqlLiteral(params[index]);
        i += placeholder[0].length;
      } else if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        skipTo(close < 0 ? text.length : close + tag[0].length);
      } else {
        skipTo(i + 1);
      }
    } else {
      skipTo(i + 1);
    }
  }
  return out;
}

/** Index after the closing quote of the literal or identifier opened at `start`. */
function endOfQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let j = start + 1;
  while (j < text.length) {
    if (backslashEscapes && text[j] === "\\") j += 2;
    else if (text[j] === quote && text[j + 1] === quote) j += 2;
    else if (text[j] === quote) return j + 1;
    else j++;
  }
  return text.length;
}

/** Index after the `*\/` closing the (possibly nested) block comment opened at `start`. */
function endOfBlockComment(text: string, start: number): number {
  let depth = 0;
  let j = start;
  while (j < text.length) {
    if (text[j] === "/" && text[j + 1] === "*") {
      depth++;
      j += 2;
    } else if (text[j] === "*" && text[j + 1] === "/") {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return text.length;
}

const quoted = (value: string) => `'${value.replaceAll("'", "''")}'`;

function numberLiteral(value: number | bigint): string {
  if (typeof value === "number" && !Number.isFinite(value)) {
    return `${quoted(Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity")}::float8`;
  }
  const text = String(value);
  return text.startsWith("-") ? `(${text})` : text;
}

/** One parameter as a SQL literal (see `inlineParams`). */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return quoted(value);
  if (typeof value === "number" || typeof value === "bigint") return numberLiteral(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError("an invalid Date has no SQL literal");
    return `${quoted(value.toISOString())}::timestamptz`;
  }
  if (value instanceof Uint8Array) return `${quoted(`\\x${Buffer.from(value).toString("hex")}`)}::bytea`;
  if (Array.isArray(value)) return arrayLiteral(value);
  return quoted(JSON.stringify(value));
}

function arrayLiteral(values: readonly unknown[]): string {
  // An empty array has no element type to name: an untyped '{}' takes its type from context.
  if (values.length === 0) return "'{}'";
  const types = new Set(values.filter((v) => v !== null && v !== undefined).map(elementType));
  // Integers among fractions are still numbers of one array.
  if (types.has("int8") && types.has("float8")) types.delete("int8");
  if (types.size > 1) throw new TypeError(`an array mixing ${[...types].join(" and ")} has no SQL literal`);
  const [type = "text"] = types;
  return `ARRAY[${values.map(sqlLiteral).join(", ")}]::${type}[]`;
}

function elementType(value: unknown): string {
  if (typeof value === "string") return "text";
  if (typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value))) return "int8";
  if (typeof value === "number") return "float8";
  if (typeof value === "boolean") return "boolean";
  if (value instanceof Date) return "timestamptz";
  if (Array.isArray(value)) throw new TypeError("nested arrays have no SQL literal here");
  return "jsonb";
}

/** Joins fragments with a separator (`, ` by default). */
export function joinSql(parts: SQL[], separator: SQL = sql`, `): SQL {
  return sql.join(parts, separator);
}

export { type SQL, sql };
