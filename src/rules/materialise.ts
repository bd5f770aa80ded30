import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { ErrorCode, StratumError } from "../errors";
import { logger } from "../logger";
import { bigintArray, textArray } from "../semantic/arrays";
import { enqueueMembershipTriggers } from "../semantic/automation";
import { changedUsers, factsWatermark } from "../semantic/changes";
import { survivorsAndMergedIds } from "../semantic/facts";
import { MEMBERSHIP_TABLES } from "../semantic/membership";
import type { SendTimeModel } from "../semantic/send-time";
import { joinSql } from "../semantic/sql";
import { type Expr, references, type TypedExpr } from "./ast";
import { STORED_RULE_NAMES, typed } from "./checker";
import { aggregateKeys, compileRules, type RuleCompilation } from "./compiler";
import {
  expiryBands,
  namedDefinitions,
  planRefresh,
  type RefreshMode,
  type RefreshState,
} from "./incremental";
import { parseRuleInput } from "./service";

/**
 * Set-based refresh of rule memberships. The targets of one refresh share feature passes
 * over the facts (temporary tables of per-user aggregates, at most
 * MAX_AGGREGATES_PER_PASS aggregates each, so the number of definitions has no ceiling);
 * each dependency level is then one statement per kind and pass that diffs those targets
 * against their current members at once, inserting entries, deleting exits and logging
 * both with the refresh time. Levels run in order, so `has_tag` / `in_segment` see
 * memberships refreshed earlier. A definition that fails (its rule no longer parses, or
 * the database cannot evaluate it) is reported and left as it was; the others refresh.
 */
export interface MaterialiseTarget {
  kind: "tag" | "segment";
  key: string;
  /** The stored rule, typed again (`STORED_RULE_NAMES`) for the compiler. */
  expr: TypedExpr;
  /** VALUE tags store the computed value; everything else is a boolean membership. */
  valued: boolean;
  /**
   * The definition's version and what its last refresh recorded (`definitionTargets`), for
   * incremental refreshes; a refresh records the version it evaluated (none: unknown, so the
   * next refresh is full).
   */
  state?: RefreshState;
}

export interface MaterialiseResult {
  kind: "tag" | "segment";
  key: string;
  users: number;
  entered: number;
  exited: number;
  milliseconds: number;
}

/** A definition the refresh could not evaluate: its memberships are left as they were. */
export interface MaterialiseFailure {
  kind: "tag" | "segment";
  key: string;
  code: string;
  message: string;
}

export interface MaterialiseReport {
  /** In dependency order. */
  refreshed: MaterialiseResult[];
  failed: MaterialiseFailure[];
}

/**
 * Aggregates one feature pass computes at most. A PostgreSQL row holds at most 1,664
 * columns and must fit in an 8 kB page: ~1,000 aggregates in one temporary table fail with
 * "row is too big"; 200 leave room for wide values. Common refreshes fit in one pass.
 */
export const MAX_AGGREGATES_PER_PASS = 200;

/**
 * Definitions one diff statement evaluates at most: each binds a few parameters (its key,
 * its literals) and a statement carries at most 65,535, however few aggregates they share.
 */
export const MAX_DEFINITIONS_PER_DIFF = 500;

/**
 * Packs targets (in order) into feature passes of at most `maxAggregates` distinct
 * aggregates; aggregates shared by targets of a pass are computed once. A target needing
 * more than the cap alone gets a pass of its own.
 */
export function featurePasses<T extends { expr: Expr }>(targets: readonly T[], maxAggregates: number): T[][] {
  const passes: T[][] = [];
  let current: T[] = [];
  let keys = new Set<string>();
  for (const target of targets) {
    const own = aggregateKeys(target.expr);
    const merged = new Set([...keys, ...own]);
    if (current.length > 0 && merged.size > maxAggregates) {
      passes.push(current);
      current = [target];
      keys = own;
    } else {
      current.push(target);
      keys = merged;
    }
  }
  if (current.length > 0) passes.push(current);
  return passes;
}

/**
 * What a client may read about a failed definition: coded errors as they are; anything else
 * (a database error, by SQLSTATE only) goes to the log with its details.
 */
function failureOf(target: { kind: "tag" | "segment"; key: string }, error: unknown): MaterialiseFailure {
  if (error instanceof StratumError) {
    return { kind: target.kind, key: target.key, code: error.code, message: error.message };
  }
  logger.error({ err: error, kind: target.kind, key: target.key }, "refresh of a definition failed");
  let state: string | undefined;
  for (let e: any = error; e && !state; e = e.cause) if (typeof e.code === "string") state = e.code;
  return {
    kind: target.kind,
    key: target.key,
    code: ErrorCode.INTERNAL,
    message: `This rule could not be evaluated${state ? ` (SQLSTATE ${state})` : ""}; the server log has the details`,
  };
}

/**
 * A run whose entries and exits of one kind reach this share of the members the planner last
 * counted (autovacuum's own rule), and at least `ANALYZE_MIN_CHANGES`, analyzes that kind's
 * members and log before it commits.
 */
const ANALYZE_SHARE = 0.1;
const ANALYZE_MIN_CHANGES = 1_000;

/** Serialises refreshes across processes sharing the database. */
const REFRESH_LOCK = 7_210_605;

/** How long a restricted (real-time) run waits for the refresh and user locks, in milliseconds. */
export const RESTRICTED_LOCK_WAIT_MS = 2_000;
/** The key space of the per-user locks of restricted runs (two-key advisory locks: `(space, user id)`). */
const USER_LOCK_SPACE = 7_210_606;
/**
 * Users a restricted run locks one by one at most; PostgreSQL's lock table holds
 * max_locks_per_transaction (64) × connections locks for all sessions together.
 */
const MAX_USER_LOCKS = 1_000;

/**
 * Dependency levels among the targets: a definition comes one level after every target it
 * refers to through `has_tag` / `in_segment` (cycles are refused when rules are saved).
 */
function dependencyLevels(targets: MaterialiseTarget[]): MaterialiseTarget[][] {
  const byId = new Map(targets.map((t) => [`${t.kind}:${t.key}`, t]));
  const level = new Map<string, number>();
  const visit = (id: string, stack: Set<string>): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    const target = byId.get(id);
    if (!target || stack.has(id)) return -1;
    stack.add(id);
    const refs = references(target.expr);
    const deps = [...refs.tags.map((k) => `tag:${k}`), ...refs.segments.map((k) => `segment:${k}`)];
    const mine = 1 + Math.max(-1, ...deps.map((dep) => visit(dep, stack)));
    stack.delete(id);
    level.set(id, mine);
    return mine;
  };
  const levels: MaterialiseTarget[][] = [];
  for (const [id, target] of byId) {
    const n = visit(id, new Set());
    const list = levels[n] ?? [];
    list.push(target);
    levels[n] = list;
  }
  return levels.filter(Boolean);
}

/**
 * ONE statement refreshing every definition of one kind in one dependency level: the
 * level's rules evaluated per user over the feature table, compared with the current
 * members (one hash full join), entries inserted and exits deleted, entries logged before exits,
 * changed values of VALUE tags updated, and every entry and exit logged at `at`. Rows
 * that did not change are not written. Answers users/entered/exited per key.
 */
function levelDiff(
  kind: "tag" | "segment",
  group: MaterialiseTarget[],
  compiled: RuleCompilation,
  features: SQL,
  at: SQL,
  scope: SQL | null,
  /** A scheduled refresh's watermark (null: a real-time run), see `recorded`. */
  watermark: SQL | null,
): SQL {
  const scheduled = watermark !== null;
  // A scheduled refresh logs its changes as recorded just before its own watermark: the next
  // refresh of a definition naming these (whose watermark is this one's if it ran in this refresh,
  // after them) does not re-read them, one with an older watermark does.
  const recorded = watermark ? sql`${watermark} - interval '1 microsecond'` : sql`now()`;
  const keys = joinSql(group.map((target) => sql`${target.key}::text`));
  // A restricted run compares only the current members it evaluated: nobody else exits.
  const inScope = (column: SQL) => (scope ? sql` and ${column} in ${scope}` : sql``);
  const { members: table, changes, key: keyColumn } = MEMBERSHIP_TABLES[kind];
  // An incremental refresh reports every member: those before plus entries, minus exits. Those
  // before are what the last refresh recorded (`refreshed_members`) plus the net of the changes
  // recorded since its watermark (real-time runs, merges, erasures: each writer stamps its
  // transaction's start, so every change that refresh did not see is recorded at or after its
  // watermark) — a few index reads instead of counting millions of memberships. A definition
  // refreshed before that was recorded has its members counted.
  const incremental = scope !== null && scheduled;
  const recordedStates = group.map(({ state }) =>
    state?.refreshedMembers != null && state.factsWatermark
      ? { members: state.refreshedMembers, since: state.factsWatermark }
      : null,
  );
  const fromRecorded =
    incremental && recordedStates.every((state) => state !== null)
      ? (recordedStates as Array<{ members: number; since: Date }>)
      : null;
  const earliest = fromRecorded
    ? new Date(Math.min(...fromRecorded.map((state) => state.since.getTime())))
    : null;
  // The changes since the oldest watermark in play, by the BRIN index on recorded_at (this
  // statement's snapshot: the same the diff reads).
  const recent = watermark
    ? sql`recent as materialized (
      select ${keyColumn} as key, recorded_at, case when change = 'entered' then 1 else -1 end as net
      from ${changes} where ${keyColumn} in (${keys})
        and recorded_at >= ${earliest ? sql`least(${watermark}, ${earliest.toISOString()}::timestamptz)` : watermark}),`
    : sql``;
  const before = !incremental
    ? sql``
    : fromRecorded
      ? sql` left join (select v.key, v.members + coalesce(sum(r.net), 0) as members
          from (values ${joinSql(
            group.map(
              (target, i) =>
                sql`(${target.key}::text, ${fromRecorded[i].members}::int, ${fromRecorded[i].since.toISOString()}::timestamptz)`,
            ),
          )}) as v(key, members, since)
          left join recent r on r.key = v.key and r.recorded_at >= v.since
          group by v.key, v.members) b on b.key = k.key`
      : sql` left join (select ${keyColumn} as key, count(*) as members from ${table}
          where ${keyColumn} in (${keys}) group by ${keyColumn}) b on b.key = k.key`;
  const users = incremental
    ? sql`coalesce(b.members, 0) + coalesce(e.entered, 0) - coalesce(x.exited, 0)`
    : sql`coalesce(n.users, 0)`;
  // What the next refresh starts from: the members less the changes recorded at or after this
  // refresh's watermark that this statement already sees (the next one adds them all back).
  const recordedMembers = scheduled
    ? sql`, (${users} - coalesce(s.net, 0))::int as "recordedMembers"`
    : sql``;
  const seenSince = scheduled
    ? sql` left join (select key, sum(net) as net from recent where recorded_at >= ${watermark}
        group by key) s on s.key = k.key`
    : sql``;
  const values = group.map((target) =>
    target.valued
      ? compiled.valueText(target.expr)
      : sql`case when ${compiled.expression(target.expr)} then '' end`,
  );
  const valued = `{${group.map((target) => (target.valued ? "t" : "f")).join(",")}}`;
  // A VALUE tag's members have a value; a condition's members have '' (stored as null). The
  // definitions' keys, kinds and values are unnested side by side from each feature row: one
  // projection per row, not a VALUES list rescanned per row (the bench's 200 tags × 100k users:
  // 9.7 s instead of 11.1 s, under load).
  const next = sql`next as (
    select t.key, t.user_id, case when t.valued then t.value end as value from (
      select rf.user_id, unnest(${textArray(group.map((target) => target.key))}) as key,
        unnest(${valued}::boolean[]) as valued, unnest(array[${joinSql(values)}]::text[]) as value
      from ${features} rf) t
    where t.value is not null)`;
  const counts = sql`select k.key, (${users})::int as users, coalesce(e.entered, 0)::int as entered,
      coalesce(x.exited, 0)::int as exited${recordedMembers}
    from unnest(array[${keys}]) as k(key)
    left join (select key, count(*) as users from next group by key) n on n.key = k.key
    left join (select key, count(*) as entered from entered group by key) e on e.key = k.key
    left join (select key, count(*) as exited from exited group by key) x on x.key = k.key${before}${seenSince}`;
  // One hash full join classifies every (definition, user) pair; only the changed pairs are kept.
  // A full join has no nested-loop plan; the anti joins segments had (members against `next`,
  // which has no index) rescanned `next` for each member whenever the planner took the members
  // for few: 25 s for three segments at the end of the 100k-user demo seed.
  const tag = kind === "tag";
  // A VALUE tag's value is stored with its membership and its changes; segments have none.
  const storedValue = (column: SQL) => (tag ? column : sql`null::text`);
  const valueColumn = tag ? sql`, value` : sql``;
  const since = tag ? sql`assigned_at` : sql`entered_at`;
  const updated = tag
    ? sql`updated as (
        update tag_members m set value = d.value from diff d
        where not d.entering and not d.exiting and m.tag_key = d.key and m.user_id = d.user_id
          and m.tag_key in (${keys})),`
    : sql``;
  return sql`with ${recent} ${next},
    diff as (
      select coalesce(n.key, c.key) as key, coalesce(n.user_id, c.user_id) as user_id, n.value,
        c.user_id is null as entering, n.user_id is null as exiting
      from next n full join (select ${keyColumn} as key, user_id, ${storedValue(sql`m.value`)} as value from ${table} m
        where ${keyColumn} in (${keys})${inScope(sql`user_id`)}) c
        on c.key = n.key and c.user_id = n.user_id
      where c.user_id is null or n.user_id is null or n.value is distinct from c.value),
    entered as (
      insert into ${table} (${keyColumn}, user_id${valueColumn}, ${since})
      select d.key, d.user_id${tag ? sql`, d.value` : sql``}, ${at} from diff d where d.entering
      order by d.user_id, d.key
      returning ${keyColumn} as key, user_id, ${storedValue(sql`value`)} as value),
    -- Only these definitions' rows are joined: a hash of the whole members table (every
    -- definition's) is what the planner picks otherwise, misled by the diff's estimate.
    exited as (
      delete from ${table} m using diff d
      where d.exiting and m.${keyColumn} = d.key and m.user_id = d.user_id and m.${keyColumn} in (${keys})
      returning m.${keyColumn} as key, m.user_id, ${storedValue(sql`m.value`)} as value),
    ${updated}
    -- Logged entries first, then exits, each by user and key: \`entered\` returns its rows in
    -- the order it inserted them (sorted so) and a union all reads its inputs one after the
    -- other, so only the exits are sorted here (a first refresh enters millions).
    logged as (
      insert into ${changes} (${keyColumn}, user_id, change${valueColumn}, at, recorded_at)
      select key, user_id, change${valueColumn}, ${at}, ${recorded} from (
        select key, user_id, 'entered' as change, value from entered
        union all (select key, user_id, 'exited', value from exited order by user_id, key)) as changes)
    ${counts}`;
}

/** One feature pass: its targets, their compilation and the temporary table holding the features. */
interface FeaturePass {
  targets: MaterialiseTarget[];
  compiled: RuleCompilation;
  table: SQL;
}

/**
 * `materialise` for some users only (`realtime.ts`): the surviving profiles `userIds` are
 * evaluated, and only their current memberships (and those of profiles merged into them) are
 * compared, so everyone else keeps theirs. `refreshed_at` stays the last full refresh's.
 */
export interface MaterialiseRestriction {
  userIds: readonly number[];
}

/**
 * `watermark` makes a run a scheduled refresh (`refreshDefinitions`): it saw every fact change
 * stamped before the watermark, and records it with `refreshed_at` and the evaluated version of
 * each definition it refreshed. Restricted as well, it is an incremental refresh: `userIds` are
 * the users changed since the definitions' last watermark (`changedUsers`), it locks as a full
 * refresh does and reports every member. An unrestricted run without one takes its own watermark;
 * a restricted run without one (real-time) records nothing.
 */
export async function materialise(
  db: Database,
  targets: MaterialiseTarget[],
  now: Date = new Date(),
  sendTime?: SendTimeModel,
  restriction?: MaterialiseRestriction,
  watermark?: Date,
): Promise<MaterialiseReport> {
  if (targets.length === 0) return { refreshed: [], failed: [] };
  const levels = dependencyLevels(targets);
  const at = sql`${now.toISOString()}::timestamptz`;
  const scope = restriction ? survivorsAndMergedIds(bigintArray(restriction.userIds)) : null;
  const realtime = restriction !== undefined && watermark === undefined;
  return db.transaction(async (tx) => {
    // Restricted runs of different batches share the lock (they write disjoint users' rows); a
    // full refresh excludes them all, so no restricted run commits between a full refresh's
    // evaluation and its diff. Restricted runs of one user run one after the other (per-user
    // locks, taken in id order: no deadlock), so the later one evaluates every fact the earlier
    // one's batch committed and writes last. A run of more users than `MAX_USER_LOCKS` (a bulk
    // load's chunk) takes the refresh lock exclusively instead: the shared lock table is finite.
    const perUser = realtime && restriction.userIds.length <= MAX_USER_LOCKS;
    // An ingestion call waits for its restricted run, so it must not wait out a full refresh
    // (a minute on a large shop): past the bound the run fails (55P03), the caller logs it and
    // the next refresh evaluates those users.
    if (realtime) await tx.query(sql.raw(`set local lock_timeout = ${RESTRICTED_LOCK_WAIT_MS}`));
    await tx.query(
      perUser
        ? sql`select pg_advisory_xact_lock_shared(${REFRESH_LOCK})`
        : sql`select pg_advisory_xact_lock(${REFRESH_LOCK})`,
    );
    if (perUser)
      await tx.query(sql`select pg_advisory_xact_lock(${USER_LOCK_SPACE}, (x.id % 2147483647)::int)
        from (select distinct id from unnest(${bigintArray(restriction.userIds)}) as id order by id) x`);
    if (realtime) await tx.query(sql`set local lock_timeout = 0`);
    // The feature passes hash and sort millions of fact rows, the level diffs hash-join millions
    // of (definition, user) pairs: the default 4 MB work_mem would spill each to disk in many
    // batches. JIT compiled the bench's 200 rules for 1.8 s of a 13 s feature pass and 0.5 s per
    // statement of a restricted run (its estimates are the whole tables'); without it the feature
    // pass took 8.7 s instead of 10.1 s.
    await tx.query(sql`set local work_mem = '256MB'`);
    await tx.query(sql`set local jit = off`);
    // Taken before any fact is read (a full run's own): see `factsWatermark`.
    const seen =
      watermark ??
      (realtime ? null : new Date((await tx.query<{ watermark: Date }>(factsWatermark))[0].watermark));
    const seenSql = seen ? sql`${seen.toISOString()}::timestamptz` : null;
    const failed: MaterialiseFailure[] = [];
    const failedTargets = new Set<MaterialiseTarget>();
    const fail = (target: MaterialiseTarget, error: unknown) => {
      failed.push(failureOf(target, error));
      failedTargets.add(target);
    };
    const passes: FeaturePass[] = [];
    /**
     * Computes a pass's features in a savepoint; when that fails, each of its targets gets a
     * pass of its own, so only the definition at fault is lost.
     */
    const prepare = async (group: MaterialiseTarget[]): Promise<void> => {
      const table = sql.raw(`rule_features_${passes.length}`);
      try {
        const compiled = compileRules(
          group.map((t) => t.expr),
          { asOf: now, sendTime, userIds: restriction?.userIds },
        );
        await tx.transaction(async (savepoint) => {
          await savepoint.query(sql`create temp table ${table} on commit drop as ${compiled.features}`);
          // Its size and its join key are what the diff's plan needs; statistics of every
          // feature column (hundreds on a big refresh) took seconds and steer nothing.
          await savepoint.query(sql`analyze ${table} (user_id)`);
        });
        passes.push({ targets: group, compiled, table });
      } catch (error) {
        if (group.length === 1) fail(group[0], error);
        else for (const target of group) await prepare([target]);
      }
    };
    for (const group of featurePasses(levels.flat(), MAX_AGGREGATES_PER_PASS)) await prepare(group);
    // A restricted run touches a few users' rows: PK lookups, never a hash of the whole members
    // table or a merge join along its whole primary key (its estimates, against millions of
    // memberships, would pick one).
    if (restriction) {
      await tx.query(sql`set local enable_hashjoin = off`);
      await tx.query(sql`set local enable_mergejoin = off`);
    }
    const byTarget = new Map<MaterialiseTarget, MaterialiseResult>();
    /** What a scheduled refresh records for the next one (`refreshed_members`). */
    const recordedMembers = new Map<MaterialiseTarget, number>();
    /** Diffs a group in a savepoint; when that fails, each target of the group alone. */
    const diff = async (kind: "tag" | "segment", group: MaterialiseTarget[], pass: FeaturePass) => {
      const started = performance.now();
      try {
        const counts = await tx.transaction((savepoint) =>
          savepoint.query<{
            key: string;
            users: number;
            entered: number;
            exited: number;
            recordedMembers?: number;
          }>(levelDiff(kind, group, pass.compiled, pass.table, at, scope, seenSql)),
        );
        const milliseconds = Math.round((performance.now() - started) / group.length);
        const byKey = new Map(counts.map((row) => [row.key, row]));
        for (const target of group) {
          const row = byKey.get(target.key);
          byTarget.set(target, {
            kind,
            key: target.key,
            users: row?.users ?? 0,
            entered: row?.entered ?? 0,
            exited: row?.exited ?? 0,
            milliseconds,
          });
          if (row?.recordedMembers !== undefined) recordedMembers.set(target, row.recordedMembers);
        }
      } catch (error) {
        if (group.length === 1) fail(group[0], error);
        else for (const target of group) await diff(kind, [target], pass);
      }
    };
    for (const level of levels) {
      const inLevel = new Set(level);
      for (const pass of passes) {
        for (const kind of ["tag", "segment"] as const) {
          const group = pass.targets.filter((target) => target.kind === kind && inLevel.has(target));
          for (let start = 0; start < group.length; start += MAX_DEFINITIONS_PER_DIFF)
            await diff(kind, group.slice(start, start + MAX_DEFINITIONS_PER_DIFF), pass);
        }
      }
    }
    const refreshed = levels.flat().flatMap((target) => {
      const result = byTarget.get(target);
      return result && !failedTargets.has(target) ? [result] : [];
    });
    // After a bulk of changes (a first refresh enters millions) the planner's statistics of the
    // members and the log are stale until autovacuum gets to them: the next refresh would scan
    // the whole log for the few changes since its watermark instead of reading the BRIN index,
    // and a restricted one, planning for a hundred members where there are thousands, compared
    // each of its users with every member (2.1 s instead of 6 ms, 4,500 users after the demo seed).
    for (const kind of ["tag", "segment"] as const) {
      const changes = refreshed
        .filter((r) => r.kind === kind)
        .reduce((sum, r) => sum + r.entered + r.exited, 0);
      if (changes < ANALYZE_MIN_CHANGES) continue;
      const members = kind === "tag" ? "tag_members" : "segment_members";
      const [{ counted }] = await tx.query<{ counted: number }>(
        sql`select greatest(reltuples, 0)::float8 as counted from pg_class where oid = ${members}::regclass`,
      );
      if (changes >= ANALYZE_SHARE * counted)
        await tx.query(
          kind === "tag"
            ? sql`analyze tag_members, tag_membership_changes`
            : sql`analyze segment_members, segment_membership_changes`,
        );
    }
    // Triggers on these entries and exits get their outbox rows in this transaction.
    if (refreshed.some((r) => r.entered > 0 || r.exited > 0))
      await tx.query(enqueueMembershipTriggers(at, sendTime));
    if (!seen) return { refreshed, failed };
    for (const kind of ["tag", "segment"] as const) {
      const rows = levels
        .flat()
        .filter((t) => t.kind === kind && byTarget.has(t) && !failedTargets.has(t))
        .map(
          (t) =>
            sql`(${t.key}::text, ${t.state?.version ?? null}::int, ${recordedMembers.get(t) ?? null}::int)`,
        );
      if (rows.length === 0) continue;
      await tx.query(sql`update ${sql.raw(kind === "tag" ? "tags" : "segments")} d
        set refreshed_at = ${at}, refreshed_version = v.version, facts_watermark = ${seenSql},
          refreshed_members = v.members
        from (values ${joinSql(rows)}) as v(key, version, members) where d.key = v.key`);
    }
    return { refreshed, failed };
  });
}

/**
 * The targets of active RULE/VALUE tags and DYNAMIC segments (all of them when a key
 * list is absent; none of a kind when its list is empty).
 */
export async function definitionTargets(
  db: Database,
  selection: { tags?: readonly string[]; segments?: readonly string[] },
): Promise<{ targets: MaterialiseTarget[]; failed: MaterialiseFailure[] }> {
  const pick = (keys: readonly string[] | undefined) =>
    keys === undefined
      ? sql`true`
      : keys.length
        ? sql`key in (${joinSql(keys.map((k) => sql`${k}::text`))})`
        : sql`false`;
  const rows = await db.query<{
    kind: "tag" | "segment";
    key: string;
    rule: string;
    valued: boolean;
    version: number;
    refreshedAt: Date | null;
    refreshedVersion: number | null;
    factsWatermark: Date | null;
    refreshedMembers: number | null;
  }>(sql`
    select 'tag' as kind, key, rule, kind = 'VALUE' as valued, version, refreshed_at as "refreshedAt",
      refreshed_version as "refreshedVersion", facts_watermark as "factsWatermark",
      refreshed_members as "refreshedMembers" from tags
      where status = 'ACTIVE' and kind in ('RULE', 'VALUE') and rule is not null and ${pick(selection.tags)}
    union all
    select 'segment' as kind, key, rule, false as valued, version, refreshed_at, refreshed_version,
      facts_watermark, refreshed_members from segments
      where status = 'ACTIVE' and kind = 'DYNAMIC' and rule is not null and ${pick(selection.segments)}
    order by 1, 2`);
  const targets: MaterialiseTarget[] = [];
  const failed: MaterialiseFailure[] = [];
  for (const row of rows) {
    try {
      const expr = typed(parseRuleInput(row.rule).expr, STORED_RULE_NAMES);
      const date = (value: Date | string | null) => (value === null ? null : new Date(value));
      targets.push({
        kind: row.kind,
        key: row.key,
        expr,
        valued: row.valued,
        state: {
          version: row.version,
          refreshedAt: date(row.refreshedAt),
          refreshedVersion: row.refreshedVersion,
          factsWatermark: date(row.factsWatermark),
          refreshedMembers: row.refreshedMembers,
        },
      });
    } catch (error) {
      // A rule stored earlier that no longer parses or types: reported, and the others still refresh.
      failed.push(failureOf(row, error));
    }
  }
  return { targets, failed };
}

/**
 * Changed users beyond this share of the active profiles make an incremental refresh a full one:
 * scanning everyone's facts once is cheaper than that many users' facts by index.
 */
export const INCREMENTAL_MAX_SHARE = 0.25;

export interface RefreshOptions {
  /** Evaluate every definition for every user, even where an incremental refresh would do. */
  full?: boolean;
  /** `INCREMENTAL_MAX_SHARE` unless given (a small fixture, where most users change). */
  maxChangedShare?: number;
}

/** How a refresh evaluated its definitions: by kind and key, incremental (and for how many users) or full and why. */
export interface RefreshPlanReport {
  modes: Map<string, RefreshMode>;
  /** Users the incremental part re-evaluated (null when nothing was incremental). */
  changedUsers: number | null;
}

/**
 * Refreshes the selected definitions: `definitionTargets`, then `materialise`, with every failure
 * reported. `sendTime` is the configured model `send_time.*` terms read. A definition whose last
 * refresh evaluated its current version is refreshed incrementally (`incremental.ts`): only the
 * users with a change since that refresh's watermark, or with a fact that crossed a window edge
 * since, are re-evaluated — which gives every membership, entry and exit a full refresh would.
 * The others (and all with `full`) are refreshed in full first.
 */
export async function refreshDefinitions(
  db: Database,
  selection: { tags?: readonly string[]; segments?: readonly string[] },
  now: Date = new Date(),
  sendTime?: SendTimeModel,
  options: RefreshOptions = {},
  planned?: (plan: RefreshPlanReport) => void,
): Promise<MaterialiseReport> {
  const { targets, failed } = await definitionTargets(db, selection);
  // Before any fact is read, so whatever this refresh cannot see is stamped at or after it.
  const [{ watermark: taken }] = await db.query<{ watermark: Date }>(factsWatermark);
  const watermark = new Date(taken);
  const named = [...new Set(targets.flatMap((t) => namedDefinitions(t.expr)))];
  const updatedAt = new Map<string, Date>();
  if (named.length) {
    const rows = await db.query<{ id: string; updatedAt: Date }>(sql`
      select 'tag:' || key as id, updated_at as "updatedAt" from tags
        where status = 'ACTIVE' and 'tag:' || key in (${joinSql(named.map((id) => sql`${id}::text`))})
      union all select 'segment:' || key, updated_at from segments
        where status = 'ACTIVE' and 'segment:' || key in (${joinSql(named.map((id) => sql`${id}::text`))})`);
    for (const row of rows) updatedAt.set(row.id, new Date(row.updatedAt));
  }
  const modes = planRefresh(targets, { asOf: now, full: options.full, definitionsUpdatedAt: updatedAt });
  // Full ones first: incremental ones may read their memberships (never the other way round),
  // so the changed users are gathered after them.
  const full = await materialise(
    db,
    targets.filter((t) => !modes.get(t)?.incremental),
    now,
    sendTime,
    undefined,
    watermark,
  );
  const incremental = targets.filter((t) => modes.get(t)?.incremental);
  let restriction: MaterialiseRestriction | undefined;
  if (incremental.length > 0) {
    const states = incremental.map((t) => t.state as RefreshState);
    const since = new Date(Math.min(...states.map((s) => (s.factsWatermark as Date).getTime())));
    const previous = new Date(Math.min(...states.map((s) => (s.refreshedAt as Date).getTime())));
    const bands = expiryBands(
      incremental.map((t) => t.expr),
      previous,
      now,
    );
    const named = new Set(incremental.flatMap((t) => namedDefinitions(t.expr)));
    const keysOf = (kind: string) =>
      [...named].filter((id) => id.startsWith(`${kind}:`)).map((id) => id.slice(kind.length + 1));
    const [row] = await db.query<{ ids: number[]; population: number }>(sql`
      select array(${changedUsers({
        watermark: since,
        eventBands: bands.events,
        orderBands: bands.orders,
        userBands: bands.users,
        tags: keysOf("tag"),
        segments: keysOf("segment"),
      })} order by 1) as ids,
        (select count(*) from users where merged_into is null)::int as population`);
    const changed = row.ids.map(Number);
    if (changed.length > (options.maxChangedShare ?? INCREMENTAL_MAX_SHARE) * row.population) {
      const reason = `${changed.length} of ${row.population} users changed: a full pass is cheaper`;
      for (const t of incremental) modes.set(t, { incremental: false, reason });
    } else restriction = { userIds: changed };
  }
  planned?.({
    modes: new Map(targets.map((t) => [`${t.kind}:${t.key}`, modes.get(t) as RefreshMode])),
    changedUsers: restriction ? restriction.userIds.length : null,
  });
  const rest = await materialise(db, incremental, now, sendTime, restriction, watermark);
  // In dependency order: the full part never reads the incremental one.
  return {
    refreshed: [...full.refreshed, ...rest.refreshed],
    failed: [...failed, ...full.failed, ...rest.failed],
  };
}
