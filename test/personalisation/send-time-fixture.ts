import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client";

/**
 * Four profiles in the week of Monday 2026-11-02 (times UTC; the shop's zone is UTC here):
 * - A (1), no time-zone trait: page_view Mon 09:10, app_open Mon 09:40, page_view Tue 20:05,
 *   app_open Thu 09:15, and a product_view Sun 03:00 that is not activity.
 * - D (4), merged into A: page_view Tue 20:30 (counts for A).
 * - B (2), trait timezone Asia/Shanghai (UTC+8): app_open Mon 01:30 (local Mon 09:30) and
 *   campaign_opened Wed 12:05, 12:15, 12:25, 12:35 (local Wed 20:xx).
 * - C (3), trait timezone "Mars/Olympus" (no such zone → UTC), no events.
 * Hours of the week (0 = Monday 00:00 local): Mon 9 = 9, Tue 20 = 44, Wed 20 = 68, Thu 9 = 81.
 * A: n9 = 2, n44 = 2, n81 = 1 (n = 5); B: n9 = 1, n68 = 4 (n = 5).
 * Population: bin 9: 3, 44: 2, 68: 4, 81: 1 of 10 events → p9 = .3, p44 = .2, p68 = .4, p81 = .1;
 * the population's best bin is 68.
 */
export const A = 1;
export const B = 2;
export const C = 3;
export const D = 4;

export async function loadSendTimeFixture(db: Database): Promise<void> {
  const users: Array<[number, Record<string, unknown>, number | null]> = [
    [A, {}, null],
    [B, { timezone: "Asia/Shanghai" }, null],
    [C, { timezone: "Mars/Olympus" }, null],
    [D, {}, A],
  ];
  for (const [id, traits, mergedInto] of users) {
    await db.query(sql`insert into users (id, traits, merged_into) overriding system value
      values (${id}, ${JSON.stringify(traits)}::jsonb, ${mergedInto})`);
  }
  await db.query(
    sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (${D}, ${A}, ${A})`,
  );
  const events: Array<[number, string, string]> = [
    [A, "page_view", "2026-11-02T09:10:00Z"],
    [A, "app_open", "2026-11-02T09:40:00Z"],
    [A, "page_view", "2026-11-03T20:05:00Z"],
    [A, "app_open", "2026-11-05T09:15:00Z"],
    [A, "product_view", "2026-11-08T03:00:00Z"],
    [D, "page_view", "2026-11-03T20:30:00Z"],
    [B, "app_open", "2026-11-02T01:30:00Z"],
    [B, "campaign_opened", "2026-11-04T12:05:00Z"],
    [B, "campaign_opened", "2026-11-04T12:15:00Z"],
    [B, "campaign_opened", "2026-11-04T12:25:00Z"],
    [B, "campaign_opened", "2026-11-04T12:35:00Z"],
  ];
  let n = 0;
  for (const [user, name, ts] of events) {
    await db.query(sql`insert into events (user_id, message_id, name, ts)
      values (${user}, ${`m${n++}`}, ${name}, ${ts}::timestamptz)`);
  }
}
