import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
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
  ) {}

  async query<T extends Row = Row>(statement: SQL): Promise<T[]> {
    const result = (await this.orm.execute(statement)) as unknown;
    return normaliseRows(result) as T[];
  }

  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    return this.orm.transaction((tx) =>
      fn(new DrizzleDatabase(this.kind, tx as unknown as Orm, this.listeners, async () => {})),
    );
  }

  onStatement(listener: StatementListener): () => void {
    return this.listeners.add(listener);
  }

  close(): Promise<void> {
    return this.closeDriver();
  }
}

export interface ConnectOptions {
  /** PostgreSQL URL; absent → PGlite. */
  databaseUrl?: string;
  /** PGlite directory, or `memory://` (the default when absent). */
  dataDir?: string;
  /** Pool size for postgres.js. */
  maxConnections?: number;
}

/** The one connection factory: `DATABASE_URL` → postgres.js, otherwise PGlite. */
export async function connect(options: ConnectOptions = {}): Promise<Database> {
  const listeners = new Listeners();
  const logger = { logQuery: (query: string, params: unknown[]) => listeners.emit(query, params) };
  if (options.databaseUrl) {
    const client = postgres(options.databaseUrl, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connection: { application_name: "stratum" },
    });
    const orm = drizzlePostgres(client, { schema, logger }) as unknown as Orm;
    return new DrizzleDatabase("postgres", orm, listeners, () => client.end({ timeout: 5 }));
  }
  const dataDir = options.dataDir && options.dataDir !== "memory://" ? options.dataDir : undefined;
  const client = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const orm = drizzlePglite(client, { schema, logger }) as unknown as Orm;
  return new DrizzleDatabase("pglite", orm, listeners, () => client.close());
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
