import postgres from "postgres";
import type { TestProject } from "vitest/node";

export const DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string | null;
  }
}

/**
 * Probes the PostgreSQL server once. Under CI it must be reachable (the suite runs on
 * both databases); on a laptop without one, the PostgreSQL half is skipped loudly.
 */
export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
  const client = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await client`select 1`;
    project.provide("postgresUrl", url);
  } catch (error) {
    if (process.env.CI) throw new Error(`PostgreSQL at ${url} is required under CI: ${String(error)}`);
    console.warn(`\n[stratum] PostgreSQL at ${url} unreachable: PostgreSQL tests are skipped\n`);
    project.provide("postgresUrl", null);
  } finally {
    await client.end({ timeout: 1 });
  }
}
