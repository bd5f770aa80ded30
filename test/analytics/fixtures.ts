import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client";

/** One event of a fixture: [id, user, name, ISO time, properties?, channel?]. Ids fix the order of equal times. */
export type FixtureEvent = [number, number, string, string, Record<string, unknown>?, string?];

export async function insertUsers(
  db: Database,
  users: Array<[number, Record<string, unknown>?, number?]>,
): Promise<void> {
  const rows = users.map(
    ([id, traits, mergedInto]) =>
      sql`(${id}, ${JSON.stringify(traits ?? {})}::jsonb, ${mergedInto ?? null}::bigint)`,
  );
  await db.query(
    sql`insert into users (id, traits, merged_into) overriding system value values ${sql.join(rows, sql`, `)}`,
  );
  const merges = users.filter(([, , mergedInto]) => mergedInto);
  if (merges.length > 0) {
    const values = merges.map(([id, , into]) => sql`(${id}, ${into}, ${into})`);
    await db.query(
      sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values ${sql.join(values, sql`, `)}`,
    );
  }
}

export async function insertEvents(db: Database, events: FixtureEvent[]): Promise<void> {
  const rows = events.map(
    ([id, user, name, ts, properties, channel]) =>
      sql`(${id}, ${user}, ${`m-${id}`}, ${name}, ${ts}::timestamptz, ${JSON.stringify(properties ?? {})}::jsonb, ${channel ?? null})`,
  );
  await db.query(sql`insert into events (id, user_id, message_id, name, ts, properties, channel)
    overriding system value values ${sql.join(rows, sql`, `)}`);
}
