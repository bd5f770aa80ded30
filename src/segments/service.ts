import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/service";
import type { Database } from "../db/client";
import { badInput, conflict, limitExceeded, notFound } from "../errors";
import { isNumberKey, type Page, type PageRequest, pageWindow, toPage } from "../pagination";
import { type MaterialiseReport, refreshDefinitions } from "../rules/materialise";
import type { RuleService } from "../rules/service";
import { bigintArray } from "../semantic/arrays";
import { mergeSurvivor } from "../semantic/facts";
import { byUserId, keysetPage } from "../semantic/keyset";
import { bucketSeries, rangeBounds } from "../semantic/time";
import { resolveTimeRange, type TimeRangeSpec } from "../semantic/time-range";
import {
  type Actor,
  DEFINITION_STATUSES,
  type DefinitionStatus,
  MAX_USER_IDS,
  resolveUserIds,
  validateDescription,
  validateKey,
  validateName,
  validateUserIds,
} from "../tags/definition";
import type { UserRecord } from "../users/service";

export const SEGMENT_KINDS = ["DYNAMIC", "STATIC"] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export interface SegmentRecord extends Record<string, unknown> {
  key: string;
  name: string;
  description: string;
  kind: SegmentKind;
  rule: string | null;
  status: DefinitionStatus;
  version: number;
  snapshotOf: string | null;
  size: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
  refreshedAt: Date | null;
}

export interface SegmentVersionRecord extends Record<string, unknown> {
  segmentKey: string;
  version: number;
  name: string;
  description: string;
  kind: string;
  rule: string | null;
  status: string;
  author: string;
  createdAt: Date;
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

export interface OverlapRecord extends Record<string, unknown> {
  key: string;
  otherKey: string;
  size: number;
}

const segmentColumns = sql`s.key, s.name, s.description, s.kind, s.rule, s.status, s.version, s.snapshot_of as "snapshotOf",
  (select count(*)::int from segment_members sm where sm.segment_key = s.key) as size,
  s.created_at as "createdAt", s.updated_at as "updatedAt", s.updated_by as "updatedBy", s.refreshed_at as "refreshedAt"`;

const definitionOf = (segment: SegmentRecord) => ({
  key: segment.key,
  name: segment.name,
  description: segment.description,
  kind: segment.kind,
  rule: segment.rule,
  status: segment.status,
  version: segment.version,
  snapshotOf: segment.snapshotOf,
});

const MAX_HISTORY_DAYS = 1000;

/** Segment definitions (dynamic, static, snapshots), members, overlaps, size history. */
export class SegmentService {
  constructor(
    private readonly db: Database,
    private readonly rules: RuleService,
  ) {}

  async list(filter: { status?: DefinitionStatus | null } = {}): Promise<SegmentRecord[]> {
    if (filter.status && !DEFINITION_STATUSES.includes(filter.status))
      throw badInput("status must be ACTIVE or ARCHIVED", { argument: "status" });
    return this.db.query<SegmentRecord>(sql`select ${segmentColumns} from segments s
      where (${filter.status ?? null}::text is null or s.status = ${filter.status ?? null}::text) order by s.key`);
  }

  async get(key: string, db: Database = this.db): Promise<SegmentRecord | null> {
    const [row] = await db.query<SegmentRecord>(
      sql`select ${segmentColumns} from segments s where s.key = ${key}`,
    );
    return row ?? null;
  }

  async require(key: string, db: Database = this.db, lock = false): Promise<SegmentRecord> {
    if (lock) await db.query(sql`select 1 from segments where key = ${key} for update`);
    const segment = await this.get(key, db);
    if (!segment) throw notFound(`Segment "${key}" does not exist`, { argument: "key", key });
    return segment;
  }

  async historyOf(keys: readonly string[]): Promise<SegmentVersionRecord[][]> {
    const rows = await this.db.query<SegmentVersionRecord>(sql`
      select segment_key as "segmentKey", version, name, description, kind, rule, status, author, created_at as "createdAt"
      from segment_versions where segment_key in (${sql.join(
        keys.map((k) => sql`${k}::text`),
        sql`, `,
      )}) order by segment_key, version desc`);
    return keys.map((key) => rows.filter((row) => row.segmentKey === key));
  }

  /** A dynamic segment; its members are computed at once and on every refresh. */
  async create(input: CreateSegmentInput, actor: Actor): Promise<SegmentRecord> {
    const key = validateKey(input.key);
    const name = validateName(input.name);
    const description = validateDescription(input.description);
    if (typeof input.rule !== "string" || input.rule.trim() === "")
      throw badInput("A dynamic segment needs a rule", { argument: "rule" });
    await this.db.transaction(async (tx) => {
      const checked = await this.rules.check(input.rule, "boolean", { kind: "segment", key }, tx, actor.pii);
      await this.insert(
        tx,
        { key, name, description, kind: "DYNAMIC", rule: checked.text, snapshotOf: null },
        actor,
      );
    });
    await this.refresh([key]);
    return this.require(key);
  }

  /** A static segment from user ids and/or identities (each must name an existing profile). */
  async createStatic(input: CreateStaticSegmentInput, actor: Actor): Promise<SegmentRecord> {
    const key = validateKey(input.key);
    const name = validateName(input.name);
    const description = validateDescription(input.description);
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
      await this.insert(tx, { key, name, description, kind: "STATIC", rule: null, snapshotOf: null }, actor);
      await this.addMembers(tx, key, [...members]);
    });
    return this.require(key);
  }

  /** Freezes the current members of `key` into a new static segment `newKey`. */
  async snapshot(key: string, newKey: string, actor: Actor): Promise<SegmentRecord> {
    validateKey(newKey, "newKey");
    await this.db.transaction(async (tx) => {
      const source = await this.require(key, tx);
      if (source.status !== "ACTIVE") throw badInput(`Segment "${key}" is archived`, { argument: "key" });
      await this.insert(
        tx,
        {
          key: newKey,
          name: `${source.name} (snapshot)`.slice(0, 200),
          description: source.description,
          kind: "STATIC",
          rule: null,
          snapshotOf: key,
        },
        actor,
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
    if (!Number.isInteger(expectedVersion))
      throw badInput("expectedVersion must be an integer", { argument: "expectedVersion" });
    const { ruleChanged } = await this.db.transaction(async (tx) => {
      const before = await this.require(key, tx, true);
      if (before.version !== expectedVersion) {
        throw conflict(
          `Segment "${key}" is at version ${before.version}, not ${expectedVersion}; reload and retry`,
          {
            key,
            currentVersion: before.version,
          },
        );
      }
      if (before.status !== "ACTIVE") throw badInput(`Segment "${key}" is archived`, { argument: "key" });
      if (input.rule != null && before.kind === "STATIC")
        throw badInput("A static segment has no rule", { argument: "rule" });
      const name = input.name == null ? before.name : validateName(input.name);
      const description =
        input.description == null ? before.description : validateDescription(input.description);
      const rule =
        input.rule == null
          ? before.rule
          : (await this.rules.check(input.rule, "boolean", { kind: "segment", key }, tx, actor.pii)).text;
      await tx.query(sql`update segments set name = ${name}, description = ${description}, rule = ${rule},
        version = version + 1, updated_at = now(), updated_by = ${actor.name} where key = ${key}`);
      const after = await this.writeVersion(key, actor, tx);
      await recordAudit(tx, {
        actor: actor.name,
        action: "update",
        entityType: "segment",
        entityKey: key,
        before: definitionOf(before),
        after: definitionOf(after),
        requestId: actor.requestId,
      });
      return { ruleChanged: rule !== before.rule };
    });
    if (ruleChanged) await this.refresh([key]);
    return this.require(key);
  }

  async archive(key: string, actor: Actor): Promise<SegmentRecord> {
    await this.db.transaction(async (tx) => {
      const before = await this.require(key, tx, true);
      if (before.status === "ARCHIVED") return;
      const dependents = await this.rules.dependents("segment", key, tx);
      if (dependents.length)
        throw conflict(`Segment "${key}" is used by ${dependents.join(", ")}; change those first`, {
          key,
          dependents,
        });
      await tx.query(sql`update segments set status = 'ARCHIVED', version = version + 1, updated_at = now(),
        updated_by = ${actor.name} where key = ${key}`);
      await tx.query(sql`with exited as (delete from segment_members where segment_key = ${key} returning user_id)
        insert into segment_membership_changes (segment_key, user_id, change) select ${key}, user_id, 'exited' from exited`);
      const after = await this.writeVersion(key, actor, tx);
      await recordAudit(tx, {
        actor: actor.name,
        action: "archive",
        entityType: "segment",
        entityKey: key,
        before: definitionOf(before),
        after: definitionOf(after),
        requestId: actor.requestId,
      });
    });
    return this.require(key);
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
    return refreshDefinitions(this.db, { tags: [], segments: keys ?? undefined });
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
    const keys = [key, ...others.filter((other) => other !== key)];
    if (keys.length > 20) throw limitExceeded("overlap takes at most 20 segments", { argument: "with" });
    for (const k of keys) await this.require(k);
    const rows = await this.db.query<OverlapRecord>(sql`
      select a.segment_key as key, b.segment_key as "otherKey", count(*)::int as size
      from segment_members a join segment_members b on b.user_id = a.user_id and b.segment_key > a.segment_key
      where a.segment_key in (${sql.join(
        keys.map((k) => sql`${k}::text`),
        sql`, `,
      )}) and b.segment_key in (${sql.join(
        keys.map((k) => sql`${k}::text`),
        sql`, `,
      )})
      group by a.segment_key, b.segment_key`);
    const out: OverlapRecord[] = [];
    for (let i = 0; i < keys.length; i++) {
      for (let j = i + 1; j < keys.length; j++) {
        const [a, b] = keys[i] < keys[j] ? [keys[i], keys[j]] : [keys[j], keys[i]];
        const size = rows.find((row) => row.key === a && row.otherKey === b)?.size ?? 0;
        out.push({ key: keys[i], otherKey: keys[j], size });
      }
    }
    return out;
  }

  /** Size at the end of each day of the range (in `timezone`; a relative range resolved now), from recorded entries and exits. */
  async sizeHistory(
    key: string,
    range: TimeRangeSpec,
    timezone: string,
  ): Promise<Array<{ at: Date; size: number }>> {
    await this.require(key);
    const bounds = rangeBounds(resolveTimeRange(range, timezone, new Date()), timezone);
    const [{ days }] = await this.db.query<{ days: number }>(
      sql`select extract(epoch from (${bounds.to} - ${bounds.from})) / 86400 as days`,
    );
    if (!(Number(days) > 0))
      throw badInput("timeRange.to must be after timeRange.from", { argument: "timeRange" });
    if (Number(days) > MAX_HISTORY_DAYS)
      throw limitExceeded(`sizeHistory covers at most ${MAX_HISTORY_DAYS} days`);
    return this.db.query<{ at: Date; size: number }>(sql`
      select b.bucket as at, (
        select (count(*) filter (where c.change = 'entered') - count(*) filter (where c.change = 'exited'))::int
        from segment_membership_changes c
        where c.segment_key = ${key} and c.at < (((b.bucket at time zone ${timezone}) + interval '1 day') at time zone ${timezone})
      ) as size
      from ${bucketSeries("DAY", timezone, bounds)} b order by b.bucket`);
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

  private async insert(
    tx: Database,
    row: {
      key: string;
      name: string;
      description: string;
      kind: SegmentKind;
      rule: string | null;
      snapshotOf: string | null;
    },
    actor: Actor,
  ): Promise<void> {
    const inserted = await tx.query(sql`
      insert into segments (key, name, description, kind, rule, status, version, snapshot_of, updated_by)
      values (${row.key}, ${row.name}, ${row.description}, ${row.kind}, ${row.rule}, 'ACTIVE', 1, ${row.snapshotOf}, ${actor.name})
      on conflict (key) do nothing returning key`);
    if (inserted.length === 0)
      throw conflict(`Segment "${row.key}" already exists`, { argument: "key", key: row.key });
    const created = await this.writeVersion(row.key, actor, tx);
    await recordAudit(tx, {
      actor: actor.name,
      action: row.snapshotOf ? "snapshot" : "create",
      entityType: "segment",
      entityKey: row.key,
      after: definitionOf(created),
      requestId: actor.requestId,
    });
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

  private async writeVersion(key: string, actor: Actor, db: Database): Promise<SegmentRecord> {
    await db.query(sql`insert into segment_versions (segment_key, version, name, description, kind, rule, status, author)
      select key, version, name, description, kind, rule, status, ${actor.name} from segments where key = ${key}`);
    return this.require(key, db);
  }
}
