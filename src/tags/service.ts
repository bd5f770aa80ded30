import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/service";
import type { Database } from "../db/client";
import { badInput, conflict, notFound } from "../errors";
import { type MaterialiseReport, refreshDefinitions } from "../rules/materialise";
import type { RuleService } from "../rules/service";
import { bigintArray } from "../semantic/arrays";
import {
  type Actor,
  DEFINITION_STATUSES,
  type DefinitionStatus,
  resolveUserIds,
  validateDescription,
  validateKey,
  validateName,
  validateUserIds,
} from "./definition";

export const TAG_CATEGORIES = ["BASIC", "BEHAVIOR", "TRANSACTION", "INTEREST", "TIER"] as const;
export type TagCategory = (typeof TAG_CATEGORIES)[number];
export const TAG_KINDS = ["RULE", "VALUE", "MANUAL"] as const;
export type TagKind = (typeof TAG_KINDS)[number];

export interface TagRecord extends Record<string, unknown> {
  key: string;
  name: string;
  description: string;
  category: TagCategory;
  kind: TagKind;
  rule: string | null;
  status: DefinitionStatus;
  version: number;
  userCount: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
  refreshedAt: Date | null;
}

export interface TagVersionRecord extends Record<string, unknown> {
  tagKey: string;
  version: number;
  name: string;
  description: string;
  category: string;
  rule: string | null;
  status: string;
  author: string;
  createdAt: Date;
}

export interface TagMembershipRecord extends Record<string, unknown> {
  userId: number;
  key: string;
  value: string | null;
  assignedAt: Date;
}

export interface CreateTagInput {
  key: string;
  name: string;
  description?: string | null;
  category: TagCategory;
  kind: TagKind;
  rule?: string | null;
}

export interface UpdateTagInput {
  name?: string | null;
  description?: string | null;
  category?: TagCategory | null;
  rule?: string | null;
}

const tagColumns = sql`t.key, t.name, t.description, t.category, t.kind, t.rule, t.status, t.version,
  (select count(*)::int from tag_members tm where tm.tag_key = t.key) as "userCount",
  t.created_at as "createdAt", t.updated_at as "updatedAt", t.updated_by as "updatedBy", t.refreshed_at as "refreshedAt"`;

/** The stored definition (for audit before/after), without derived counts. */
const definitionOf = (tag: TagRecord) => ({
  key: tag.key,
  name: tag.name,
  description: tag.description,
  category: tag.category,
  kind: tag.kind,
  rule: tag.rule,
  status: tag.status,
  version: tag.version,
});

function validateCategory(category: unknown): TagCategory {
  if (!TAG_CATEGORIES.includes(category as TagCategory))
    throw badInput(`category must be one of ${TAG_CATEGORIES.join(", ")}`, { argument: "category" });
  return category as TagCategory;
}

/** Tag definitions (versions, history, audit), manual assignment, refresh and per-user reads. */
export class TagService {
  constructor(
    private readonly db: Database,
    private readonly rules: RuleService,
  ) {}

  async list(
    filter: { category?: TagCategory | null; status?: DefinitionStatus | null } = {},
  ): Promise<TagRecord[]> {
    if (filter.category) validateCategory(filter.category);
    if (filter.status && !DEFINITION_STATUSES.includes(filter.status))
      throw badInput("status must be ACTIVE or ARCHIVED", { argument: "status" });
    return this.db.query<TagRecord>(sql`select ${tagColumns} from tags t
      where (${filter.category ?? null}::text is null or t.category = ${filter.category ?? null}::text)
        and (${filter.status ?? null}::text is null or t.status = ${filter.status ?? null}::text)
      order by t.key`);
  }

  async get(key: string, db: Database = this.db): Promise<TagRecord | null> {
    const [row] = await db.query<TagRecord>(sql`select ${tagColumns} from tags t where t.key = ${key}`);
    return row ?? null;
  }

  private async require(key: string, db: Database, lock = false): Promise<TagRecord> {
    if (lock) await db.query(sql`select 1 from tags where key = ${key} for update`);
    const tag = await this.get(key, db);
    if (!tag) throw notFound(`Tag "${key}" does not exist`, { argument: "key", key });
    return tag;
  }

  /** Versions of several tags in one statement, newest first. */
  async historyOf(keys: readonly string[]): Promise<TagVersionRecord[][]> {
    const rows = await this.db.query<TagVersionRecord>(sql`
      select tag_key as "tagKey", version, name, description, category, rule, status, author, created_at as "createdAt"
      from tag_versions where tag_key in (${sql.join(
        keys.map((k) => sql`${k}::text`),
        sql`, `,
      )}) order by tag_key, version desc`);
    return keys.map((key) => rows.filter((row) => row.tagKey === key));
  }

  async create(input: CreateTagInput, actor: Actor): Promise<TagRecord> {
    const key = validateKey(input.key);
    const name = validateName(input.name);
    const description = validateDescription(input.description);
    const category = validateCategory(input.category);
    if (!TAG_KINDS.includes(input.kind))
      throw badInput(`kind must be one of ${TAG_KINDS.join(", ")}`, { argument: "kind" });
    const kind = input.kind;
    const created = await this.db.transaction(async (tx) => {
      const rule = await this.checkedRule(kind, input.rule, key, actor, tx);
      const inserted =
        await tx.query(sql`insert into tags (key, name, description, category, kind, rule, status, version, updated_by)
        values (${key}, ${name}, ${description}, ${category}, ${kind}, ${rule}, 'ACTIVE', 1, ${actor.name})
        on conflict (key) do nothing returning key`);
      if (inserted.length === 0) throw conflict(`Tag "${key}" already exists`, { argument: "key", key });
      const tag = await this.writeVersion(key, actor, tx);
      await recordAudit(tx, {
        actor: actor.name,
        action: "create",
        entityType: "tag",
        entityKey: key,
        after: definitionOf(tag),
        requestId: actor.requestId,
      });
      return tag;
    });
    if (created.kind !== "MANUAL") await this.refresh([key]);
    return (await this.get(key)) as TagRecord;
  }

  async update(
    key: string,
    input: UpdateTagInput,
    expectedVersion: number,
    actor: Actor,
  ): Promise<TagRecord> {
    if (!Number.isInteger(expectedVersion))
      throw badInput("expectedVersion must be an integer", { argument: "expectedVersion" });
    const result = await this.db.transaction(async (tx) => {
      const before = await this.require(key, tx, true);
      if (before.version !== expectedVersion) {
        throw conflict(
          `Tag "${key}" is at version ${before.version}, not ${expectedVersion}; reload and retry`,
          {
            key,
            currentVersion: before.version,
          },
        );
      }
      if (before.status !== "ACTIVE") throw badInput(`Tag "${key}" is archived`, { argument: "key" });
      const name = input.name == null ? before.name : validateName(input.name);
      const description =
        input.description == null ? before.description : validateDescription(input.description);
      const category = input.category == null ? before.category : validateCategory(input.category);
      const rule =
        input.rule == null ? before.rule : await this.checkedRule(before.kind, input.rule, key, actor, tx);
      await tx.query(sql`update tags set name = ${name}, description = ${description}, category = ${category},
        rule = ${rule}, version = version + 1, updated_at = now(), updated_by = ${actor.name} where key = ${key}`);
      const after = await this.writeVersion(key, actor, tx);
      await recordAudit(tx, {
        actor: actor.name,
        action: "update",
        entityType: "tag",
        entityKey: key,
        before: definitionOf(before),
        after: definitionOf(after),
        requestId: actor.requestId,
      });
      return { ruleChanged: rule !== before.rule };
    });
    if (result.ruleChanged) await this.refresh([key]);
    return (await this.get(key)) as TagRecord;
  }

  /** Archives a tag and removes its memberships (recorded as exits). Refused while rules use it. */
  async archive(key: string, actor: Actor): Promise<TagRecord> {
    await this.db.transaction(async (tx) => {
      const before = await this.require(key, tx, true);
      if (before.status === "ARCHIVED") return;
      const dependents = await this.rules.dependents("tag", key, tx);
      if (dependents.length)
        throw conflict(`Tag "${key}" is used by ${dependents.join(", ")}; change those first`, {
          key,
          dependents,
        });
      await tx.query(sql`update tags set status = 'ARCHIVED', version = version + 1, updated_at = now(),
        updated_by = ${actor.name} where key = ${key}`);
      await tx.query(sql`with exited as (delete from tag_members where tag_key = ${key} returning user_id, value)
        insert into tag_membership_changes (tag_key, user_id, change, value) select ${key}, user_id, 'exited', value from exited`);
      const after = await this.writeVersion(key, actor, tx);
      await recordAudit(tx, {
        actor: actor.name,
        action: "archive",
        entityType: "tag",
        entityKey: key,
        before: definitionOf(before),
        after: definitionOf(after),
        requestId: actor.requestId,
      });
    });
    return (await this.get(key)) as TagRecord;
  }

  /** Adds (or removes) users to a MANUAL tag; returns how many memberships changed. */
  async assign(key: string, userIds: unknown, actor: Actor, remove = false): Promise<number> {
    const ids = validateUserIds(userIds);
    return this.db.transaction(async (tx) => {
      const tag = await this.require(key, tx, true);
      if (tag.kind !== "MANUAL")
        throw badInput(`Tag "${key}" is a ${tag.kind} tag; only MANUAL tags are assigned`, {
          argument: "key",
        });
      if (tag.status !== "ACTIVE") throw badInput(`Tag "${key}" is archived`, { argument: "key" });
      const resolved = await resolveUserIds(tx, ids);
      const array = bigintArray(resolved);
      const [{ changed }] = remove
        ? await tx.query<{ changed: number }>(sql`
            with gone as (delete from tag_members where tag_key = ${key} and user_id = any(${array}) returning user_id),
            logged as (insert into tag_membership_changes (tag_key, user_id, change) select ${key}, user_id, 'exited' from gone returning 1)
            select (select count(*) from logged)::int as changed`)
        : await tx.query<{ changed: number }>(sql`
            with added as (insert into tag_members (tag_key, user_id) select ${key}, id from unnest(${array}) as u(id)
              on conflict (user_id, tag_key) do nothing returning user_id),
            logged as (insert into tag_membership_changes (tag_key, user_id, change) select ${key}, user_id, 'entered' from added returning 1)
            select (select count(*) from logged)::int as changed`);
      await recordAudit(tx, {
        actor: actor.name,
        action: remove ? "unassign" : "assign",
        entityType: "tag",
        entityKey: key,
        after: { userIds: resolved, changed },
        requestId: actor.requestId,
      });
      return changed;
    });
  }

  /**
   * Recomputes RULE and VALUE tags (all active ones when `keys` is absent) in shared passes;
   * a tag whose rule cannot be evaluated is reported in `failed`, the others refresh.
   */
  async refresh(keys?: readonly string[] | null): Promise<MaterialiseReport> {
    if (keys) {
      const known = await this.db.query<{ key: string; kind: TagKind; status: string }>(
        sql`select key, kind, status from tags where key in (${sql.join(
          [...keys, ""].map((k) => sql`${k}::text`),
          sql`, `,
        )})`,
      );
      for (const key of keys) {
        const tag = known.find((row) => row.key === key);
        if (tag?.status !== "ACTIVE")
          throw notFound(`Tag "${key}" does not exist or is archived`, { argument: "keys", key });
        if (tag.kind === "MANUAL")
          throw badInput(`Tag "${key}" is MANUAL; only RULE and VALUE tags refresh`, { argument: "keys" });
      }
    }
    return refreshDefinitions(this.db, { tags: keys ?? undefined, segments: [] });
  }

  /** Current active-tag memberships of several users in one statement (DataLoader batch). */
  async tagsOfUsers(userIds: readonly number[]): Promise<TagMembershipRecord[][]> {
    const rows = await this.db.query<TagMembershipRecord>(sql`
      select tm.user_id as "userId", tm.tag_key as key, tm.value, tm.assigned_at as "assignedAt"
      from tag_members tm join tags t on t.key = tm.tag_key and t.status = 'ACTIVE'
      where tm.user_id = any(${bigintArray(userIds)}) order by tm.tag_key`);
    const byUser = new Map<number, TagMembershipRecord[]>();
    for (const row of rows) byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), row]);
    return userIds.map((id) => byUser.get(id) ?? []);
  }

  private async checkedRule(
    kind: TagKind,
    rule: string | null | undefined,
    key: string,
    actor: Actor,
    db: Database,
  ): Promise<string | null> {
    if (kind === "MANUAL") {
      if (rule != null && rule !== "") throw badInput("A MANUAL tag has no rule", { argument: "rule" });
      return null;
    }
    if (rule == null || rule.trim() === "")
      throw badInput(`A ${kind} tag needs a rule`, { argument: "rule" });
    const checked = await this.rules.check(
      rule,
      kind === "RULE" ? "boolean" : "value",
      { kind: "tag", key },
      db,
      actor.pii,
    );
    return checked.text;
  }

  private async writeVersion(key: string, actor: Actor, db: Database): Promise<TagRecord> {
    await db.query(sql`insert into tag_versions (tag_key, version, name, description, category, kind, rule, status, author)
      select key, version, name, description, category, kind, rule, status, ${actor.name} from tags where key = ${key}`);
    return this.require(key, db);
  }
}
