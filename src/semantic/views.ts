import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { METRICS } from "../metrics/catalog";
import { DIMENSIONS } from "../metrics/dimensions";
import { countedOrders } from "./facts";
import { compileMetricQueryWithBounds } from "./metrics/compile";
import { DEFAULT_RFM_LOOKBACK_DAYS, rfmScores } from "./rfm";
import { compileSql } from "./sql";
import type { RangeBounds, TimeGrain } from "./time";
import { assertTimeZone } from "./time";

/**
 * The `semantic` schema for BI tools, compiled from the same declarations as GraphQL.
 * Views take no parameters, so their buckets are computed in ONE time zone, the
 * configured default (`STRATUM_TIMEZONE`), written into each view's comment; the range
 * runs from the first fact to now. Recreating is atomic (one transaction) and serialised
 * between processes (advisory lock).
 */
export const SEMANTIC_SCHEMA = "semantic";

export const METRIC_VIEWS: readonly { name: string; grain: TimeGrain }[] = [
  { name: "metrics_daily", grain: "DAY" },
  { name: "metrics_weekly", grain: "WEEK" },
  { name: "metrics_monthly", grain: "MONTH" },
];

/** The conformed dimensions of the metric views. */
export const VIEW_DIMENSIONS = ["channel", "platform"] as const;

/** Every fact from the first one to now. */
const ALL_HISTORY: RangeBounds = {
  from: sql`(select min(first_at) from (select min(ts) as first_at from events
    union all select min(placed_at) from orders where counted) as firsts)`,
  to: sql`now()`,
};

/** A parameter as an SQL literal: views cannot hold bind parameters. Only code constants and the configured zone get here. */
function literal(value: unknown): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return `'${value.replace(/'/g, "''")}'`;
  throw new Error(`cannot inline parameter ${String(value)}`);
}

/** The text of a fragment with its parameters written in as literals. */
export function inlineParameters(fragment: SQL): string {
  const { sql: text, params } = compileSql(fragment);
  return text.replace(/\$(\d+)\b/g, (_, n: string) => literal(params[Number(n) - 1]));
}

/** `select` of one metric view: bucket, its local time, channel, platform, every metric. */
export function metricViewSelect(grain: TimeGrain, timezone: string): string {
  const compiled = compileMetricQueryWithBounds(
    {
      metrics: METRICS.map((m) => m.key),
      dimensions: VIEW_DIMENSIONS.map((key) => ({ key })),
      grain,
      timezone,
      range: { from: "1970-01-01", to: "1970-01-02" },
    },
    ALL_HISTORY,
    { checkRange: false, limited: false },
  );
  const metrics = METRICS.map((m) => sql`${sql.identifier(m.key)}`);
  return inlineParameters(sql`select bucket, (bucket at time zone ${timezone}) as bucket_local,
  ${sql.join(
    VIEW_DIMENSIONS.map((d) => sql`${sql.identifier(`d_${d}`)} as ${sql.identifier(d)}`),
    sql`, `,
  )}, ${sql.join(metrics, sql`, `)}
from (${compiled.statement}) as metrics`);
}

/** `select` of `semantic.user_profile`: active profiles with their orders, gmv, tags, segments and RFM as of now. */
export function userProfileSelect(): string {
  const traits = DIMENSIONS.filter((d) => d.source.kind === "USER").map((d) =>
    d.source.kind === "USER" ? sql`${d.source.expression} as ${sql.identifier(d.key)}` : sql``,
  );
  return inlineParameters(sql`select u.id as user_id, u.created_at, u.first_seen_at, u.last_seen_at,
  ${sql.join(traits, sql`, `)},
  coalesce(o.orders, 0) as orders, coalesce(o.gmv, 0) as gmv, o.first_order_at, o.last_order_at,
  coalesce(t.tags, '{}') as tags, coalesce(s.segments, '{}') as segments,
  r.segment as rfm_segment, r.r as rfm_r, r.f as rfm_f, r.m as rfm_m
from users u
left join (select user_id, count(*) as orders, sum(total_amount) as gmv, min(placed_at) as first_order_at,
    max(placed_at) as last_order_at
  from ${countedOrders} co group by user_id) o on o.user_id = u.id
left join (select user_id, array_agg(tag_key order by tag_key) as tags from tag_members group by user_id) t
  on t.user_id = u.id
left join (select user_id, array_agg(segment_key order by segment_key) as segments from segment_members
  group by user_id) s on s.user_id = u.id
left join ${rfmScores(sql`now()`, DEFAULT_RFM_LOOKBACK_DAYS)} r on r.user_id = u.id
where u.merged_into is null`);
}

/** Drops and recreates the `semantic` schema and its views. */
export async function recreateSemanticViews(db: Database, timezone: string): Promise<string[]> {
  assertTimeZone(timezone);
  const views: { name: string; select: string; comment: string }[] = [
    ...METRIC_VIEWS.map((view) => ({
      name: view.name,
      select: metricViewSelect(view.grain, timezone),
      comment: `Stratum metrics by ${view.grain.toLowerCase()}, channel and platform; buckets in ${timezone}`,
    })),
    {
      name: "user_profile",
      select: userProfileSelect(),
      comment: "Stratum active profiles with orders, gmv, tags, segments and RFM (as of now)",
    },
  ];
  await db.transaction(async (tx) => {
    await tx.query(sql`select pg_advisory_xact_lock(hashtext('stratum.semantic_views'))`);
    await tx.query(sql.raw(`drop schema if exists ${SEMANTIC_SCHEMA} cascade`));
    await tx.query(sql.raw(`create schema ${SEMANTIC_SCHEMA}`));
    for (const view of views) {
      await tx.query(sql.raw(`create view ${SEMANTIC_SCHEMA}.${view.name} as\n${view.select}`));
      await tx.query(sql.raw(`comment on view ${SEMANTIC_SCHEMA}.${view.name} is ${literal(view.comment)}`));
    }
  });
  return views.map((view) => `${SEMANTIC_SCHEMA}.${view.name}`);
}
