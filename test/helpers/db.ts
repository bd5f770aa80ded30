import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { distributeForCitus } from "../../src/db/citus";
import { createCitusDatabase, dropCitusDatabase } from "../../src/db/citus-cluster";
import { connect, type Database, type DriverKind, migrate } from "../../src/db/client";

/**
 * `npm run test:citus` (scripts/test-citus.sh) sets this and points TEST_DATABASE_URL at a Citus
 * coordinator: each PostgreSQL test database is then created on the coordinator and on every
 * worker (Citus 12 does not propagate `create database`), the workers are registered in it, and
 * the Citus layout is applied after the migrations. PGlite is left out of that run.
 */
const CITUS = process.env.STRATUM_TEST_CITUS === "1";

/**
 * A fresh, migrated database of the given kind; PostgreSQL gets its own database per call
 * (a pool of `maxConnections`, 4 unless a concurrency test wants more parallel transactions).
 */
export async function createTestDatabase(
  kind: DriverKind,
  { maxConnections = 4 }: { maxConnections?: number } = {},
): Promise<{ db: Database; drop: () => Promise<void>; url?: string }> {
  if (kind === "pglite") {
    const db = await connect();
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const adminUrl = inject("postgresUrl");
  if (!adminUrl) throw new Error("PostgreSQL is not reachable");
  const name = `stratum_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  let databaseUrl: string;
  if (CITUS) databaseUrl = await createCitusDatabase(adminUrl, name);
  else {
    await admin.unsafe(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const db = await connect({ databaseUrl, maxConnections });
  await migrate(db);
  if (CITUS) await distributeForCitus(db);
  return {
    db,
    /** The database's URL, for a child process (a `stratum` command) to share it. */
    url: databaseUrl,
    drop: async () => {
      await db.close();
      if (CITUS) await dropCitusDatabase(adminUrl, name);
      else await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 1 });
    },
  };
}

export const DRIVERS: DriverKind[] = CITUS ? ["postgres"] : ["pglite", "postgres"];

/**
 * Runs the same suite on PGlite and on PostgreSQL, each with a database of its own
 * for the whole file (PGlite takes seconds to start, so one per file, not per test).
 * The PostgreSQL run is skipped only where no server is reachable outside CI.
 */
export function describeEachDatabase(
  name: string,
  body: (db: () => Database, kind: DriverKind) => void,
): void {
  for (const kind of DRIVERS) {
    const available = kind === "pglite" || inject("postgresUrl") !== null;
    describe.runIf(available)(`${name} [${kind}]`, () => {
      let handle: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
      beforeAll(async () => {
        handle = await createTestDatabase(kind);
      });
      afterAll(async () => {
        await handle?.drop();
      });
      body(() => {
        if (!handle) throw new Error("test database not ready");
        return handle.db;
      }, kind);
    });
  }
}

/** Counts the statements sent while `fn` runs. */
export async function countStatements<T>(
  db: Database,
  fn: () => Promise<T>,
): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const stop = db.onStatement((statement) => statements.push(statement.sql));
  try {
    return { result: await fn(), statements };
  } finally {
    stop();
  }
}
