import { sql } from "drizzle-orm";
import type { PiiAccess } from "../access/pii";
import type { Database } from "../db/client";
import { notFound } from "../errors";
import { DIMENSIONS_BY_KEY, dimensionReads } from "../metrics/dimensions";
import { piiValueTags } from "../rules/pii";
import { type CompiledMetricQuery, compileMetricQuery } from "../semantic/metrics/compile";
import { isoInTimeZone } from "../semantic/metrics/format";
import type { MetricPlan, OutputColumn } from "../semantic/metrics/plan";
import type { DimensionRef, MetricFilter, MetricQuery } from "../semantic/metrics/query";
import { rollupZone } from "../semantic/rollups";
import { compileSql, inlineParams } from "../semantic/sql";
import { DEFAULT_MAX_BUCKETS } from "../semantic/time";
import { resolveTimeRange, type TimeRangeSpec } from "../semantic/time-range";

/** A metric query as callers give it: the range may be relative (`last`, `named`). */
export type MetricRequest = Omit<MetricQuery, "range"> & { range: TimeRangeSpec };

/** One row of an answer: the bucket, the dimension values in the query's order, the metrics. */
export interface MetricAnswerRow {
  /** Bucket start, ISO 8601 with the offset of the query's time zone. */
  time: string;
  dimensions: unknown[];
  values: Record<string, number | null>;
  previous: Record<string, number | null>;
  change: Record<string, number | null>;
}

export interface MetricAnswer {
  rows: MetricAnswerRow[];
  /** The statement's output columns, from its plan (time, dimensions, metrics and their comparisons). */
  columns: OutputColumn[];
  /** The compiled, parameterised statement (explain); it names `user_day_events` / `user_day_orders` when it reads the rollups. */
  sql: string;
  /** Whether the statement reads the user-day rollups, and if not, why. */
  rollups: { used: boolean; reason?: string };
  params: unknown[];
  /** `sql` with `params` inlined as literals, to paste into psql. */
  sqlInlined: string;
}

/**
 * Runs metric queries: validates, checks that the named tags and segments exist (one
 * statement), compiles, and runs the ONE compiled statement under the analytical
 * statement timeout. Knows nothing of GraphQL or HTTP.
 */
export class MetricsService {
  constructor(
    private readonly db: Database,
    /** Buckets one query may produce (`STRATUM_MAX_BUCKETS`). */
    private readonly maxBuckets: number = DEFAULT_MAX_BUCKETS,
    /** Read the user-day rollups where they answer (`STRATUM_ROLLUPS`); false: the raw facts always. */
    private readonly useRollups = true,
  ) {}

  /**
   * Compiles without running (for `sql` alone); a relative range is resolved at `now`.
   * `rollupTimezone`: the zone the rollups are built in (`rollupTimezone()`), if they are used.
   */
  explain(
    request: MetricRequest,
    now: Date = new Date(),
    rollupTimezone?: string,
  ): { query: MetricQuery; compiled: CompiledMetricQuery; sql: string; params: unknown[] } {
    const query = { ...request, range: resolveTimeRange(request.range, request.timezone, now) };
    const compiled = compileMetricQuery(query, this.maxBuckets, rollupTimezone);
    const { sql: text, params } = compileSql(compiled.statement);
    return { query, compiled, sql: text, params };
  }

  /**
   * With `pii` (a request's principal), dimensions and filters that read PII (a PII trait
   * or event property, the value of a VALUE tag computed from PII) are FORBIDDEN without
   * read_pii: grouping or filtering by them reveals the values.
   */
  async run(
    request: MetricRequest,
    options: { execute?: boolean; pii?: PiiAccess } = {},
  ): Promise<MetricAnswer> {
    const {
      query,
      compiled,
      sql: text,
      params,
    } = this.explain(request, new Date(), await this.rollupTimezone());
    if (options.pii && !options.pii.seesPii) await this.assertPiiAllowed(query, options.pii);
    const explained = {
      columns: compiled.plan.output,
      rollups: compiled.rollups.use ? { used: true } : { used: false, reason: compiled.rollups.reason },
      sql: text,
      params,
      sqlInlined: inlineParams(text, params),
    };
    if (options.execute === false) return { rows: [], ...explained };
    await this.assertKeysExist(query);
    const rows = await this.db.analyticalQuery(compiled.statement);
    return { rows: rows.map((row) => toAnswerRow(row, compiled.plan, query.timezone)), ...explained };
  }

  /**
   * The zone the rollups were built in (read per request: a rebuild in another zone, or none
   * yet, must never be read as this one); undefined when they are off or not built.
   */
  async rollupTimezone(): Promise<string | undefined> {
    if (!this.useRollups) return undefined;
    const [row] = await this.db.query<{ timezone: string }>(rollupZone);
    return row?.timezone;
  }

  private async assertPiiAllowed(query: MetricQuery, pii: PiiAccess): Promise<void> {
    const parts: Array<[string, DimensionRef[]]> = [
      ["dimensions", query.dimensions],
      ["where", query.where ? filterRefs(query.where) : []],
    ];
    const valueTags = parts.flatMap(([, refs]) => refs.filter((ref) => ref.key === "tag_value"));
    const piiTags = valueTags.length > 0 ? await piiValueTags(this.db, pii.policy) : new Set<string>();
    for (const [argument, refs] of parts) {
      const reads = refs.flatMap((ref) => {
        const dimension = DIMENSIONS_BY_KEY.get(ref.key);
        return dimension ? [dimensionReads(dimension)] : [];
      });
      pii.assertMayUse(
        {
          traits: reads.flatMap((read) => read.traits),
          eventProperties: reads.flatMap((read) => read.eventProperties),
          piiValueTags: refs
            .filter((ref) => ref.key === "tag_value" && piiTags.has(ref.arg as string))
            .map((ref) => ref.arg as string),
        },
        argument,
      );
    }
  }

  /** Unknown or archived tag and segment keys are NOT_FOUND, not silently empty answers. */
  private async assertKeysExist(query: MetricQuery): Promise<void> {
    const refs: DimensionRef[] = [...query.dimensions, ...(query.where ? filterRefs(query.where) : [])];
    const segments = new Set(refs.filter((r) => r.key === "in_segment").map((r) => r.arg as string));
    const tags = new Set(
      refs.filter((r) => r.key === "has_tag" || r.key === "tag_value").map((r) => r.arg as string),
    );
    if (query.segment !== undefined) segments.add(query.segment);
    if (query.tag !== undefined) tags.add(query.tag);
    if (segments.size === 0 && tags.size === 0) return;
    const found = await this.db.query<{ kind: string; key: string }>(sql`
      select 'segment' as kind, key from segments where status = 'ACTIVE' and key in (${listOrNull([...segments])})
      union all
      select 'tag', key from tags where status = 'ACTIVE' and key in (${listOrNull([...tags])})`);
    const known = new Set(found.map((row) => `${row.kind}:${row.key}`));
    for (const key of segments) {
      if (!known.has(`segment:${key}`))
        throw notFound(`Segment "${key}" does not exist`, { argument: "segment", key });
    }
    for (const key of tags) {
      if (!known.has(`tag:${key}`)) throw notFound(`Tag "${key}" does not exist`, { argument: "tag", key });
    }
  }
}

const listOrNull = (values: string[]) =>
  values.length
    ? sql.join(
        values.map((v) => sql`${v}`),
        sql`, `,
      )
    : sql`null`;

function filterRefs(filter: MetricFilter): DimensionRef[] {
  if ("and" in filter) return filter.and.flatMap(filterRefs);
  if ("or" in filter) return filter.or.flatMap(filterRefs);
  if ("not" in filter) return filterRefs(filter.not);
  return [filter.dimension];
}

const toNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : typeof value === "number" ? value : Number(value);

function toAnswerRow(row: Record<string, unknown>, plan: MetricPlan, timezone: string): MetricAnswerRow {
  let bucket: Date | undefined;
  const values: Record<string, number | null> = {};
  const previous: Record<string, number | null> = {};
  const change: Record<string, number | null> = {};
  const byRole = { value: values, previous, change };
  const dimensions: unknown[] = [];
  for (const column of plan.output) {
    if (column.role === "bucket") {
      const value = row[column.name];
      bucket = value instanceof Date ? value : new Date(String(value));
    } else if (column.role === "dimension") dimensions.push(row[column.name] ?? null);
    else byRole[column.role][column.metric as string] = toNumber(row[column.name]);
  }
  return { time: isoInTimeZone(bucket as Date, timezone), dimensions, values, previous, change };
}
