import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { notFound } from "../errors";

/**
 * Compilers restrict to a segment's CURRENT members with `segmentRestriction`
 * (`src/semantic/membership.ts`); their services call this once while validating input.
 */
/** Throws NOT_FOUND (naming `argument`) unless `key` is an active segment. */
export async function assertSegmentExists(db: Database, key: string, argument = "segment"): Promise<void> {
  const rows = await db.query<{ key: string }>(
    sql`select key from segments where key = ${key} and status = 'ACTIVE'`,
  );
  if (rows.length === 0) throw notFound(`Segment "${key}" does not exist`, { argument, key });
}
