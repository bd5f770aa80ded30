import { sql } from "drizzle-orm";
import type { PiiAccess } from "../access/pii";
import type { Database } from "../db/client";
import { badInput } from "../errors";
import { assertSegmentExists } from "../segments";
import { textArray } from "../semantic/arrays";
import { RFM_SEGMENTS, type RfmSegment, rfmSegmentOf } from "../semantic/rfm";
import { explainSql } from "../semantic/sql";
import { assertTimeZone, DEFAULT_MAX_BUCKETS, type TimeRange } from "../semantic/time";
import { resolveTimeRange, type TimeRangeSpec } from "../semantic/time-range";
import { type AnalysisScope, breakdownReads } from "./compile/common";
import { type CompiledFunnel, compileFunnel, type FunnelDefinition, type FunnelRow } from "./compile/funnel";
import { compileLifecycle, type LifecycleDefinition, type LifecycleRow } from "./compile/lifecycle";
import { compilePaths, type PathsDefinition, type PathsRow } from "./compile/paths";
import { compileRepurchaseCycle, type RepurchaseDefinition, type RepurchaseRow } from "./compile/repurchase";
import { compileRetention, type RetentionDefinition, type RetentionRow } from "./compile/retention";
import {
  compileRfm,
  compileRfmOfUsers,
  type RfmDefinition,
  type RfmRow,
  type UserRfm,
} from "./compile/rfm-report";

export interface FunnelStepResult {
  index: number;
  event: string;
  count: number;
  conversionFromPrevious: number | null;
  conversionFromStart: number | null;
  dropOff: number;
  avgTimeToConvertSeconds: number | null;
  medianTimeToConvertSeconds: number | null;
  /** Users by time from the previous step, in the funnel's bins; empty for step 0. */
  timeToConvert: Array<{ fromSeconds: number; toSeconds: number | null; users: number }>;
}

export interface FunnelResult {
  steps: FunnelStepResult[];
  breakdowns: Array<{ value: string | null; steps: FunnelStepResult[] }> | null;
  /** Steps and exclusions whose event has never been seen (they count 0 / void nothing). */
  warnings: string[];
  sql: string;
  /** `sql` with its parameters inlined as literals, to paste into psql. */
  sqlInlined: string;
}

export interface RetentionCohort {
  start: Date;
  size: number;
  values: number[];
  percentages: Array<number | null>;
}

export interface RetentionResult {
  cohorts: RetentionCohort[];
  average: { percentages: Array<number | null> };
  sql: string;
  /** `sql` with its parameters inlined as literals, to paste into psql. */
  sqlInlined: string;
}

export interface PathsResult {
  nodes: Array<{ id: string; step: number; event: string; users: number }>;
  links: Array<{ source: string; target: string; users: number }>;
  sql: string;
  /** `sql` with its parameters inlined as literals, to paste into psql. */
  sqlInlined: string;
}

export interface LifecycleResult {
  rows: Array<{ time: Date; new: number; returning: number; resurrecting: number; dormant: number }>;
  sql: string;
  /** `sql` with its parameters inlined as literals, to paste into psql. */
  sqlInlined: string;
}

export interface RfmResult {
  customers: number;
  grid: Array<{ r: number; f: number; segment: RfmSegment; users: number }>;
  segments: Array<{ name: string; users: number; share: number | null; avgMonetary: number | null }>;
  sql: string;
  /** `sql` with its parameters inlined as literals, to paste into psql. */
  sqlInlined: string;
}

export interface RepurchaseDistribution {
  medianDays: number | null;
  p25Days: number | null;
  p75Days: number | null;
  intervals: number;
  histogram: Array<{ fromDays: number; toDays: number | null; count: number }>;
}

export interface RepurchaseCycleResult {
  overall: RepurchaseDistribution;
  groups: Array<{ value: string | null } & RepurchaseDistribution>;
  sql: string;
  /** `sql` with its parameters inlined as literals, to paste into psql. */
  sqlInlined: string;
}

/** Optional scope as clients send it; the time zone defaults to the deployment's. */
export type ScopeInput = { timezone?: string | null; segment?: string | null };

/** An analysis as clients send it: its definition with an optional scope and a possibly relative range. */
export type AnalysisInput<Definition> = Omit<Definition, keyof AnalysisScope | "timeRange"> &
  ScopeInput & { timeRange: TimeRangeSpec };

const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;
const float = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

/**
 * Behaviour analytics: validates input, compiles one statement per analysis,
 * runs it under the analytical statement timeout and shapes the small aggregated result.
 */
export class AnalyticsService {
  constructor(
    private readonly db: Database,
    private readonly defaultTimezone: string,
    /** Buckets (retention: cells) one analysis may produce (`STRATUM_MAX_BUCKETS`). */
    private readonly maxBuckets: number = DEFAULT_MAX_BUCKETS,
  ) {}

  /**
   * With `pii` (a request's principal), step property filters and a breakdown on PII keys
   * are FORBIDDEN without read_pii: they would reveal or test the values.
   */
  async funnel(input: AnalysisInput<FunnelDefinition>, pii?: PiiAccess): Promise<FunnelResult> {
    if (pii) {
      input.steps.forEach((step, k) => {
        pii.assertMayUse({ eventProperties: Object.keys(step?.where ?? {}) }, `steps[${k}].where`);
      });
      if (input.breakdown) pii.assertMayUse(breakdownReads(input.breakdown), "breakdown");
    }
    const scope = this.scope(input);
    const compiled = compileFunnel({ ...input, ...scope });
    await this.assertSegment(scope);
    // A dashboard may be built before its events arrive: an unseen event is a warning, not an error.
    const unseen = new Set(await this.unseenEvents(compiled.eventNames));
    const warnings = [
      ...input.steps.flatMap((step, k) =>
        unseen.has(step.event) ? [`Step ${k} event "${step.event}" has never been seen`] : [],
      ),
      ...(input.exclusions ?? []).flatMap((exclusion, j) =>
        unseen.has(exclusion.event) ? [`Exclusion ${j} event "${exclusion.event}" has never been seen`] : [],
      ),
    ];
    const rows = await this.db.analyticalQuery<FunnelRow>(compiled.statement);
    const events = input.steps.map((step) => step.event);
    const total = rows.find((row) => row.is_total);
    return {
      steps: funnelSteps(total, events, compiled.timeToConvertBins),
      breakdowns: compiled.hasBreakdown
        ? rows
            .filter((row) => !row.is_total)
            .map((row) => ({
              value: row.breakdown,
              steps: funnelSteps(row, events, compiled.timeToConvertBins),
            }))
        : null,
      warnings,
      ...explainSql(compiled.statement),
    };
  }

  async retention(input: AnalysisInput<RetentionDefinition>): Promise<RetentionResult> {
    const scope = this.scope(input);
    const compiled = compileRetention({ ...input, ...scope }, this.maxBuckets);
    await this.assertSegment(scope);
    await this.assertEventsExist([input.startEvent, input.returnEvent], (name) =>
      name === input.startEvent ? "startEvent" : "returnEvent",
    );
    const rows = await this.db.analyticalQuery<RetentionRow>(compiled.statement);
    const cohorts = new Map<number, RetentionCohort>();
    const totals: Array<{ returned: number; size: number }> = [];
    for (const row of rows) {
      const key = row.cohort.getTime();
      let cohort = cohorts.get(key);
      if (!cohort) {
        cohort = { start: row.cohort, size: row.size, values: [], percentages: [] };
        cohorts.set(key, cohort);
      }
      cohort.values[row.period] = row.value;
      cohort.percentages[row.period] = ratio(row.value, row.size);
      totals[row.period] ??= { returned: 0, size: 0 };
      totals[row.period].returned += row.value;
      totals[row.period].size += row.size;
    }
    return {
      cohorts: [...cohorts.values()],
      average: { percentages: totals.map((t) => ratio(t.returned, t.size)) },
      ...explainSql(compiled.statement),
    };
  }

  async paths(input: AnalysisInput<PathsDefinition>): Promise<PathsResult> {
    const scope = this.scope(input);
    const compiled = compilePaths({ ...input, ...scope });
    await this.assertSegment(scope);
    await this.assertEventsExist(
      [input.startEvent, input.endEvent].filter((name): name is string => !!name),
      (name) => (name === input.startEvent ? "startEvent" : "endEvent"),
    );
    const rows = await this.db.analyticalQuery<PathsRow>(compiled.statement);
    const nodeId = (step: number, event: string) => `${step}_${event}`;
    const links = rows
      .filter((row) => row.kind === "link")
      .map((row) => ({
        source: nodeId(row.step, row.event),
        target: nodeId(row.step + 1, row.target as string),
        users: row.users,
      }));
    const linked = new Set(links.flatMap((link) => [link.source, link.target]));
    const nodes = rows
      .filter((row) => row.kind === "node")
      .map((row) => ({ id: nodeId(row.step, row.event), step: row.step, event: row.event, users: row.users }))
      .filter((node) => linked.has(node.id) || links.length === 0);
    return { nodes, links, ...explainSql(compiled.statement) };
  }

  async lifecycle(input: AnalysisInput<LifecycleDefinition>): Promise<LifecycleResult> {
    const scope = this.scope(input);
    const compiled = compileLifecycle({ ...input, ...scope }, this.maxBuckets);
    await this.assertSegment(scope);
    await this.assertEventsExist([input.event], () => "event");
    const rows = await this.db.analyticalQuery<LifecycleRow>(compiled);
    return {
      rows: rows.map((row) => ({
        time: row.time,
        new: row.new_users,
        returning: row.returning_users,
        resurrecting: row.resurrecting_users,
        dormant: -row.dormant_users,
      })),
      ...explainSql(compiled),
    };
  }

  async rfm(input: Omit<RfmDefinition, "segment"> & { segment?: string | null }): Promise<RfmResult> {
    if (input.segment) await assertSegmentExists(this.db, input.segment);
    const statement = compileRfm(input);
    const rows = await this.db.analyticalQuery<RfmRow>(statement);
    const customers = rows.filter((row) => row.kind === "grid").reduce((sum, row) => sum + row.users, 0);
    const grid = [];
    for (let r = 1; r <= 5; r++) {
      for (let f = 1; f <= 5; f++) {
        const cell = rows.find((row) => row.kind === "grid" && row.r === r && row.f === f);
        grid.push({ r, f, segment: rfmSegmentOf(r, f), users: cell?.users ?? 0 });
      }
    }
    const segments = RFM_SEGMENTS.map((name) => {
      const row = rows.find((candidate) => candidate.kind === "segment" && candidate.segment === name);
      const users = row?.users ?? 0;
      return { name, users, share: ratio(users, customers), avgMonetary: float(row?.avg_monetary) };
    });
    return { customers, grid, segments, ...explainSql(statement) };
  }

  /** RFM of several profiles (default lookback, as of now) in one statement, for a DataLoader. */
  async rfmOfUsers(userIds: readonly number[]): Promise<Array<UserRfm | null>> {
    const rows = await this.db.analyticalQuery<UserRfm & { user_id: number }>(compileRfmOfUsers(userIds));
    const byUser = new Map(rows.map((row) => [row.user_id, row]));
    return userIds.map((id) => {
      const row = byUser.get(id);
      if (!row) return null;
      return {
        recencyDays: row.recencyDays,
        frequency: row.frequency,
        monetary: Number(row.monetary),
        r: row.r,
        f: row.f,
        m: row.m,
        segment: row.segment,
      };
    });
  }

  async repurchaseCycle(input: AnalysisInput<RepurchaseDefinition>): Promise<RepurchaseCycleResult> {
    const scope = this.scope(input);
    const compiled = compileRepurchaseCycle({ ...input, ...scope });
    await this.assertSegment(scope);
    const rows = await this.db.analyticalQuery<RepurchaseRow>(compiled.statement);
    const distribution = (group: RepurchaseRow[]): RepurchaseDistribution => {
      const head = group.find((row) => row.bin === null);
      return {
        medianDays: float(head?.median_days),
        p25Days: float(head?.p25_days),
        p75Days: float(head?.p75_days),
        intervals: head?.count ?? 0,
        histogram: compiled.bins.map((fromDays, i) => ({
          fromDays,
          toDays: compiled.bins[i + 1] ?? null,
          count: group.find((row) => row.bin === i)?.count ?? 0,
        })),
      };
    };
    const byGroup = new Map<string | null, RepurchaseRow[]>();
    for (const row of rows.filter((candidate) => !candidate.is_overall)) {
      byGroup.set(row.grp, [...(byGroup.get(row.grp) ?? []), row]);
    }
    return {
      overall: distribution(rows.filter((row) => row.is_overall)),
      groups: [...byGroup.entries()].map(([value, group]) => ({ value, ...distribution(group) })),
      ...explainSql(compiled.statement),
    };
  }

  /**
   * The time zone, the segment and the range resolved now in that time zone; the segment is
   * checked (SQL) only once the input has compiled, so caps refuse before any statement.
   */
  private scope(input: ScopeInput & { timeRange: TimeRangeSpec }): AnalysisScope & { timeRange: TimeRange } {
    const timezone = assertTimeZone(input.timezone ?? this.defaultTimezone);
    return {
      timezone,
      segment: input.segment ?? null,
      timeRange: resolveTimeRange(input.timeRange, timezone, new Date()),
    };
  }

  private async assertSegment(scope: AnalysisScope): Promise<void> {
    if (scope.segment) await assertSegmentExists(this.db, scope.segment);
  }

  /** BAD_USER_INPUT naming the field of the first event name never seen. */
  private async assertEventsExist(names: string[], fieldOf: (name: string) => string): Promise<void> {
    const [missing] = await this.unseenEvents(names);
    if (missing !== undefined) {
      const field = fieldOf(missing);
      throw badInput(`${field}: unknown event "${missing}"`, { argument: field, event: missing });
    }
  }

  /** The names, in the given order, that no event has ever had. */
  private async unseenEvents(names: string[]): Promise<string[]> {
    if (names.length === 0) return [];
    // One uncorrelated probe per name (an index lookup each): Citus refuses a subquery
    // correlated with the unnest, and runs each `limit 1` probe on the shards.
    const seen = sql.join(
      names.map((name) => sql`(select e.name from events e where e.name = ${name} limit 1)`),
      sql` union all `,
    );
    const missing = await this.db.query<{ name: string }>(sql`
      select n.name from unnest(${textArray(names)}) with ordinality as n(name, k)
      where n.name not in (${seen})
      order by n.k`);
    return missing.map((row) => row.name);
  }
}

function funnelSteps(
  row: FunnelRow | undefined,
  events: string[],
  bins: CompiledFunnel["timeToConvertBins"],
): FunnelStepResult[] {
  const count = (k: number) => Number(row?.[`c${k}`] ?? 0);
  const binned = (k: number) => {
    const users = (row?.[`ttc${k}`] as number[] | undefined) ?? [];
    return bins.map((bin, i) => ({ ...bin, users: Number(users[i] ?? 0) }));
  };
  return events.map((event, k) => ({
    index: k,
    event,
    count: count(k),
    conversionFromPrevious: k === 0 ? ratio(count(0), count(0)) : ratio(count(k), count(k - 1)),
    conversionFromStart: ratio(count(k), count(0)),
    dropOff: k === 0 ? 0 : count(k - 1) - count(k),
    avgTimeToConvertSeconds: k === 0 ? null : float(row?.[`avg${k}`]),
    medianTimeToConvertSeconds: k === 0 ? null : float(row?.[`median${k}`]),
    timeToConvert: k === 0 ? [] : binned(k),
  }));
}
