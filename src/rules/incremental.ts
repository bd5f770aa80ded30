import { CAMPAIGN_TOUCH_EVENTS } from "../semantic/campaigns";
import { USER_TIME_COLUMNS, type UserTimeField } from "../semantic/changes";
import { type CompareOp, children, type Expr, references } from "./ast";
import { scheduledOnly } from "./realtime";

/**
 * Planning of incremental scheduled refreshes (pure; `materialise.ts` `refreshDefinitions` runs
 * the plan). A rule's memberships depend only on its users' own facts, the clock through its
 * windows, and the memberships it names. So when the last refresh evaluated the definition's
 * current version as of `refreshedAt`, seeing every fact change committed before
 * `factsWatermark`, a refresh as of t only has to re-evaluate
 * - users with a fact change at or after the watermark (events received, orders written,
 *   profiles updated — traits, merges, erasures —, merges recorded), and
 * - users with a fact whose time lies in a band where window membership changed between
 *   `refreshedAt` and t: (refreshedAt − N d, t − N d] for each `within N d` (it left the
 *   window) and (refreshedAt, t] (it entered, e.g. a future-dated event),
 * - users with a time the rule compares with the clock (`clockCrossings`: a timestamp `within
 *   N d`, `days_since(…)` compared with a number) that crossed one of its day thresholds t − k d
 *   between `refreshedAt` and t, and
 * - users whose membership of a named tag or segment changed since then.
 * Everybody else would get exactly the membership they have. Rules that read the population or
 * a model (`rfm`, `predict`, `send_time`, `recommendations`), compare `days_since` otherwise
 * than with numbers, frozen campaign audiences, a new version, a changed named definition, a
 * first refresh or an asked-for full refresh are refreshed in full.
 */

/** What the last refresh of a definition recorded (`tags` / `segments` columns). */
export interface RefreshState {
  /** The definition's current version. */
  version: number;
  refreshedAt: Date | null;
  /** The version the last refresh evaluated (null: unknown, e.g. refreshed before this existed). */
  refreshedVersion: number | null;
  factsWatermark: Date | null;
  /** `refreshed_members` (null: not recorded, the members are counted). */
  refreshedMembers: number | null;
}

export interface PlannedTarget {
  kind: "tag" | "segment";
  key: string;
  expr: Expr;
  state?: RefreshState;
}

export type RefreshMode = { incremental: true } | { incremental: false; reason: string };

export interface PlanOptions {
  /** The evaluation time of this refresh. */
  asOf: Date;
  /** Refresh every target in full. */
  full?: boolean;
  /**
   * Named definitions by `kind:key`: when each last changed (`updated_at`); absent when it does
   * not exist. A named definition changed since a target's watermark makes the target full.
   */
  definitionsUpdatedAt: ReadonlyMap<string, Date>;
}

const definitionId = (kind: "tag" | "segment", key: string) => `${kind}:${key}`;

/** Nodes whose value can change for anyone when anybody's facts change, or with a model refit. */
const POPULATION_NODES = new Set<Expr["type"]>([
  "rfm_segment",
  "prediction",
  "send_time",
  "top_recommended_category",
]);

/** Why a rule cannot be maintained incrementally (null: it can). */
export function notIncremental(expr: Expr): string | null {
  const visit = (node: Expr): string | null => {
    if (POPULATION_NODES.has(node.type)) return scheduledOnly(node);
    if (node.type === "in_campaign")
      return "in_campaign reads an audience frozen at launch, which records no change per user";
    for (const child of children(node)) {
      const reason = visit(child);
      if (reason) return reason;
    }
    return null;
  };
  const clock = clockCrossings(expr);
  return visit(expr) ?? (typeof clock === "string" ? clock : null);
}

/**
 * A time a rule compares with the clock, located in the facts: a profile column, or — for a
 * timestamp aggregate (min/max/first/last of `ts` or `placed_at`), whose value is the time of
 * one of the user's facts — the times of events of one name or of orders.
 */
export type ClockedTime =
  | { fact: "user"; field: UserTimeField }
  | { fact: "event"; event: string }
  | { fact: "orders" };

/** The rule's value can change only when `time` reaches t − `days` × 24 h. */
export interface ClockCrossing {
  time: ClockedTime;
  days: number;
}

function clockedTime(expr: Expr): ClockedTime | null {
  if (expr.type === "user")
    return Object.hasOwn(USER_TIME_COLUMNS, expr.field)
      ? { fact: "user", field: expr.field as UserTimeField }
      : null;
  if (expr.type !== "aggregate" || !["min", "max", "first", "last"].includes(expr.fn)) return null;
  const { source } = expr;
  // Only the fact times the change scan reads (`changedUsers`); any other time stays full.
  if (source.fact === "orders") return source.field === "placed_at" ? { fact: "orders" } : null;
  return source.field === "ts" || source.field === "timestamp"
    ? { fact: "event", event: source.event }
    : null;
}

const MIRRORED: Record<CompareOp, CompareOp> = {
  "=": "=",
  "!=": "!=",
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
};

/**
 * The day counts k at which `days_since(x) op c` can change value as the clock moves on
 * (days_since is a whole number that grows by one at x + k d): `> c` turns true at ⌊c⌋ + 1, …
 */
function dayThresholds(op: CompareOp, c: number): number[] {
  switch (op) {
    case ">":
    case "<=":
      return [Math.floor(c) + 1];
    case ">=":
    case "<":
      return [Math.ceil(c)];
    case "=":
    case "!=":
      return Number.isInteger(c) ? [c, c + 1] : [];
  }
}

const numberLiteral = (expr: Expr): number | null =>
  expr.type === "literal" && typeof expr.value === "number" ? expr.value : null;

/** `days_since(x)` compared with number literals: x and the day counts where the comparison can flip. */
function daysComparison(node: Expr): { time: Expr; days: number[] } | null {
  if (node.type === "compare") {
    const [counted, op, bound] =
      node.left.type === "days_since"
        ? [node.left, node.op, numberLiteral(node.right)]
        : node.right.type === "days_since"
          ? [node.right, MIRRORED[node.op], numberLiteral(node.left)]
          : [null, node.op, null];
    return counted && bound !== null ? { time: counted.arg, days: dayThresholds(op, bound) } : null;
  }
  if (node.type === "between" && node.value.type === "days_since") {
    const [low, high] = [numberLiteral(node.low), numberLiteral(node.high)];
    return low !== null && high !== null
      ? { time: node.value.arg, days: [Math.ceil(low), Math.floor(high) + 1] }
      : null;
  }
  if (node.type === "in" && node.value.type === "days_since") {
    if (!node.list.every((item) => item === null || typeof item === "number")) return null;
    const values = node.list.filter((item): item is number => Number.isInteger(item));
    return { time: node.value.arg, days: values.flatMap((v) => [v, v + 1]) };
  }
  return null;
}

/**
 * Where the rule reads the clock outside aggregate windows, as crossings: a timestamp
 * `within N d` (t − N d < x ≤ t) changes only when x reaches t − N d or t, and `days_since(x)`
 * compared with numbers only when it reaches one of their thresholds. So between refreshes at
 * t0 and t1, a user without new facts changes only with such an x in (t0 − k d, t1 − k d].
 * A reason instead when the rule reads the clock otherwise (days_since as a value, or compared
 * with another quantity: it changes every day for everyone), or a time not found in the facts.
 */
export function clockCrossings(expr: Expr): ClockCrossing[] | string {
  const crossings: ClockCrossing[] = [];
  let reason: string | null = null;
  const crossing = (value: Expr, days: number[]) => {
    const time = clockedTime(value);
    if (!time) reason ??= "it compares the clock with a time that is not a profile, event or order time";
    else for (const d of days) crossings.push({ time, days: d });
  };
  const visit = (node: Expr) => {
    const counted = daysComparison(node);
    if (node.type === "within") crossing(node.value, [node.days, 0]);
    else if (counted) crossing(counted.time, counted.days);
    else if (node.type === "days_since")
      reason ??= "days_since used other than compared with numbers changes every day for everyone";
    else children(node).forEach(visit);
  };
  visit(expr);
  return reason ?? crossings;
}

/** The definitions a rule names through `has_tag` / `in_segment`, as `kind:key`. */
export function namedDefinitions(expr: Expr): string[] {
  const refs = references(expr);
  return [
    ...refs.tags.map((k) => definitionId("tag", k)),
    ...refs.segments.map((k) => definitionId("segment", k)),
  ];
}

/**
 * Each target's mode. A target that a full target names (directly or through others) is full as
 * well: full targets are evaluated first, so what they read must already be final.
 */
export function planRefresh<T extends PlannedTarget>(
  targets: readonly T[],
  options: PlanOptions,
): Map<T, RefreshMode> {
  const modes = new Map<T, RefreshMode>();
  for (const target of targets) modes.set(target, ownMode(target, options));
  const byId = new Map(targets.map((t) => [definitionId(t.kind, t.key), t]));
  const pending = targets.filter((t) => !modes.get(t)?.incremental);
  while (pending.length > 0) {
    const reader = pending.pop() as T;
    for (const id of namedDefinitions(reader.expr)) {
      const named = byId.get(id);
      if (named && modes.get(named)?.incremental) {
        modes.set(named, {
          incremental: false,
          reason: `${reader.kind} "${reader.key}", refreshed in full, reads its memberships`,
        });
        pending.push(named);
      }
    }
  }
  return modes;
}

function ownMode(target: PlannedTarget, options: PlanOptions): RefreshMode {
  const full = (reason: string): RefreshMode => ({ incremental: false, reason });
  if (options.full) return full("a full refresh was asked for");
  const state = target.state;
  if (!state?.refreshedAt || !state.factsWatermark || state.refreshedVersion === null)
    return full("first refresh of this definition");
  if (state.refreshedVersion !== state.version) return full("the definition changed since its last refresh");
  if (options.asOf.getTime() < state.refreshedAt.getTime())
    return full("evaluated as of a time before its last refresh");
  const reason = notIncremental(target.expr);
  if (reason) return full(reason);
  for (const id of namedDefinitions(target.expr)) {
    const updated = options.definitionsUpdatedAt.get(id);
    if (!updated || updated.getTime() >= state.factsWatermark.getTime())
      return full(`${id.replace(":", " ")} changed since the last refresh`);
  }
  return { incremental: true };
}

/** A half-open time range (from, to] of fact times. */
export interface TimeRange {
  from: Date;
  to: Date;
}

/** Fact-time ranges whose window membership changed between two refreshes, by fact. */
export interface ExpiryBands {
  /** By event name. */
  events: Map<string, TimeRange[]>;
  orders: TimeRange[];
  /** By profile time (`user.first_seen` …). */
  users: Map<UserTimeField, TimeRange[]>;
}

const DAY_MS = 86_400_000;

/** Sorted, with overlapping or touching ranges joined. */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges
    .filter((r) => r.to.getTime() > r.from.getTime())
    .sort((a, b) => a.from.getTime() - b.from.getTime());
  const merged: TimeRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.from.getTime() <= last.to.getTime()) {
      if (range.to.getTime() > last.to.getTime()) last.to = range.to;
    } else merged.push({ from: range.from, to: range.to });
  }
  return merged;
}

/**
 * The fact times whose membership of a window changed from `previous` to `asOf` for the rules'
 * aggregates: (previous, asOf] for every aggregate (every aggregate reads facts up to t), and
 * (previous − N d, asOf − N d] for each `within N d`; and for each of the rules'
 * `clockCrossings` (previous − k d, asOf − k d] of its time. The rules must be incrementally
 * maintainable (`notIncremental` null).
 */
export function expiryBands(rules: readonly Expr[], previous: Date, asOf: Date): ExpiryBands {
  const events = new Map<string, TimeRange[]>();
  const orders: TimeRange[] = [];
  const users = new Map<UserTimeField, TimeRange[]>();
  const shifted = (days: number): TimeRange => ({
    from: new Date(previous.getTime() - days * DAY_MS),
    to: new Date(asOf.getTime() - days * DAY_MS),
  });
  const add = (list: TimeRange[], withinDays: number | undefined) => {
    list.push(shifted(0));
    if (withinDays !== undefined) list.push(shifted(withinDays));
  };
  const eventList = (name: string) => {
    const list = events.get(name) ?? [];
    events.set(name, list);
    return list;
  };
  const visit = (node: Expr) => {
    if (node.type === "aggregate") {
      if (node.source.fact === "orders") add(orders, node.source.withinDays);
      else add(eventList(node.source.event), node.source.withinDays);
    } else if (node.type === "received_campaign") add(eventList(CAMPAIGN_TOUCH_EVENTS.sent), node.withinDays);
    children(node).forEach(visit);
  };
  for (const rule of rules) {
    visit(rule);
    const crossings = clockCrossings(rule);
    if (typeof crossings === "string")
      throw new Error(`expiryBands of a rule refreshed in full: ${crossings}`);
    for (const { time, days } of crossings) {
      if (time.fact === "orders") orders.push(shifted(days));
      else if (time.fact === "event") eventList(time.event).push(shifted(days));
      else users.set(time.field, [...(users.get(time.field) ?? []), shifted(days)]);
    }
  }
  const joined = <K>(byKey: Map<K, TimeRange[]>) => {
    const merged = new Map<K, TimeRange[]>();
    for (const [key, list] of byKey) {
      const ranges = mergeRanges(list);
      if (ranges.length) merged.set(key, ranges);
    }
    return merged;
  };
  return { events: joined(events), orders: mergeRanges(orders), users: joined(users) };
}
