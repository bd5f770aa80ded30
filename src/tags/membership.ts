import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { badInput, limitExceeded, notFound } from "../errors";
import {
  type MembershipKind,
  membershipOverlap,
  membershipSizeHistory,
  unknownDefinitions,
} from "../semantic/membership";
import { rangeBounds } from "../semantic/time";
import { resolveTimeRange, type TimeRangeSpec } from "../semantic/time-range";

/**
 * Overlaps and size history of tags and of segments, one implementation for both: the
 * services only name the kind; keys are checked in one statement, NOT_FOUND for the first unknown.
 */

const LABELS: Record<MembershipKind, string> = { tag: "Tag", segment: "Segment" };

export interface OverlapRecord extends Record<string, unknown> {
  key: string;
  otherKey: string;
  size: number;
}

export interface SizePointRecord extends Record<string, unknown> {
  at: Date;
  size: number;
}

/** Definitions an overlap may compare (the one asked about included). */
export const MAX_OVERLAP_KEYS = 20;
const MAX_HISTORY_DAYS = 1000;

/** NOT_FOUND naming the first unknown key, and `key` or `with` as the argument that held it. */
async function assertKnown(db: Database, kind: MembershipKind, keys: readonly string[]): Promise<void> {
  const [unknown] = await db.query<{ key: string }>(unknownDefinitions(kind, keys));
  if (unknown)
    throw notFound(`${LABELS[kind]} "${unknown.key}" does not exist`, {
      argument: unknown.key === keys[0] ? "key" : "with",
      key: unknown.key,
    });
}

/**
 * Every pair of `key` and `others` (deduplicated, `key` first), pairs sharing nobody at 0;
 * LIMIT_EXCEEDED beyond MAX_OVERLAP_KEYS definitions.
 */
export async function overlapOf(
  db: Database,
  kind: MembershipKind,
  key: string,
  others: readonly string[],
): Promise<OverlapRecord[]> {
  const keys = [key, ...new Set(others.filter((other) => other !== key))];
  if (keys.length > MAX_OVERLAP_KEYS)
    throw limitExceeded(`overlap takes at most ${MAX_OVERLAP_KEYS} ${kind}s`, { argument: "with" });
  await assertKnown(db, kind, keys);
  const rows = await db.query<OverlapRecord>(membershipOverlap(kind, keys));
  const sizes = new Map(rows.map((row) => [`${row.key}\u0000${row.otherKey}`, row.size]));
  const out: OverlapRecord[] = [];
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const [a, b] = keys[i] < keys[j] ? [keys[i], keys[j]] : [keys[j], keys[i]];
      out.push({ key: keys[i], otherKey: keys[j], size: sizes.get(`${a}\u0000${b}`) ?? 0 });
    }
  }
  return out;
}

/** Size at the end of each day of the range (in `timezone`; a relative range resolved now). */
export async function sizeHistoryOf(
  db: Database,
  kind: MembershipKind,
  key: string,
  range: TimeRangeSpec,
  timezone: string,
): Promise<SizePointRecord[]> {
  await assertKnown(db, kind, [key]);
  const bounds = rangeBounds(resolveTimeRange(range, timezone, new Date()), timezone);
  const [{ days }] = await db.query<{ days: number }>(
    sql`select extract(epoch from (${bounds.to} - ${bounds.from})) / 86400 as days`,
  );
  if (!(Number(days) > 0))
    throw badInput("timeRange.to must be after timeRange.from", { argument: "timeRange" });
  if (Number(days) > MAX_HISTORY_DAYS)
    throw limitExceeded(`sizeHistory covers at most ${MAX_HISTORY_DAYS} days`);
  return db.query<SizePointRecord>(membershipSizeHistory(kind, key, bounds, timezone));
}
