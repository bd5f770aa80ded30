import { sql } from "drizzle-orm";
import { backOff } from "exponential-backoff";
import type { Database } from "../db/client";
import { lostRace, RACE_RETRY_POLICY } from "../db/concurrency";
import { logger } from "../logger";
import { bigintArray } from "../semantic/arrays";
import { mergeSurvivor } from "../semantic/facts";
import type { SendTimeModel } from "../semantic/send-time";
import { children, type Expr, type TypedExpr } from "./ast";
import { STORED_RULE_NAMES, typed } from "./checker";
import { type MaterialiseReport, type MaterialiseTarget, materialise } from "./materialise";
import { parseRuleInput } from "./service";

/**
 * Real-time audiences. A definition whose rule is incrementally maintainable (event and order
 * aggregates, traits, profile fields compared with constants, memberships of other real-time or
 * hand-kept definitions, campaigns) is re-evaluated for the users of every ingested batch right
 * after the batch commits (`RealtimeAudiences.afterIngest`), one restricted `materialise` per
 * batch. Rules that change without an event of the user (population-relative, model-scored, or
 * reading the clock) stay on the scheduled refresh.
 *
 * Guarantee: after `track` / `recordOrders` / `identify` returns, every real-time definition's
 * membership of the batch's users is what a full refresh at that moment would give them. Changes
 * that come from time passing alone (a `within 7d` that expires with no new event) are made by the
 * next scheduled refresh.
 */
export interface RealtimeMode {
  realtime: boolean;
  /** Why, for a person to read. */
  reason: string;
}

/** A tag or segment as `realtimeModes` reads it; `expr` is null without a rule (or one that no longer parses). */
export interface RealtimeCandidate {
  kind: "tag" | "segment";
  key: string;
  /** RULE / VALUE / MANUAL (tags), DYNAMIC / STATIC (segments). */
  definitionKind: string;
  active: boolean;
  expr: Expr | null;
}

const modeKey = (kind: "tag" | "segment", key: string) => `${kind}:${key}`;

/** Why a rule node cannot be maintained per batch (null: it can). */
export function scheduledOnly(expr: Expr): string | null {
  switch (expr.type) {
    case "rfm_segment":
      return "rfm.segment ranks users against the whole population, so any order can move anyone";
    case "prediction":
      return `predict.${expr.field} reads the purchase model's scores, rescored by the scheduled refresh`;
    case "send_time":
      return `send_time.${expr.field} is smoothed toward the whole population's activity`;
    case "top_recommended_category":
      return "recommendations.top_category is written by the recommendations refresh";
    case "days_since":
      return "days_since changes with the clock, not with events";
    case "within":
      return `a timestamp "within ${expr.days}d" changes with the clock, not with events`;
    default:
      for (const child of children(expr)) {
        const reason = scheduledOnly(child);
        if (reason) return reason;
      }
      return null;
  }
}

/** The widest aggregate window of a rule (`within Nd` of a fact), if any. */
function widestWindow(expr: Expr): number | null {
  let widest: number | null = null;
  const visit = (node: Expr) => {
    const days =
      node.type === "aggregate"
        ? node.source.withinDays
        : node.type === "received_campaign"
          ? node.withinDays
          : undefined;
    if (days !== undefined) widest = Math.max(widest ?? 0, days);
    children(node).forEach(visit);
  };
  visit(expr);
  return widest;
}

function dependencies(expr: Expr): Array<{ kind: "tag" | "segment"; key: string }> {
  const found: Array<{ kind: "tag" | "segment"; key: string }> = [];
  const visit = (node: Expr) => {
    if (node.type === "has_tag") found.push({ kind: "tag", key: node.key });
    else if (node.type === "in_segment") found.push({ kind: "segment", key: node.key });
    else children(node).forEach(visit);
  };
  visit(expr);
  return found;
}

/**
 * The mode of every candidate, by `kind:key`. A rule is real-time when none of its nodes is
 * scheduled-only and every tag or segment it names is real-time itself or not computed by a
 * rule (MANUAL tags, STATIC segments change at once; unknown or archived ones are false).
 */
export function realtimeModes(candidates: readonly RealtimeCandidate[]): Map<string, RealtimeMode> {
  const byKey = new Map(candidates.map((c) => [modeKey(c.kind, c.key), c]));
  const modes = new Map<string, RealtimeMode>();
  const modeOf = (id: string, stack: Set<string>): RealtimeMode => {
    const known = modes.get(id);
    if (known) return known;
    const candidate = byKey.get(id) as RealtimeCandidate;
    const mode = ((): RealtimeMode => {
      if (!candidate.active) return { realtime: false, reason: "archived: its memberships no longer change" };
      if (candidate.definitionKind === "MANUAL")
        return { realtime: false, reason: "MANUAL tag: members change only through assignTag / unassignTag" };
      if (candidate.definitionKind === "STATIC")
        return { realtime: false, reason: "STATIC segment: a fixed list that never refreshes" };
      if (!candidate.expr) return { realtime: false, reason: "the stored rule no longer parses" };
      const reason = scheduledOnly(candidate.expr);
      if (reason) return { realtime: false, reason: `scheduled refresh only: ${reason}` };
      stack.add(id);
      const scheduledDependency = dependencies(candidate.expr).find((dep) => {
        const depId = modeKey(dep.kind, dep.key);
        const target = byKey.get(depId);
        const computed =
          target?.active && target.definitionKind !== "MANUAL" && target.definitionKind !== "STATIC";
        return computed && !stack.has(depId) && !modeOf(depId, stack).realtime;
      });
      stack.delete(id);
      if (scheduledDependency)
        return {
          realtime: false,
          reason: `scheduled refresh only: it depends on ${scheduledDependency.kind} "${scheduledDependency.key}", which is refreshed on the schedule`,
        };
      const window = widestWindow(candidate.expr);
      return {
        realtime: true,
        reason:
          window === null
            ? "re-evaluated for the users of every ingested batch"
            : `re-evaluated for the users of every ingested batch; a window (within ${window}d) that expires with no new event is applied by the next scheduled refresh`,
      };
    })();
    modes.set(id, mode);
    return mode;
  };
  for (const id of byKey.keys()) modeOf(id, new Set());
  return modes;
}

/** Queued users one `drainPending` evaluates at most (one restricted run, per-user locks). */
const PENDING_BATCH = 1_000;

/**
 * How long after its batch's transaction a user written by `intend` falls due to the worker: far
 * longer than a batch's own evaluation takes, which removes it first, so the worker does not
 * evaluate every batch a second time.
 */
const EVALUATION_GRACE_MS = 10_000;

/** What `intend` wrote for a batch: the due time of its users' rows. */
export interface Intent {
  dueAt: string;
}

/** Re-evaluates real-time definitions for the users of ingested batches. */
export class RealtimeAudiences {
  /** Parsed and typed rules by their text: a batch parses nothing it has seen before. */
  private readonly typedRules = new Map<string, TypedExpr | null>();

  constructor(
    private readonly db: Database,
    /** Also where the outbox reads users' zones for quiet hours. */
    readonly sendTime?: SendTimeModel,
    private readonly graceMs = EVALUATION_GRACE_MS,
  ) {}

  private typedRule(rule: string | null): TypedExpr | null {
    if (rule === null) return null;
    let expr = this.typedRules.get(rule);
    if (expr === undefined) {
      try {
        expr = typed(parseRuleInput(rule).expr, STORED_RULE_NAMES);
      } catch {
        expr = null;
      }
      // Rules change rarely; the bound only keeps a long-lived process from growing without limit.
      if (this.typedRules.size > 10_000) this.typedRules.clear();
      this.typedRules.set(rule, expr);
    }
    return expr;
  }

  /** Every tag and segment (archived ones too), with its typed rule. */
  private async candidates(): Promise<
    Array<RealtimeCandidate & { expr: TypedExpr | null; valued: boolean }>
  > {
    const rows = await this.db.query<{
      kind: "tag" | "segment";
      key: string;
      definitionKind: string;
      active: boolean;
      rule: string | null;
    }>(sql`
      select 'tag' as kind, key, kind as "definitionKind", status = 'ACTIVE' as active, rule from tags
      union all
      select 'segment', key, kind, status = 'ACTIVE', rule from segments`);
    return rows.map((row) => ({
      ...row,
      expr:
        row.definitionKind === "MANUAL" || row.definitionKind === "STATIC" ? null : this.typedRule(row.rule),
      valued: row.definitionKind === "VALUE",
    }));
  }

  /** The mode of every tag and segment, by `tag:<key>` / `segment:<key>`. */
  async modes(): Promise<Map<string, RealtimeMode>> {
    return realtimeModes(await this.candidates());
  }

  /**
   * After a batch committed: its users (stored ids, resolved to survivors here) re-evaluated
   * by every real-time definition, entries and exits logged and their triggers' outbox rows
   * written, in one transaction. Nothing runs when no definition is real-time. When the run
   * fails (its bounded lock wait ran out behind a full refresh, or anything else), the users are
   * queued in `realtime_pending` before the error is rethrown, so `drainPending` evaluates them
   * again: a lost evaluation is late, never dropped.
   */
  async afterIngest(
    userIds: Iterable<number>,
    intent: Intent | null = null,
    now: Date = new Date(),
  ): Promise<MaterialiseReport | null> {
    const ids = [...new Set(userIds)];
    try {
      const report = await this.evaluate(ids, now);
      if (intent)
        await this.db.query(sql`
          delete from realtime_pending
          where user_id = any(${bigintArray(ids)}) and due_at = ${intent.dueAt}::timestamptz`);
      return report;
    } catch (error) {
      await this.queue(ids).catch((queueError: unknown) =>
        logger.error({ err: queueError, users: ids.length }, "lost real-time evaluation could not be queued"),
      );
      throw error;
    }
  }

  /**
   * Inside a batch's transaction: writes its users to `realtime_pending`, due after the grace
   * period, so they are evaluated even if the process dies between the commit and
   * `afterIngest` (which removes them). Skipped while no rule-based tag or segment is active
   * (nothing could be real-time); an earlier due time of a user is kept. Answers the due time
   * written, for `afterIngest`, or null when nothing was written.
   */
  async intend(tx: Database, userIds: readonly number[]): Promise<Intent | null> {
    if (userIds.length === 0) return null;
    const [row] = await tx.query<{ dueAt: string | null }>(sql`
      with due as (select now() + make_interval(secs => ${this.graceMs / 1000}::float8) as at),
      written as (
        insert into realtime_pending (user_id, due_at)
        select distinct u.id, due.at from unnest(${bigintArray(userIds)}) as u(id), due
        where exists (select 1 from tags where status = 'ACTIVE' and kind in ('RULE', 'VALUE'))
          or exists (select 1 from segments where status = 'ACTIVE' and kind = 'DYNAMIC')
        on conflict (user_id) do update set due_at = least(realtime_pending.due_at, excluded.due_at)
        returning 1)
      select case when exists (select 1 from written) then (select at from due)::text end as "dueAt"`);
    return row.dueAt === null ? null : { dueAt: row.dueAt };
  }

  /** Queues users for `drainPending`, due at once (a failed evaluation is retried soon). */
  async queue(userIds: readonly number[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.db.query(sql`
      insert into realtime_pending (user_id) select distinct unnest(${bigintArray(userIds)})
      on conflict (user_id) do update set due_at = now()`);
  }

  /**
   * Evaluates up to `limit` users that fell due (earliest first) as `afterIngest` would and
   * removes them, unless they were written again meanwhile (their due time moved). A run that
   * fails leaves them queued. Answers how many were evaluated. Two processes draining at once may
   * evaluate a user twice, which changes nothing the second time.
   */
  async drainPending(limit = PENDING_BATCH): Promise<number> {
    const pending = await this.db.query<{ userId: number; dueAt: string }>(sql`
      select user_id as "userId", due_at::text as "dueAt" from realtime_pending
      where due_at <= now()
      order by due_at, user_id limit ${limit}::int`);
    if (pending.length === 0) return 0;
    await this.evaluate(pending.map((row) => Number(row.userId)));
    await this.db.query(sql`
      delete from realtime_pending p
      using json_to_recordset(${JSON.stringify(pending)}::json) as x("userId" bigint, "dueAt" text)
      where p.user_id = x."userId" and p.due_at = x."dueAt"::timestamptz`);
    return pending.length;
  }

  private async evaluate(ids: readonly number[], now: Date = new Date()): Promise<MaterialiseReport | null> {
    if (ids.length === 0) return null;
    const candidates = await this.candidates();
    const modes = realtimeModes(candidates);
    const targets: MaterialiseTarget[] = candidates.flatMap((c) =>
      c.expr && modes.get(modeKey(c.kind, c.key))?.realtime
        ? [{ kind: c.kind, key: c.key, expr: c.expr, valued: c.valued }]
        : [],
    );
    if (targets.length === 0) return null;
    const owner = mergeSurvivor(sql`x.id`);
    const survivors = await this.db.query<{ id: number }>(sql`
      select distinct ${owner.id} as id from unnest(${bigintArray(ids)}) as x(id) ${owner.join}`);
    const report = await backOff(
      () =>
        materialise(this.db, targets, now, this.sendTime, {
          userIds: survivors.map((row) => Number(row.id)),
        }),
      // A restricted refresh that met a concurrent one of the same user runs again, as a batch does.
      { ...RACE_RETRY_POLICY, retry: lostRace },
    );
    for (const failure of report.failed)
      logger.warn(
        { ...failure },
        "real-time evaluation of a definition failed; the scheduled refresh will retry it",
      );
    return report;
  }
}
