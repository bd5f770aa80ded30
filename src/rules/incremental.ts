import { CAMPAIGN_TOUCH_EVENTS } from "../semantic/campaigns";
import { children, type Expr, references } from "./ast";
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
 *   window) and (refreshedAt, t] (it entered, e.g. a future-dated event), and
 * - users whose membership of a named tag or segment changed since then.
 * Everybody else would get exactly the membership they have. Rules that read the clock or the
 * population (`scheduledOnly` in `realtime.ts`), frozen campaign audiences, a new version, a
 * changed named definition, a first refresh or an asked-for full refresh are refreshed in full.
 */

/** What the last refresh of a definition recorded (`tags` / `segments` columns). */
export interface RefreshState {
  /** The definition's current version. */
  version: number;
  refreshedAt: Date | null;
  /** The version the last refresh evaluated (null: unknown, e.g. refreshed before this existed). */
  refreshedVersion: number | null;
  factsWatermark: Date | null;
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

/** Why a rule cannot be maintained incrementally (null: it can). */
export function notIncremental(expr: Expr): string | null {
  const reason = scheduledOnly(expr);
  if (reason) return reason;
  const visit = (node: Expr): boolean => node.type === "in_campaign" || children(node).some(visit);
  return visit(expr)
    ? "in_campaign reads an audience frozen at launch, which records no change per user"
    : null;
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
 * (previous − N d, asOf − N d] for each `within N d`.
 */
export function expiryBands(rules: readonly Expr[], previous: Date, asOf: Date): ExpiryBands {
  const events = new Map<string, TimeRange[]>();
  const orders: TimeRange[] = [];
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
  rules.forEach(visit);
  const merged = new Map<string, TimeRange[]>();
  for (const [name, list] of events) {
    const ranges = mergeRanges(list);
    if (ranges.length) merged.set(name, ranges);
  }
  return { events: merged, orders: mergeRanges(orders) };
}
