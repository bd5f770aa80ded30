import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { METRICS, METRICS_BY_KEY } from "../metrics/catalog";
import { DIMENSIONS, DIMENSIONS_BY_KEY } from "../metrics/dimensions";
import type { Labels } from "../metrics/types";
import { countedOrders } from "./facts";
import { compileMetricQueryWithBounds, ratioPartsOf } from "./metrics/compile";
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
 *
 * Each metric view holds one row per (bucket, channel, platform) and one total row per
 * bucket (`is_total`, dimensions null). The total row is compiled without dimensions rather
 * than rolled up from the slices, because distinct-user counts (visitors, buyers …) and the
 * ratios over them do not add up across slices: a user active in two channels is one
 * visitor of the bucket. Ratio metrics come with their numerator and denominator columns.
 * Every view and column carries a comment: the catalog label in English and Chinese and
 * its description.
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

/** A catalog column's comment: `GMV (成交总额): Sum of …`. */
export function labelled(label: Labels, description: string): string {
  return `${label.en} (${label.zh}): ${description}`;
}

const RATIO_PARTS = METRICS.flatMap((metric) => {
  const parts = ratioPartsOf(metric);
  return parts ? [{ metric, parts }] : [];
});

/** The catalog label of a measure that is also a metric (gmv, orders …), else its key. */
const measureName = (measure: string): string => {
  const metric = METRICS_BY_KEY.get(measure);
  return metric ? `${metric.label.en} (${metric.key})` : measure;
};

/** Every column of a metric view with its comment, in view order. */
export function metricViewColumns(grain: TimeGrain, timezone: string): { name: string; comment: string }[] {
  const unit = grain.toLowerCase();
  return [
    {
      name: "bucket",
      comment: labelled({ en: "Bucket", zh: "时间段" }, `Start of the ${unit}, as an instant`),
    },
    {
      name: "bucket_local",
      comment: labelled({ en: "Bucket (local)", zh: "时间段 (本地)" }, `Start of the ${unit} in ${timezone}`),
    },
    ...VIEW_DIMENSIONS.map((key) => {
      const dimension = DIMENSIONS_BY_KEY.get(key);
      if (!dimension) throw new Error(`unknown view dimension ${key}`);
      return {
        name: key,
        comment: labelled(dimension.label, `${dimension.description}; null on total rows`),
      };
    }),
    {
      name: "is_total",
      comment: labelled(
        { en: "Total row", zh: "合计行" },
        "True on the one row per bucket over all channels and platforms (dimensions null); filter it out to sum slices",
      ),
    },
    ...METRICS.map((metric) => ({ name: metric.key, comment: labelled(metric.label, metric.description) })),
    ...RATIO_PARTS.flatMap(({ metric, parts }) => [
      {
        name: parts.numerator.column,
        comment: labelled(
          { en: `${metric.label.en} numerator`, zh: `${metric.label.zh} 分子` },
          `${measureName(parts.numerator.measure)}; re-aggregate ${metric.key} as sum(numerator) / sum(denominator)`,
        ),
      },
      {
        name: parts.denominator.column,
        comment: labelled(
          { en: `${metric.label.en} denominator`, zh: `${metric.label.zh} 分母` },
          `${measureName(parts.denominator.measure)}; re-aggregate ${metric.key} as sum(numerator) / sum(denominator)`,
        ),
      },
    ]),
  ];
}

/** The compiled metric query of a view: every metric and ratio part, by the given dimensions. */
function viewMetricStatement(grain: TimeGrain, timezone: string, dimensions: readonly string[]): SQL {
  return compileMetricQueryWithBounds(
    {
      metrics: METRICS.map((m) => m.key),
      dimensions: dimensions.map((key) => ({ key })),
      grain,
      timezone,
      range: { from: "1970-01-01", to: "1970-01-02" },
    },
    ALL_HISTORY,
    { checkRange: false, limited: false, ratioParts: true },
  ).statement;
}

/** `select` of one metric view: bucket, its local time, channel, platform, is_total, every metric and ratio part. */
export function metricViewSelect(grain: TimeGrain, timezone: string): string {
  const measures = [
    ...METRICS.map((m) => m.key),
    ...RATIO_PARTS.flatMap(({ parts }) => [parts.numerator.column, parts.denominator.column]),
  ].map((column) => sql`${sql.identifier(column)}`);
  const local = sql`(bucket at time zone ${timezone}) as bucket_local`;
  return inlineParameters(sql`select bucket, ${local},
  ${sql.join(
    VIEW_DIMENSIONS.map((d) => sql`${sql.identifier(`d_${d}`)} as ${sql.identifier(d)}`),
    sql`, `,
  )}, false as is_total, ${sql.join(measures, sql`, `)}
from (${viewMetricStatement(grain, timezone, VIEW_DIMENSIONS)}) as slices
union all
select bucket, ${local}, ${sql.join(
    VIEW_DIMENSIONS.map((d) => sql`null as ${sql.identifier(d)}`),
    sql`, `,
  )}, true, ${sql.join(measures, sql`, `)}
from (${viewMetricStatement(grain, timezone, [])}) as totals`);
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

const GRAIN_ZH: Record<TimeGrain, string> = {
  HOUR: "按小时",
  DAY: "按日",
  WEEK: "按周",
  MONTH: "按月",
  QUARTER: "按季度",
  YEAR: "按年",
  ALL: "全部",
};

/** Every column of `semantic.user_profile` with its comment, in view order. */
export function userProfileColumns(): { name: string; comment: string }[] {
  const metric = (key: string) => {
    const found = METRICS_BY_KEY.get(key);
    if (!found) throw new Error(`unknown metric ${key}`);
    return found.label;
  };
  const rfm = DIMENSIONS_BY_KEY.get("rfm_segment");
  if (!rfm) throw new Error("unknown dimension rfm_segment");
  const column = (name: string, label: Labels, description: string) => ({
    name,
    comment: labelled(label, description),
  });
  return [
    column("user_id", { en: "User", zh: "用户" }, "Id of the active (not merged away) profile"),
    column("created_at", { en: "Created at", zh: "创建时间" }, "When the profile was created"),
    column("first_seen_at", { en: "First seen at", zh: "首次访问时间" }, "The profile's first activity"),
    column("last_seen_at", { en: "Last seen at", zh: "最近访问时间" }, "The profile's latest activity"),
    ...DIMENSIONS.filter((d) => d.source.kind === "USER").map((d) => column(d.key, d.label, d.description)),
    column(
      "orders",
      metric("orders"),
      "Counted orders of the profile (and profiles merged into it), all history",
    ),
    column("gmv", metric("gmv"), "Sum of total_amount of the profile's counted orders, all history"),
    column(
      "first_order_at",
      { en: "First order at", zh: "首单时间" },
      "When the first counted order was placed",
    ),
    column(
      "last_order_at",
      { en: "Last order at", zh: "最近下单时间" },
      "When the latest counted order was placed",
    ),
    column("tags", { en: "Tags", zh: "标签" }, "Keys of the tags the profile holds, sorted"),
    column(
      "segments",
      { en: "Segments", zh: "分群" },
      "Keys of the segments the profile is a member of, sorted",
    ),
    column("rfm_segment", rfm.label, `${rfm.description}; as of now`),
    column(
      "rfm_r",
      { en: "RFM recency score", zh: "RFM 最近消费得分" },
      "Recency score of the RFM model, as of now",
    ),
    column(
      "rfm_f",
      { en: "RFM frequency score", zh: "RFM 消费频率得分" },
      "Frequency score of the RFM model, as of now",
    ),
    column(
      "rfm_m",
      { en: "RFM monetary score", zh: "RFM 消费金额得分" },
      "Monetary score of the RFM model, as of now",
    ),
  ];
}

/** Drops and recreates the `semantic` schema and its views, each view and column commented. */
export async function recreateSemanticViews(db: Database, timezone: string): Promise<string[]> {
  assertTimeZone(timezone);
  const views: {
    name: string;
    select: string;
    comment: string;
    columns: { name: string; comment: string }[];
  }[] = [
    ...METRIC_VIEWS.map((view) => {
      const unit = view.grain.toLowerCase();
      return {
        name: view.name,
        select: metricViewSelect(view.grain, timezone),
        comment: labelled(
          { en: `Metrics by ${unit}`, zh: `${GRAIN_ZH[view.grain]}指标` },
          `Stratum metrics by ${unit}, channel and platform, plus one total row per ${unit} (is_total); buckets in ${timezone}`,
        ),
        columns: metricViewColumns(view.grain, timezone),
      };
    }),
    {
      name: "user_profile",
      select: userProfileSelect(),
      comment: labelled(
        { en: "User profiles", zh: "用户画像" },
        "Stratum active profiles with orders, gmv, tags, segments and RFM (as of now)",
      ),
      columns: userProfileColumns(),
    },
  ];
  await db.transaction(async (tx) => {
    await tx.query(sql`select pg_advisory_xact_lock(hashtext('stratum.semantic_views'))`);
    await tx.query(sql.raw(`drop schema if exists ${SEMANTIC_SCHEMA} cascade`));
    await tx.query(sql.raw(`create schema ${SEMANTIC_SCHEMA}`));
    for (const view of views) {
      const name = `${SEMANTIC_SCHEMA}.${view.name}`;
      await tx.query(sql.raw(`create view ${name} as\n${view.select}`));
      await tx.query(sql.raw(`comment on view ${name} is ${literal(view.comment)}`));
      for (const column of view.columns)
        await tx.query(sql.raw(`comment on column ${name}.${column.name} is ${literal(column.comment)}`));
    }
  });
  return views.map((view) => `${SEMANTIC_SCHEMA}.${view.name}`);
}
