import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import {
  type CreateOptions,
  type DefinitionRecord,
  DefinitionService,
  definitionTable,
} from "../definitions/store";
import { badInput, notFound } from "../errors";
import { isNumberKey, type Page, type PageRequest, pageWindow, toPage } from "../pagination";
import { type MaterialiseReport, refreshDefinitions } from "../rules/materialise";
import type { RuleService } from "../rules/service";
import { bigintArray } from "../semantic/arrays";
import { mergeSurvivor } from "../semantic/facts";
import { byUserId, keysetPage } from "../semantic/keyset";
import { memberCount } from "../semantic/membership";
import type { TimeRangeSpec } from "../semantic/time-range";
import {
  type Actor,
  MAX_USER_IDS,
  RULE_DEFINITION_COLUMNS,
  resolveUserIds,
  updatedNameAndDescription,
  validateKey,
  validateNewDefinition,
  validateUserIds,
} from "../tags/definition";
import { type OverlapRecord, overlapOf, type SizePointRecord, sizeHistoryOf } from "../tags/membership";
import type { UserRecord } from "../users/service";

export const SEGMENT_KINDS = ["DYNAMIC", "STATIC"] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export interface SegmentRecord extends DefinitionRecord {
  kind: SegmentKind;
  rule: string | null;
  snapshotOf: string | null;
  size: number;
  refreshedAt: Date | null;
}

export interface SegmentMembershipRecord extends Record<string, unknown> {
  userId: number;
  key: string;
  enteredAt: Date;
}

export interface SegmentMemberRecord extends UserRecord {
  enteredAt: Date;
}

export interface CreateSegmentInput {
  key: string;
  name: string;
  description?: string | null;
  rule: string;
}

export interface CreateStaticSegmentInput {
  key: string;
  name: string;
  description?: string | null;
  userIds?: unknown[] | null;
  identities?: Array<{ type: string; value: string }> | null;
}

export interface UpdateSegmentInput {
  name?: string | null;
  description?: string | null;
  rule?: string | null;
}

/** Segments in the definition store: kind, rule and the frozen source beside the shared columns. */
const SEGMENT_TABLE = definitionTable(
  "segment",
  "Segment",
  [...RULE_DEFINITION_COLUMNS, { column: "snapshot_of", field: "snapshotOf", versioned: false }],
  memberCount("segment", "size"),
);

/** Segment definitions (dynamic, static, snapshots), members, overlaps, size history. */
export class SegmentService extends DefinitionService<SegmentRecord> {
  constructor(
    db: Database,
    private readonly rules: RuleService,
  ) {
    super(db, SEGMENT_TABLE);
  }

  require(key: string, db: Database = this.db): Promise<SegmentRecord> {
    return this.store.require(key, db);
  }

  /** A dynamic segment; its members are computed at once (unless `refresh: false`) and on every refresh. */
  async create(input: CreateSegmentInput, actor: Actor, options: CreateOptions = {}): Promise<SegmentRecord> {
    const { key, name, description } = validateNewDefinition(input);
    if (typeof input.rule !== "string" || input.rule.trim() === "")
      throw badInput("A dynamic segment needs a rule", { argument: "rule" });
    await this.db.transaction(async (tx) => {
      const checked = await this.rules.check(input.rule, "boolean", { kind: "segment", key }, tx, actor.pii);
      await this.store.insert(
        tx,
        key,
        { name, description, kind: "DYNAMIC", rule: checked.text, snapshotOf: null },
        actor,
      );
    });
    if (options.refresh !== false) await this.refresh([key]);
    return this.require(key);
  }

  /** A static segment from user ids and/or identities (each must name an existing profile). */
  async createStatic(input: CreateStaticSegmentInput, actor: Actor): Promise<SegmentRecord> {
    const { key, name, description } = validateNewDefinition(input);
    const ids = validateUserIds(input.userIds ?? []);
    const identities = input.identities ?? [];
    if (!Array.isArray(identities) || identities.length > MAX_USER_IDS)
      throw badInput(`identities must be a list of at most ${MAX_USER_IDS}`, { argument: "identities" });
    if (ids.length === 0 && identities.length === 0)
      throw badInput("Give userIds or identities for a static segment", { argument: "userIds" });
    await this.db.transaction(async (tx) => {
      const members = new Set([
        ...(await resolveUserIds(tx, ids)),
        ...(await this.resolveIdentities(tx, identities)),
      ]);
      await this.store.insert(
        tx,
        key,
        { name, description, kind: "STATIC", rule: null, snapshotOf: null },
        actor,
      );
      await this.addMembers(tx, key, [...members]);
    });
    return this.require(key);
  }

  /** Freezes the current members of `key` into a new static segment `newKey`. */
  async snapshot(key: string, newKey: string, actor: Actor): Promise<SegmentRecord> {
    validateKey(newKey, "newKey");
    await this.db.transaction(async (tx) => {
      const source = await this.store.require(key, tx);
      this.store.assertActive(source);
      await this.store.insert(
        tx,
        newKey,
        {
          name: `${source.name} (snapshot)`.slice(0, 200),
          description: source.description,
          kind: "STATIC",
          rule: null,
          snapshotOf: key,
        },
        actor,
        "snapshot",
      );
      await tx.query(sql`
        with added as (insert into segment_members (segment_key, user_id)
          select ${newKey}, user_id from segment_members where segment_key = ${key} returning user_id)
        insert into segment_membership_changes (segment_key, user_id, change) select ${newKey}, user_id, 'entered' from added`);
    });
    return this.require(newKey);
  }

  async update(
    key: string,
    input: UpdateSegmentInput,
    expectedVersion: number,
    actor: Actor,
  ): Promise<SegmentRecord> {
    const { before, after } = await this.store.update(key, expectedVersion, actor, async (before, tx) => {
      if (input.rule != null && before.kind === "STATIC")
        throw badInput("A static segment has no rule", { argument: "rule" });
      return {
        ...updatedNameAndDescription(before, input),
        rule:
          input.rule == null
            ? before.rule
            : (await this.rules.check(input.rule, "boolean", { kind: "segment", key }, tx, actor.pii)).text,
      };
    });
    if (after.rule !== before.rule) await this.refresh([key]);
    return this.require(key);
  }

  /** Archives a segment and removes its members (recorded as exits). Refused while rules use it. */
  archive(key: string, actor: Actor): Promise<SegmentRecord> {
    return this.store.archive(key, actor, async (_before, tx) => {
      await this.rules.refuseIfUsed("segment", key, tx);
      await tx.query(sql`with exited as (delete from segment_members where segment_key = ${key} returning user_id)
        insert into segment_membership_changes (segment_key, user_id, change) select ${key}, user_id, 'exited' from exited`);
    });
  }

  /** Recomputes dynamic segments (all active ones when `keys` is absent) in one shared pass. */
  async refresh(keys?: readonly string[] | null): Promise<MaterialiseReport> {
    if (keys) {
      for (const key of keys) {
        const segment = await this.get(key);
        if (segment?.status !== "ACTIVE")
          throw notFound(`Segment "${key}" does not exist or is archived`, { argument: "keys", key });
        if (segment.kind !== "DYNAMIC") throw badInput(`Segment "${key}" is static`, { argument: "keys" });
      }
    }
    return refreshDefinitions(
      this.db,
      { tags: [], segments: keys ?? undefined },
      new Date(),
      this.rules.sendTime,
    );
  }

  /** Members in user id order (keyset on user id, so pages stay stable while members change). */
  async members(key: string, request: PageRequest): Promise<Page<SegmentMemberRecord>> {
    const window = pageWindow(request, isNumberKey);
    await this.require(key);
    const [rows, [{ count }]] = await Promise.all([
      this.memberRows(key, keysetPage(window, byUserId(sql`sm.user_id`))),
      this.db.query<{ count: number }>(
        sql`select count(*)::int as count from segment_members where segment_key = ${key}`,
      ),
    ]);
    return toPage(rows, window, (row) => row.id, count);
  }

  /** Up to `limit` members after user id `afterUserId`, in id order (export batches; no count). */
  async memberBatch(key: string, afterUserId: number, limit: number): Promise<SegmentMemberRecord[]> {
    const page = keysetPage(
      { size: limit - 1, backward: false, cursor: afterUserId },
      byUserId(sql`sm.user_id`),
    );
    return this.memberRows(key, page);
  }

  private memberRows(key: string, page: ReturnType<typeof keysetPage>): Promise<SegmentMemberRecord[]> {
    return this.db.query<SegmentMemberRecord>(sql`
      select u.id, u.created_at as "createdAt", u.first_seen_at as "firstSeenAt", u.last_seen_at as "lastSeenAt",
        u.traits, u.merged_into as "mergedInto", sm.entered_at as "enteredAt"
      from segment_members sm join users u on u.id = sm.user_id
      where sm.segment_key = ${key} and ${page.past}
      order by ${page.orderBy} limit ${page.limit}`);
  }

  /** Pairwise member overlaps among `key` and `others`. */
  async overlap(key: string, others: readonly string[]): Promise<OverlapRecord[]> {
    return overlapOf(this.db, "segment", key, others);
  }

  /** Size at the end of each day of the range (in `timezone`; a relative range resolved now), from recorded entries and exits. */
  async sizeHistory(key: string, range: TimeRangeSpec, timezone: string): Promise<SizePointRecord[]> {
    return sizeHistoryOf(this.db, "segment", key, range, timezone);
  }

  async segmentsOfUsers(userIds: readonly number[]): Promise<SegmentMembershipRecord[][]> {
    const rows = await this.db.query<SegmentMembershipRecord>(sql`
      select sm.user_id as "userId", sm.segment_key as key, sm.entered_at as "enteredAt"
      from segment_members sm join segments s on s.key = sm.segment_key and s.status = 'ACTIVE'
      where sm.user_id = any(${bigintArray(userIds)}) order by sm.segment_key`);
    const byUser = new Map<number, SegmentMembershipRecord[]>();
    for (const row of rows) byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), row]);
    return userIds.map((id) => byUser.get(id) ?? []);
  }

  private async addMembers(tx: Database, key: string, userIds: number[]): Promise<void> {
    if (userIds.length === 0) return;
    await tx.query(sql`
      with added as (insert into segment_members (segment_key, user_id)
        select ${key}, id from unnest(${bigintArray(userIds)}) as u(id) on conflict do nothing returning user_id)
      insert into segment_membership_changes (segment_key, user_id, change) select ${key}, user_id, 'entered' from added`);
  }

  private async resolveIdentities(
    tx: Database,
    identities: Array<{ type: string; value: string }>,
  ): Promise<number[]> {
    if (identities.length === 0) return [];
    for (const identity of identities) {
      if (typeof identity?.type !== "string" || typeof identity?.value !== "string")
        throw badInput("Each identity needs a type and a value", { argument: "identities" });
    }
    const owner = mergeSurvivor(sql`i.user_id`);
    const rows = await tx.query<{ type: string; value: string; userId: number | null }>(sql`
      select r.type, r.value, u.id as "userId"
      from jsonb_to_recordset(${JSON.stringify(identities)}::jsonb) as r(type text, value text)
      left join identities i on i.type = r.type and i.value = r.value
      ${owner.join}
      left join users u on u.id = ${owner.id} and u.merged_into is null`);
    const missing = rows.filter((row) => row.userId === null);
    if (missing.length) {
      throw badInput(
        `identities: no profile has ${missing
          .slice(0, 5)
          .map((row) => `${row.type}:${row.value}`)
          .join(", ")}${missing.length > 5 ? " …" : ""}`,
        { argument: "identities", missing: missing.length },
      );
    }
    return rows.map((row) => row.userId as number);
  }
}
