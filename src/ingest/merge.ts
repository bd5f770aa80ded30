import { sql } from "drizzle-orm";
import type { Database } from "../db/client";

type Traits = Record<string, unknown>;
type TraitTimes = Record<string, string>;

/**
 * Per trait, the value set most recently wins; a trait without a recorded time loses to
 * one with a time. Ties keep the survivor's value.
 */
export function mergeTraits(
  survivor: { traits: Traits; times: TraitTimes },
  loser: { traits: Traits; times: TraitTimes },
): { traits: Traits; times: TraitTimes } {
  const traits = { ...survivor.traits };
  const times = { ...survivor.times };
  for (const [key, value] of Object.entries(loser.traits)) {
    const loserAt = Date.parse(loser.times[key] ?? "") || Number.NEGATIVE_INFINITY;
    const survivorAt = key in traits ? Date.parse(times[key] ?? "") || Number.NEGATIVE_INFINITY : Number.NaN;
    if (Number.isNaN(survivorAt) || loserAt > survivorAt) {
      traits[key] = value;
      if (loser.times[key]) times[key] = loser.times[key];
    }
  }
  return { traits, times };
}

/**
 * Merges a stored profile into another: records the merge and re-points older
 * merges so `user_merges.survivor_id` always names the final survivor, moves identities
 * and manual tags, merges traits and the seen range, and marks the loser. Events and
 * orders are not rewritten: every fact source resolves them through `user_merges`.
 */
export async function mergeProfiles(
  tx: Database,
  loserId: number,
  survivorId: number,
  reason: Record<string, unknown>,
): Promise<void> {
  await tx.query(sql`
    insert into user_merges (loser_id, survivor_id, merged_into_at_time, reason)
    values (${loserId}, ${survivorId}, ${survivorId}, ${JSON.stringify(reason)}::jsonb)`);
  await tx.query(sql`update user_merges set survivor_id = ${survivorId} where survivor_id = ${loserId}`);
  await tx.query(sql`update identities set user_id = ${survivorId} where user_id = ${loserId}`);
  await moveManualTags(tx, loserId, survivorId);
  const rows = await tx.query<{
    id: number;
    traits: Traits;
    times: TraitTimes;
    firstSeenAt: Date;
    lastSeenAt: Date;
  }>(sql`
    select id, traits, traits_updated_at as times, first_seen_at as "firstSeenAt", last_seen_at as "lastSeenAt"
    from users where id in (${survivorId}, ${loserId})`);
  const survivor = rows.find((row) => row.id === survivorId)!;
  const loser = rows.find((row) => row.id === loserId)!;
  const merged = mergeTraits(survivor, loser);
  const first = new Date(Math.min(survivor.firstSeenAt.getTime(), loser.firstSeenAt.getTime()));
  const last = new Date(Math.max(survivor.lastSeenAt.getTime(), loser.lastSeenAt.getTime()));
  await tx.query(sql`
    update users set traits = ${JSON.stringify(merged.traits)}::jsonb,
      traits_updated_at = ${JSON.stringify(merged.times)}::jsonb,
      first_seen_at = ${first.toISOString()}::timestamptz, last_seen_at = ${last.toISOString()}::timestamptz
    where id = ${survivorId}`);
  await tx.query(sql`
    update users set merged_into = ${survivorId} where id = ${loserId} or merged_into = ${loserId}`);
}

/**
 * Manual tag assignments follow the person: the loser's rows of MANUAL tags move to the
 * survivor; where both hold the tag, the more recent assignment wins. Computed tags are
 * recomputed by their refresh and are left alone.
 */
export async function moveManualTags(tx: Database, loserId: number, survivorId: number): Promise<void> {
  // The loser leaves each manual tag and the survivor enters those it did not hold, both
  // logged like any other entry or exit so size history and "who entered" stay true.
  await tx.query(sql`
    with moved as (
      delete from tag_members m using tags t
      where m.user_id = ${loserId} and t.key = m.tag_key and t.kind = 'MANUAL'
      returning m.tag_key, m.value, m.assigned_at
    ), held as materialized (
      -- Materialized: Citus runs CTEs one after another instead of on one snapshot, and an
      -- inlined \`held\` would already see the upsert below.
      select tag_key from tag_members where user_id = ${survivorId} and tag_key in (select tag_key from moved)
    ), upserted as (
      insert into tag_members (tag_key, user_id, value, assigned_at)
      select tag_key, ${survivorId}::bigint, value, assigned_at from moved
      on conflict (user_id, tag_key) do update set value = excluded.value, assigned_at = excluded.assigned_at
        where tag_members.assigned_at < excluded.assigned_at
      returning tag_key
    )
    insert into tag_membership_changes (tag_key, user_id, change, value)
    select tag_key, ${loserId}::bigint, 'exited', value from moved
    union all
    select tag_key, ${survivorId}::bigint, 'entered', value from moved where tag_key not in (select tag_key from held)`);
}
