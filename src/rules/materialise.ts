import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { joinSql } from "../semantic/sql";
import { type Expr, references } from "./ast";
import { compileRules } from "./compiler";
import { parseRuleInput } from "./service";

/**
 * Set-based refresh of rule memberships. All targets of one refresh share ONE feature
 * pass over the facts (a temporary table of per-user aggregates); each target is then a
 * single statement over that table that diffs against its current members, inserting
 * entries, deleting exits and logging both with the refresh time. Targets run in
 * dependency order, so `has_tag` / `in_segment` see memberships refreshed earlier.
 */
export interface MaterialiseTarget {
  kind: "tag" | "segment";
  key: string;
  expr: Expr;
  /** VALUE tags store the computed value; everything else is a boolean membership. */
  valued: boolean;
}

export interface MaterialiseResult {
  kind: "tag" | "segment";
  key: string;
  users: number;
  entered: number;
  exited: number;
  milliseconds: number;
}

/** Serialises refreshes across processes sharing the database. */
const REFRESH_LOCK = 7_210_605;

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

export async function materialise(
  db: Database,
  targets: MaterialiseTarget[],
  now: Date = new Date(),
): Promise<MaterialiseResult[]> {
  if (targets.length === 0) return [];
  const levels = dependencyLevels(targets);
  const ordered = levels.flat();
  const compiled = compileRules(
    ordered.map((t) => t.expr),
    { asOf: now },
  );
  const at = sql`${now.toISOString()}::timestamptz`;
  return db.transaction(async (tx) => {
    await tx.query(sql`select pg_advisory_xact_lock(${REFRESH_LOCK})`);
    // One pass over the facts: per-user features of every rule.
    await tx.query(sql`create temp table rule_features on commit drop as ${compiled.features}`);
    await tx.query(
      sql`create temp table rule_members (target int, user_id bigint, value text) on commit drop`,
    );
    const results: MaterialiseResult[] = [];
    for (const [levelIndex, level] of levels.entries()) {
      const started = performance.now();
      // One pass over the features per dependency level: every rule of the level evaluated per user.
      const rows = level.map((target) => {
        const index = ordered.indexOf(target);
        return target.valued
          ? sql`(${index}::int, true, ${compiled.valueText(target.expr)})`
          : sql`(${index}::int, false, case when ${compiled.expression(target.expr)} then '' end)`;
      });
      // A VALUE tag's members have a value; a condition's members have '' (stored as null).
      await tx.query(sql`insert into rule_members (target, user_id, value)
        select t.target, rf.user_id, case when t.valued then t.value end from rule_features rf
        cross join lateral (values ${joinSql(rows)}) as t(target, valued, value) where t.value is not null`);
      if (levelIndex === 0) await tx.query(sql`create index on rule_members (target, user_id)`);
      await tx.query(sql`analyze rule_members`);
      const evaluationMs = (performance.now() - started) / level.length;
      for (const target of level) {
        const diffStarted = performance.now();
        const next = sql`select user_id, value from rule_members where target = ${ordered.indexOf(target)}::int`;
        const statement =
          target.kind === "tag"
            ? sql`with next as (${next}),
            cur as materialized (select user_id, value from tag_members where tag_key = ${target.key}),
            entered as (
              insert into tag_members (tag_key, user_id, value, assigned_at)
              select ${target.key}, n.user_id, n.value, ${at} from next n
              where not exists (select 1 from cur c where c.user_id = n.user_id)
              returning user_id, value),
            exited as (
              delete from tag_members tm where tm.tag_key = ${target.key}
                and not exists (select 1 from next n where n.user_id = tm.user_id)
              returning tm.user_id, tm.value),
            updated as (${
              target.valued
                ? sql`update tag_members tm set value = n.value
                    from next n join cur c on c.user_id = n.user_id and c.value is distinct from n.value
                    where tm.tag_key = ${target.key} and tm.user_id = n.user_id
                    returning tm.user_id`
                : sql`select null::bigint as user_id where false`
            }),
            logged as (
              insert into tag_membership_changes (tag_key, user_id, change, value, at)
              select ${target.key}, user_id, 'entered', value, ${at} from entered
              union all select ${target.key}, user_id, 'exited', value, ${at} from exited
              returning 1)
            select (select count(*) from next)::int as users, (select count(*) from entered)::int as entered,
              (select count(*) from exited)::int as exited, (select count(*) from updated)::int as updated,
              (select count(*) from logged)::int as logged`
            : sql`with next as (${next}),
            cur as materialized (select user_id from segment_members where segment_key = ${target.key}),
            entered as (
              insert into segment_members (segment_key, user_id, entered_at)
              select ${target.key}, n.user_id, ${at} from next n
              where not exists (select 1 from cur c where c.user_id = n.user_id)
              returning user_id),
            exited as (
              delete from segment_members sm where sm.segment_key = ${target.key}
                and not exists (select 1 from next n where n.user_id = sm.user_id)
              returning sm.user_id),
            logged as (
              insert into segment_membership_changes (segment_key, user_id, change, at)
              select ${target.key}, user_id, 'entered', ${at} from entered
              union all select ${target.key}, user_id, 'exited', ${at} from exited
              returning 1)
            select (select count(*) from next)::int as users, (select count(*) from entered)::int as entered,
              (select count(*) from exited)::int as exited, (select count(*) from logged)::int as logged`;
        const [row] = await tx.query<{ users: number; entered: number; exited: number }>(statement);
        results.push({
          kind: target.kind,
          key: target.key,
          users: row.users,
          entered: row.entered,
          exited: row.exited,
          milliseconds: Math.round(evaluationMs + performance.now() - diffStarted),
        });
      }
    }
    const keysOf = (kind: "tag" | "segment") =>
      ordered.filter((t) => t.kind === kind).map((t) => sql`${t.key}::text`);
    if (keysOf("tag").length)
      await tx.query(sql`update tags set refreshed_at = ${at} where key in (${joinSql(keysOf("tag"))})`);
    if (keysOf("segment").length)
      await tx.query(
        sql`update segments set refreshed_at = ${at} where key in (${joinSql(keysOf("segment"))})`,
      );
    return results;
  });
}

/**
 * The targets of active RULE/VALUE tags and DYNAMIC segments (all of them when a key
 * list is absent; none of a kind when its list is empty).
 */
export async function definitionTargets(
  db: Database,
  selection: { tags?: readonly string[]; segments?: readonly string[] },
): Promise<MaterialiseTarget[]> {
  const pick = (keys: readonly string[] | undefined) =>
    keys === undefined
      ? sql`true`
      : keys.length
        ? sql`key in (${joinSql(keys.map((k) => sql`${k}::text`))})`
        : sql`false`;
  const rows = await db.query<{ kind: "tag" | "segment"; key: string; rule: string; valued: boolean }>(sql`
    select 'tag' as kind, key, rule, kind = 'VALUE' as valued from tags
      where status = 'ACTIVE' and kind in ('RULE', 'VALUE') and rule is not null and ${pick(selection.tags)}
    union all
    select 'segment' as kind, key, rule, false as valued from segments
      where status = 'ACTIVE' and kind = 'DYNAMIC' and rule is not null and ${pick(selection.segments)}
    order by 1, 2`);
  return rows.map((row) => ({
    kind: row.kind,
    key: row.key,
    expr: parseRuleInput(row.rule).expr,
    valued: row.valued,
  }));
}
