import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { badInput, notFound } from "../errors";
import { suggestNames } from "../suggestions";

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

/**
 * For a definition naming its audience (experiments, campaigns): BAD_USER_INPUT naming
 * `segment` unless `key` is an active segment, suggesting the closest keys.
 */
export async function assertSegmentReference(db: Database, key: string): Promise<void> {
  const rows = await db.query<{ key: string }>(sql`select key from segments where status = 'ACTIVE'`);
  const keys = rows.map((row) => row.key);
  if (keys.includes(key)) return;
  const { suggestions, hint } = suggestNames(key, keys);
  throw badInput(`segment: no active segment "${key}".${hint}`, {
    argument: "segment",
    value: key,
    suggestions,
  });
}
