import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/service";
import type { Database } from "../db/client";
import {
  type CreateOptions,
  type DefinitionRecord,
  DefinitionService,
  definitionTable,
} from "../definitions/store";
import { badInput, notFound } from "../errors";
import { type MaterialiseReport, refreshDefinitions } from "../rules/materialise";
import type { RuleService } from "../rules/service";
import { bigintArray } from "../semantic/arrays";
import { enqueueMembershipTriggers } from "../semantic/automation";
import { memberCount } from "../semantic/membership";
import type { TimeRangeSpec } from "../semantic/time-range";
import {
  type Actor,
  type DefinitionStatus,
  RULE_DEFINITION_COLUMNS,
  resolveUserIds,
  updatedNameAndDescription,
  validateNewDefinition,
  validateUserIds,
} from "./definition";
import { type OverlapRecord, overlapOf, type SizePointRecord, sizeHistoryOf } from "./membership";

export const TAG_CATEGORIES = ["BASIC", "BEHAVIOR", "TRANSACTION", "INTEREST", "TIER"] as const;
export type TagCategory = (typeof TAG_CATEGORIES)[number];
export const TAG_KINDS = ["RULE", "VALUE", "MANUAL"] as const;
export type TagKind = (typeof TAG_KINDS)[number];

export interface TagRecord extends DefinitionRecord {
  category: TagCategory;
  kind: TagKind;
  rule: string | null;
  userCount: number;
  refreshedAt: Date | null;
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

/** Tags in the definition store: category, kind and rule beside the shared columns. */
const TAG_TABLE = definitionTable(
  "tag",
  "Tag",
  [{ column: "category", field: "category", versioned: true }, ...RULE_DEFINITION_COLUMNS],
  memberCount("tag", "userCount"),
);

function validateCategory(category: unknown): TagCategory {
  if (!TAG_CATEGORIES.includes(category as TagCategory))
    throw badInput(`category must be one of ${TAG_CATEGORIES.join(", ")}`, { argument: "category" });
  return category as TagCategory;
}

/** Tag definitions (versions, history, audit), manual assignment, refresh and per-user reads. */
export class TagService extends DefinitionService<TagRecord> {
  constructor(
    db: Database,
    private readonly rules: RuleService,
  ) {
    super(db, TAG_TABLE);
  }

  override async list(
    filter: { category?: TagCategory | null; status?: DefinitionStatus | null } = {},
  ): Promise<TagRecord[]> {
    if (filter.category) validateCategory(filter.category);
    const category = filter.category ?? null;
    return this.store.list({
      status: filter.status,
      where: sql`(${category}::text is null or d.category = ${category}::text)`,
    });
  }

  /** A tag; a rule or value tag's members are computed at once (unless `refresh: false`). */
  async create(input: CreateTagInput, actor: Actor, options: CreateOptions = {}): Promise<TagRecord> {
    const { key, name, description } = validateNewDefinition(input);
    const category = validateCategory(input.category);
    if (!TAG_KINDS.includes(input.kind))
      throw badInput(`kind must be one of ${TAG_KINDS.join(", ")}`, { argument: "kind" });
    const kind = input.kind;
    await this.db.transaction(async (tx) => {
      const rule = await this.checkedRule(kind, input.rule, key, actor, tx);
      await this.store.insert(tx, key, { name, description, category, kind, rule }, actor);
    });
    if (kind !== "MANUAL" && options.refresh !== false) await this.refresh([key]);
    return this.store.require(key);
  }

  async update(
    key: string,
    input: UpdateTagInput,
    expectedVersion: number,
    actor: Actor,
  ): Promise<TagRecord> {
    const { before, after } = await this.store.update(key, expectedVersion, actor, async (before, tx) => ({
      ...updatedNameAndDescription(before, input),
      category: input.category == null ? before.category : validateCategory(input.category),
      rule:
        input.rule == null ? before.rule : await this.checkedRule(before.kind, input.rule, key, actor, tx),
    }));
    if (after.rule !== before.rule) await this.refresh([key]);
    return this.store.require(key);
  }

  /** Archives a tag and removes its memberships (recorded as exits). Refused while rules use it. */
  archive(key: string, actor: Actor): Promise<TagRecord> {
    return this.store.archive(key, actor, async (_before, tx) => {
      await this.rules.refuseIfUsed("tag", key, tx);
      await tx.query(sql`with exited as (delete from tag_members where tag_key = ${key} returning user_id, value)
        insert into tag_membership_changes (tag_key, user_id, change, value) select ${key}, user_id, 'exited', value from exited`);
    });
  }

  /** Adds (or removes) users to a MANUAL tag; returns how many memberships changed. */
  async assign(key: string, userIds: unknown, actor: Actor, remove = false): Promise<number> {
    const ids = validateUserIds(userIds);
    return this.db.transaction(async (tx) => {
      const tag = await this.store.require(key, tx, true);
      if (tag.kind !== "MANUAL")
        throw badInput(`Tag "${key}" is a ${tag.kind} tag; only MANUAL tags are assigned`, {
          argument: "key",
        });
      this.store.assertActive(tag);
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
      // Triggers on this tag's entries or exits get their outbox rows in this transaction
      // (the changes were logged at now(), the transaction's time).
      if (changed > 0) await tx.query(enqueueMembershipTriggers(sql`now()`, this.rules.sendTime));
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
    return refreshDefinitions(
      this.db,
      { tags: keys ?? undefined, segments: [] },
      new Date(),
      this.rules.sendTime,
    );
  }

  /** Current active-tag memberships of several users in one statement (DataLoader batch). */
  /** Pairwise shared members among `key` and `others`. */
  overlap(key: string, others: readonly string[]): Promise<OverlapRecord[]> {
    return overlapOf(this.db, "tag", key, others);
  }

  /** Size at the end of each day of the range (in `timezone`; a relative range resolved now), from recorded entries and exits. */
  sizeHistory(key: string, range: TimeRangeSpec, timezone: string): Promise<SizePointRecord[]> {
    return sizeHistoryOf(this.db, "tag", key, range, timezone);
  }

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
}
