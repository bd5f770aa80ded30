import path from "node:path";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { limitExceeded } from "../errors";
import { currentRequestSlots, hasSqlState, Semaphore } from "./concurrency";
import { lockDataDir } from "./data-dir-lock";
import { PGliteThread, withinBudget } from "./pglite-thread";
import { normaliseRows } from "./rows";
import * as schema from "./schema";

export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;
export type DriverKind = "pglite" | "postgres";
export type Row = Record<string, unknown>;
export type StatementListener = (statement: { sql: string; params: unknown[] }) => void;

/**
 * The one way Stratum talks to a database, on either driver. Raw SQL is a drizzle `SQL`
 * fragment (values bound as parameters), and rows come back in one shape on both
 * drivers: int8 as number, timestamps as Date, numeric as string (callers cast money).
 */
export interface Database {
  readonly kind: DriverKind;
  /** The drizzle query builder, for typed CRUD on the tables of `src/db/schema`. */
  readonly orm: Orm;
  query<T extends Row = Row>(statement: SQL): Promise<T[]>;
  /**
   * For analytical reads (metrics, analyses, rule previews): runs under the configured
   * statement timeout (PostgreSQL: `statement_timeout`; PGlite on a data directory: its
   * thread is stopped and reopened, see pglite-thread.ts; PGlite in memory cannot stop a
   * statement); a cancelled statement becomes a LIMIT_EXCEEDED error, not a hang. On PostgreSQL analytical statements hold at
   * most pool size − 1 connections together, so ingestion and key lookups always find one;
   * inside `withAnalyticalConcurrency` they also wait for one of the request's slots.
   */
  analyticalQuery<T extends Row = Row>(statement: SQL): Promise<T[]>;
  /**
   * Bulk-writes rows with `COPY table (columns) FROM STDIN` (text format) on either driver:
   * the cheapest way to insert many rows (no JSON document to parse, no plan). `table` and
   * `columns` must be code constants (identifiers are not parameters); each row holds one
   * value per column: null → NULL, Date → ISO text, objects → JSON text, else `String(v)`.
   * COPY has no ON CONFLICT: the caller must leave out rows that would violate a unique
   * index (a violation fails the whole statement with the server's error, as any statement
   * would; in a transaction, that transaction is then aborted).
   */
  copyRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void>;
  /** Runs `fn` in one transaction; `tx` is a Database bound to it (nested calls use savepoints). */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;
  /** Called for every statement sent, on this database and its transactions (statement-count tests). */
  onStatement(listener: StatementListener): () => void;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.resolve(__dirname, "../../drizzle");

class Listeners {
  private readonly set = new Set<StatementListener>();
  add(listener: StatementListener): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  emit(query: string, params: unknown[]): void {
    for (const listener of this.set) listener({ sql: query, params });
  }
}

class DrizzleDatabase implements Database {
  constructor(
    readonly kind: DriverKind,
    readonly orm: Orm,
    private readonly listeners: Listeners,
    private readonly closeDriver: () => Promise<void>,
    private readonly statementTimeoutMs: number,
    /** Connections analytical statements may hold at once; null inside a transaction (it has its own). */
    private readonly analyticalSlots: Semaphore | null,
    /** `work_mem` (MB) of analytical statements on PostgreSQL. */
    private readonly analyticalWorkMemMb: number,
  ) {}

  async query<T extends Row = Row>(statement: SQL): Promise<T[]> {
    const result = (await this.orm.execute(statement)) as unknown;
    return normaliseRows(result) as T[];
  }

  analyticalQuery<T extends Row = Row>(statement: SQL): Promise<T[]> {
    const pooled = () =>
      this.analyticalSlots
        ? this.analyticalSlots.run(() => this.timedQuery<T>(statement))
        : this.timedQuery<T>(statement);
    // The request's slot first, then a connection: a request never holds a connection while it waits.
    const request = currentRequestSlots();
    return request ? request.run(pooled) : pooled();
  }

  private async timedQuery<T extends Row>(statement: SQL): Promise<T[]> {
    const timeout = Math.max(1, Math.trunc(this.statementTimeoutMs));
    try {
      if (this.kind === "pglite") {
        // PGlite ignores statement_timeout: its thread is stopped instead (pglite-thread.ts).
        return await withinBudget(timeout, () => this.query<T>(statement));
      }
      return await this.transaction(async (tx) => {
        // No JIT: compiling an analysis's expressions costs PostgreSQL 50–100 ms per statement,
        // more than it saves on statements meant to answer in well under a second (the bench's
        // 5-step paths ran 22 % faster without it, the 4-step funnel 7 %). A work_mem above the
        // server's default 4 MB keeps their sorts of a month of events in memory (paths: 26 %
        // faster); analytical statements are capped per pool and per request, which bounds it.
        await tx.query(sql`select set_config('statement_timeout', ${String(timeout)}, true),
          set_config('jit', 'off', true), set_config('work_mem', ${`${this.analyticalWorkMemMb}MB`}, true)`);
        return tx.query<T>(statement);
      });
    } catch (error) {
      if (isQueryCancelled(error)) {
        throw limitExceeded(
          `The query ran longer than the ${timeout} ms statement timeout; narrow the time range or filters`,
        );
      }
      if (isBeyondDatabaseLimits(error)) {
        throw limitExceeded(
          "The query needs more memory than the database can give it; narrow the time range, steps or filters",
        );
      }
      throw error;
    }
  }

  async copyRows(
    table: string,
    columns: readonly string[],
    rows: ReadonlyArray<readonly unknown[]>,
  ): Promise<void> {
    if (rows.length === 0) return;
    const statement = `copy ${table} (${columns.join(", ")}) from ${this.kind === "postgres" ? "stdin" : "'/dev/blob'"}`;
    this.listeners.emit(statement, []);
    const text = copyText(rows);
    // The raw client under drizzle: the pool, or the connection of the open transaction.
    const client = (this.orm as unknown as { session: { client: any } }).session.client;
    if (this.kind === "postgres") {
      // postgres.js 3.4 never settles the writable of a COPY the server rejects once all data
      // was sent (a unique violation found at the last rows): `pipeline` would wait forever and
      // the error would be lost (porsager/postgres#1173, fix proposed in #1183). The server's
      // error still reaches the query's own `reject`, so it is taken from there and wins the race.
      const copy = client.unsafe(statement);
      const settle = copy.reject;
      const rejected = new Promise<never>((_, reject) => {
        copy.reject = (error: unknown) => {
          settle(error);
          reject(error);
        };
      });
      rejected.catch(() => {});
      const writable: Writable = await copy.writable();
      await Promise.race([pipeline(Readable.from([text]), writable), rejected]);
    } else {
      await client.query(statement, [], { blob: new Blob([text]) });
    }
  }

  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    return this.orm.transaction((tx) =>
      fn(
        new DrizzleDatabase(
          this.kind,
          tx as unknown as Orm,
          this.listeners,
          async () => {},
          this.statementTimeoutMs,
          null,
          this.analyticalWorkMemMb,
        ),
      ),
    );
  }

  onStatement(listener: StatementListener): () => void {
    return this.listeners.add(listener);
  }

  close(): Promise<void> {
    return this.closeDriver();
  }
}

/** COPY text format: tab-separated, `\N` for NULL, backslash escapes for \\ \n \r \t. */
function copyText(rows: ReadonlyArray<readonly unknown[]>): string {
  let text = "";
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i > 0) text += "\t";
      text += copyValue(row[i]);
    }
    text += "\n";
  }
  return text;
}

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function copyValue(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  // Numbers, booleans and ISO times never hold a character to escape.
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  const text =
    typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  return COPY_SPECIAL.test(text) ? text.replace(/[\\\n\r\t]/g, (ch) => COPY_ESCAPES[ch]) : text;
}

export interface ConnectOptions {
  /** PostgreSQL URL; absent → PGlite. */
  databaseUrl?: string;
  /** PGlite directory, or `memory://` (the default when absent). */
  dataDir?: string;
  /** Pool size for postgres.js. */
  maxConnections?: number;
  /** Statement timeout of `analyticalQuery`, in milliseconds (default 10 s). */
  statementTimeoutMs?: number;
  /** PostgreSQL `work_mem` of `analyticalQuery`, in MB (default 64). */
  analyticalWorkMemMb?: number;
}

/** SQLSTATE 57014: canceling statement due to statement timeout. */
function isQueryCancelled(error: unknown): boolean {
  return hasSqlState(error, "57014");
}

/**
 * SQLSTATE 53200 (out of memory: PGlite's WebAssembly heap is small) or 54000 (a program limit,
 * such as a value over 1 GB): the request asked for more than the database can hold, not a fault.
 */
function isBeyondDatabaseLimits(error: unknown): boolean {
  return hasSqlState(error, "53200", "54000");
}

/** The one connection factory: `DATABASE_URL` → postgres.js, otherwise PGlite. */
export async function connect(options: ConnectOptions = {}): Promise<Database> {
  const listeners = new Listeners();
  const timeoutMs = options.statementTimeoutMs ?? 10_000;
  const workMemMb = options.analyticalWorkMemMb ?? 64;
  const logger = { logQuery: (query: string, params: unknown[]) => listeners.emit(query, params) };
  if (options.databaseUrl) {
    const poolSize = options.maxConnections ?? 10;
    const client = postgres(options.databaseUrl, {
      max: poolSize,
      onnotice: () => {},
      connection: { application_name: "stratum" },
    });
    const orm = drizzlePostgres(client, { schema, logger }) as unknown as Orm;
    // One connection stays free of analytical work (a pool of one has nothing to spare).
    const analyticalSlots = new Semaphore(Math.max(1, poolSize - 1));
    return new DrizzleDatabase(
      "postgres",
      orm,
      listeners,
      () => client.end({ timeout: 5 }),
      timeoutMs,
      analyticalSlots,
      workMemMb,
    );
  }
  const dataDir = options.dataDir && options.dataDir !== "memory://" ? options.dataDir : undefined;
  // A directory belongs to one process at a time (see data-dir-lock.ts): lock before opening.
  const lock = dataDir ? lockDataDir(dataDir) : undefined;
  let client: PGliteThread;
  try {
    client = await PGliteThread.start(dataDir);
  } catch (error) {
    lock?.release();
    throw error;
  }
  // The thread answers PGlite's query/transaction calls, which is all drizzle's driver uses.
  const orm = drizzlePglite(client as unknown as PGlite, { schema, logger }) as unknown as Orm;
  // PGlite is one connection that runs one statement at a time: there is no pool to share out.
  const close = async () => {
    try {
      await client.close();
    } finally {
      lock?.release();
    }
  };
  return new DrizzleDatabase("pglite", orm, listeners, close, timeoutMs, null, workMemMb);
}

/** Applies the drizzle-kit migrations in `drizzle/`; safe to run at every start. */
export async function migrate(db: Database): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  if (db.kind === "postgres") {
    // Concurrent test files migrate their own databases; quiet the notices of `if not exists`.
    await migratePostgres(db.orm as any, config);
  } else {
    await migratePglite(db.orm as any, config);
  }
}

export { sql };
