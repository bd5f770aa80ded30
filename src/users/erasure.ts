import { type SQL, sql } from "drizzle-orm";
import type { PiiPolicy } from "../access/pii";
import { recordAudit } from "../audit/service";
import type { Database } from "../db/client";
import { lockProfiles } from "../db/locks";
import { badInput, notFound } from "../errors";
import { bigintArray, textArray } from "../semantic/arrays";
import { dropEmptyEventRollups, eventRollupDelta } from "../semantic/rollups";
import type { Actor } from "../tags/definition";

/** What one erasure removed; all zero when the person had already been erased. */
export interface ErasureResult {
  /** The surviving profile the id resolves to. */
  userId: number;
  /** That profile and every profile merged into it. */
  profiles: number[];
  identities: number;
  profilesWithTraits: number;
  events: number;
  tagMemberships: number;
  segmentMemberships: number;
  auditEntries: number;
  /** False when nothing was left to remove (a repeated erasure changes nothing). */
  changed: boolean;
}

/** Events rewritten per statement (their new properties travel as one JSON parameter). */
const EVENT_BATCH = 1000;

/** What replaces a person's value inside audit payloads. */
export const ERASED = "[erased]";

/** The encoding of a string inside JSON text (`jsonb::text`), to find it in stored payloads. */
const jsonInner = (value: string) => JSON.stringify(value).slice(1, -1);

/** A copy of a JSON value with every occurrence of the values inside strings replaced by ERASED. */
export function scrubValues(value: unknown, values: readonly string[]): unknown {
  if (typeof value === "string")
    return values.reduce((text, erased) => text.split(erased).join(ERASED), value);
  if (Array.isArray(value)) return value.map((item) => scrubValues(item, values));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValues(v, values)]));
  return value;
}

/**
 * The right to erasure. Removes a person's PII — of the profile an id resolves to and of
 * every profile merged into it: all traits, every identity, the PII properties and the
 * anonymous id of their events, the identity values of merge reasons, their values in
 * audit payloads, and their tag and segment memberships (exits logged, history values
 * cleared). Events, orders and amounts stay under the now anonymous profile, so every
 * aggregate keeps its value; so do launched campaigns' frozen audiences (profile id and arm,
 * no PII), so a campaign's results do not move after its launch. One transaction; idempotent; the erasure is audited without PII.
 */
export class ErasureService {
  constructor(
    private readonly db: Database,
    private readonly pii: PiiPolicy,
  ) {}

  async erase(id: string | number, actor: Actor): Promise<ErasureResult> {
    const text = String(id);
    if (!/^\d{1,15}$/.test(text)) throw badInput("id must be a profile id", { argument: "id" });
    return this.db.transaction(async (tx) => {
      const [found] = await tx.query<{ survivor: number }>(sql`
        select coalesce(merged_into, id) as survivor from users where id = ${Number(text)}`);
      if (!found) throw notFound(`Profile ${text} does not exist`, { argument: "id", id: text });
      const survivor = found.survivor;
      // Serialises erasures and merges of this person (the lock identity resolution takes).
      await tx.query(lockProfiles([survivor]));
      const profileRows = await tx.query<{ id: number }>(sql`
        select ${survivor}::bigint as id union select loser_id from user_merges where survivor_id = ${survivor}
        order by id`);
      const profiles = profileRows.map((row) => row.id);
      const ids = bigintArray(profiles);
      const scrubbed = await this.scrubbedEvents(tx, ids);
      const values = await this.personValues(tx, ids, scrubbed.removed);
      const auditEntries = await this.scrubAudit(tx, values);

      const identities = await tx.query(sql`delete from identities where user_id = any(${ids}) returning 1`);
      const traits = await tx.query(sql`
        update users set traits = '{}'::jsonb, traits_updated_at = '{}'::jsonb
        where id = any(${ids}) and (traits <> '{}'::jsonb or traits_updated_at <> '{}'::jsonb) returning 1`);
      const events = new Set<string>();
      for (let start = 0; start < scrubbed.rows.length; start += EVENT_BATCH) {
        const batch = scrubbed.rows.slice(start, start + EVENT_BATCH);
        // The user-day rollups slice events by a property (`campaign`): the scrubbed events leave
        // them before the update and re-enter with their new properties after it.
        const scrubbedEvents = sql`(select e.* from events e
          join json_to_recordset(${JSON.stringify(batch.map(({ userId, id }) => ({ userId, id })))}::json)
            as x("userId" bigint, id bigint) on e.user_id = x."userId" and e.id = x.id)`;
        await tx.query(eventRollupDelta(scrubbedEvents, -1));
        const updated = await tx.query<{ userId: number; id: number }>(sql`
          update events e set properties = x.properties
          from json_to_recordset(${JSON.stringify(batch)}::json) as x("userId" bigint, id bigint, properties jsonb)
          where e.user_id = x."userId" and e.id = x.id returning e.user_id as "userId", e.id`);
        await tx.query(eventRollupDelta(scrubbedEvents, 1));
        for (const row of updated) events.add(`${row.userId}:${row.id}`);
      }
      if (scrubbed.rows.length) await tx.query(dropEmptyEventRollups(ids));
      const anonymous = await tx.query<{ userId: number; id: number }>(sql`
        update events set anonymous_id = null where user_id = any(${ids}) and anonymous_id is not null
        returning user_id as "userId", id`);
      for (const row of anonymous) events.add(`${row.userId}:${row.id}`);
      await tx.query(sql`
        update user_merges set reason = reason - 'identities'
        where (survivor_id = ${survivor} or loser_id = any(${ids})) and reason ? 'identities'`);
      const [{ tags, segments }] = await tx.query<{ tags: number; segments: number }>(sql`
        with tag_exits as (
          delete from tag_members where user_id = any(${ids}) returning tag_key, user_id
        ), tag_logged as (
          insert into tag_membership_changes (tag_key, user_id, change)
          select tag_key, user_id, 'exited' from tag_exits returning 1
        ), segment_exits as (
          delete from segment_members where user_id = any(${ids}) returning segment_key, user_id
        ), segment_logged as (
          insert into segment_membership_changes (segment_key, user_id, change)
          select segment_key, user_id, 'exited' from segment_exits returning 1
        )
        select (select count(*) from tag_logged)::int as tags, (select count(*) from segment_logged)::int as segments`);
      // Scrubbed event properties and removed memberships: the incremental refresh re-evaluates
      // profiles updated since its watermark (cleared traits moved `updated_at` already).
      if (events.size + tags + segments > 0)
        await tx.query(sql`update users set updated_at = now() where id = any(${ids})`);
      // A VALUE tag's history holds the person's values (an email, a name).
      await tx.query(sql`
        update tag_membership_changes set value = null where user_id = any(${ids}) and value is not null`);

      const result: ErasureResult = {
        userId: survivor,
        profiles,
        identities: identities.length,
        profilesWithTraits: traits.length,
        events: events.size,
        tagMemberships: tags,
        segmentMemberships: segments,
        auditEntries,
        changed: false,
      };
      result.changed =
        result.identities + result.profilesWithTraits + result.events + tags + segments + auditEntries > 0;
      if (result.changed) {
        const { changed: _, ...counts } = result;
        await recordAudit(tx, {
          actor: actor.name,
          action: "erase",
          entityType: "user",
          entityKey: String(survivor),
          after: counts,
          requestId: actor.requestId,
        });
      }
      return result;
    });
  }

  /**
   * The person's events whose properties hold PII keys (at any depth), with those keys
   * removed, and the removed values. SQL narrows to events whose JSON text names a PII key;
   * the policy decides exactly.
   */
  private async scrubbedEvents(
    tx: Database,
    ids: SQL,
  ): Promise<{
    rows: Array<{ userId: number; id: number; properties: Record<string, unknown> }>;
    removed: unknown[];
  }> {
    const keys = this.pii.declaration.eventProperties.map((key) => `"${key.toLowerCase()}":`);
    const candidates = await tx.query<{
      userId: number;
      id: number;
      properties: Record<string, unknown>;
    }>(sql`
      select user_id as "userId", id, properties from events
      where user_id = any(${ids}) and exists (select 1 from unnest(${textArray(keys)}) k where strpos(lower(properties::text), k) > 0)`);
    const rows: Array<{ userId: number; id: number; properties: Record<string, unknown> }> = [];
    const removed: unknown[] = [];
    for (const event of candidates) {
      const split = this.pii.withoutEventPii(event.properties);
      if (split.removed.length === 0) continue;
      rows.push({ userId: event.userId, id: event.id, properties: split.kept });
      removed.push(...split.removed);
    }
    return { rows, removed };
  }

  /**
   * The person's identifying strings, to find in audit payloads: identity values, string
   * values of PII traits and of removed PII event properties (at least two characters, so
   * a stray letter does not scrub unrelated entries).
   */
  private async personValues(tx: Database, ids: SQL, removedProperties: unknown[]): Promise<string[]> {
    const identities = await tx.query<{ value: string }>(
      sql`select value from identities where user_id = any(${ids})`,
    );
    const users = await tx.query<{ traits: Record<string, unknown> }>(
      sql`select traits from users where id = any(${ids})`,
    );
    const values = new Set<string>([
      ...identities.map((row) => row.value),
      ...removedProperties.flatMap(stringsIn),
    ]);
    for (const { traits } of users)
      for (const [key, value] of Object.entries(traits))
        if (this.pii.isPiiTrait(key)) for (const text of stringsIn(value)) values.add(text);
    return [...values].filter((value) => value.length >= 2).sort((a, b) => b.length - a.length);
  }

  /** Replaces the values in every audit payload that holds one; returns how many entries changed. */
  private async scrubAudit(tx: Database, values: string[]): Promise<number> {
    if (values.length === 0) return 0;
    const needles = textArray(values.map(jsonInner));
    const rows = await tx.query<{ id: number; before: unknown; after: unknown }>(sql`
      select a.id, a.before, a.after from audit_log a
      where exists (select 1 from unnest(${needles}) v
        where strpos(coalesce(a.before::text, '') || ' ' || coalesce(a.after::text, ''), v) > 0)`);
    for (const row of rows) {
      await tx.query(sql`
        update audit_log set before = ${row.before === null ? null : JSON.stringify(scrubValues(row.before, values))}::jsonb,
          after = ${row.after === null ? null : JSON.stringify(scrubValues(row.after, values))}::jsonb
        where id = ${row.id}`);
    }
    return rows.length;
  }
}

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value === "number") return [String(value)];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}
