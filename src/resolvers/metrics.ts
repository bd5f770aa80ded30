import type { GraphQLResolveInfo } from "graphql";
import { parseResolveInfo, type ResolveTree } from "graphql-parse-resolve-info";
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  Info,
  Int,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { ANALYTICAL_ROOT_FIELD_COST } from "../access/limits";
import { Permission } from "../access/permissions";
import { badInput } from "../errors";
import { METRICS } from "../metrics/catalog";
import { DIMENSIONS } from "../metrics/dimensions";
import { type MetricFilterShape, toMetricFilter } from "../metrics/filters";
import type { MetricAnswerRow, MetricRequest } from "../metrics-service/service";
import {
  ComparePeriod,
  changeField,
  DimensionDefinition,
  MetricDefinition,
  MetricFilterInput,
  MetricOrderInput,
  MetricResult,
  MetricRow,
  previousField,
  TimeGrain,
  TimeRangeInput,
} from "../schema/metrics";
import type { DimensionRef } from "../semantic/metrics/query";
import type { Context } from "../server/context";

@ArgsType()
export class MetricsArgs {
  @Field(() => TimeRangeInput, { description: "The range whose buckets are reported" })
  timeRange!: TimeRangeInput;

  @Field(() => TimeGrain, {
    defaultValue: "DAY",
    description: "Bucket size; at most STRATUM_MAX_BUCKETS (10,000 by default) buckets per range",
  })
  grain!: keyof typeof TimeGrain;

  @Field(() => String, {
    nullable: true,
    description:
      "IANA time zone of the buckets; defaults to the configured one (STRATUM_TIMEZONE, Asia/Shanghai)",
  })
  timezone?: string;

  @Field(() => MetricFilterInput, {
    nullable: true,
    description: "Only facts whose dimension values pass; PII dimensions need PII access",
  })
  where?: MetricFilterInput;

  @Field(() => String, {
    nullable: true,
    description:
      "Only facts of the current members of this segment (its key); an unknown or archived key is NOT_FOUND",
  })
  segment?: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Only facts of the current members of this tag (its key); an unknown or archived key is NOT_FOUND",
  })
  tag?: string;

  @Field(() => ComparePeriod, {
    nullable: true,
    description: "Compare each bucket with an earlier one; needed by the previous… and …Change fields",
  })
  compareTo?: keyof typeof ComparePeriod;

  @Field(() => [MetricOrderInput], {
    nullable: true,
    description: "Sort keys of the rows; by default time, then the dimensions",
  })
  orderBy?: MetricOrderInput[];

  @Field(() => Int, { nullable: true, description: "At most 10,000 (the default)" })
  limit?: number;
}

const METRIC_BY_FIELD = new Map(METRICS.map((m) => [m.field, m]));
const METRIC_BY_PREVIOUS = new Map(METRICS.map((m) => [previousField(m.field), m]));
const METRIC_BY_CHANGE = new Map(METRICS.map((m) => [changeField(m.field), m]));
const DIMENSION_BY_FIELD = new Map(DIMENSIONS.map((d) => [d.field, d]));

interface Selection {
  rows: boolean;
  metrics: string[];
  dimensions: DimensionRef[];
  comparison: boolean;
}

/** What `rows { … }` asks for, through aliases, fragments and inline fragments. */
function readSelection(info: GraphQLResolveInfo): Selection {
  const tree = parseResolveInfo(info) as ResolveTree;
  const selection: Selection = { rows: false, metrics: [], dimensions: [], comparison: false };
  for (const field of Object.values(tree.fieldsByTypeName.MetricResult ?? {})) {
    if (field.name !== "rows") continue;
    selection.rows = true;
    for (const rowField of Object.values(field.fieldsByTypeName.MetricRow ?? {})) {
      const name = rowField.name;
      const metric = METRIC_BY_FIELD.get(name) ?? METRIC_BY_PREVIOUS.get(name) ?? METRIC_BY_CHANGE.get(name);
      if (metric) {
        selection.metrics.push(metric.key);
        if (!METRIC_BY_FIELD.has(name)) selection.comparison = true;
        continue;
      }
      const dimension = DIMENSION_BY_FIELD.get(name);
      if (!dimension) continue;
      selection.dimensions.push(
        dimension.parametrised
          ? { key: dimension.key, arg: String(rowField.args.key) }
          : { key: dimension.key },
      );
    }
  }
  return selection;
}

const membershipKey = (dimension: string, key: string) => `${dimension}:${key}`;

function toRow(answer: MetricAnswerRow, dimensions: DimensionRef[]): MetricRow {
  const row: Record<string, unknown> = { time: answer.time, memberships: {} };
  dimensions.forEach((ref, index) => {
    const value = answer.dimensions[index];
    const declaration = DIMENSIONS.find((d) => d.key === ref.key);
    if (declaration?.parametrised)
      (row.memberships as Record<string, unknown>)[membershipKey(ref.key, ref.arg as string)] = value;
    else if (declaration) row[declaration.field] = value === null ? null : String(value);
  });
  for (const metric of METRICS) {
    if (!(metric.key in answer.values)) continue;
    row[metric.field] = answer.values[metric.key];
    row[previousField(metric.field)] = answer.previous[metric.key] ?? null;
    row[changeField(metric.field)] = answer.change[metric.key] ?? null;
  }
  return row as unknown as MetricRow;
}

function orderField(field: string): string {
  if (field === "time") return "time";
  const metric = METRIC_BY_FIELD.get(field);
  if (metric) return metric.key;
  const dimension = DIMENSION_BY_FIELD.get(field);
  if (dimension && !dimension.parametrised) return dimension.key;
  throw badInput(`orderBy.field "${field}" is not time, a metric field or a dimension field`, {
    argument: "orderBy",
  });
}

@Resolver(() => MetricRow)
export class MetricsResolver {
  @Authorized(Permission.READ)
  @Query(() => MetricResult, {
    description: "Metrics from the catalog; the selection of `rows` decides what is computed and grouped by",
    complexity: ANALYTICAL_ROOT_FIELD_COST,
  })
  async metrics(
    @Args(() => MetricsArgs) args: MetricsArgs,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<MetricResult> {
    const selection = readSelection(info);
    if (selection.comparison && !args.compareTo) {
      throw badInput("previous… and …Change fields need compareTo", { argument: "compareTo" });
    }
    const query: MetricRequest = {
      metrics: selection.metrics,
      dimensions: selection.dimensions,
      grain: args.grain,
      timezone: args.timezone ?? ctx.services.config.timezone,
      range: args.timeRange,
      where: args.where ? toMetricFilter(args.where as unknown as MetricFilterShape) : undefined,
      segment: args.segment ?? undefined,
      tag: args.tag ?? undefined,
      compareTo: args.compareTo ?? undefined,
      orderBy: args.orderBy?.map((o) => ({ field: orderField(o.field), direction: o.direction })),
      limit: args.limit ?? undefined,
    };
    if (query.metrics.length === 0) {
      throw badInput("Select at least one metric field in rows (and select rows to run the query)", {
        argument: "rows",
      });
    }
    const answer = await ctx.services.metrics.run(query, { execute: selection.rows, pii: ctx.pii });
    return {
      rows: answer.rows.map((row) => toRow(row, query.dimensions)),
      sql: answer.sql,
      sqlInlined: answer.sqlInlined,
    };
  }

  @Authorized(Permission.READ)
  @Query(() => [MetricDefinition], {
    description: "Every metric with labels, description, unit, kind and supported dimensions",
  })
  metricCatalog(): MetricDefinition[] {
    return METRICS.map((metric) => ({
      key: metric.key,
      field: metric.field,
      labels: metric.label,
      description: metric.description,
      unit: metric.unit,
      kind: metric.definition.kind,
      facts: metric.facts,
      supportedDimensions: metric.dimensions,
    }));
  }

  @Authorized(Permission.READ)
  @Query(() => [DimensionDefinition], { description: "Every dimension with the metrics that support it" })
  dimensionCatalog(): DimensionDefinition[] {
    return DIMENSIONS.map((dimension) => ({
      key: dimension.key,
      field: dimension.field,
      labels: dimension.label,
      description: dimension.description,
      parametrised: dimension.parametrised,
      metrics: METRICS.filter((m) => m.dimensions.includes(dimension.key)).map((m) => m.key),
    }));
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: "Whether the slice's users have the tag (a dimension)",
  })
  hasTag(
    @Root() row: MetricRow,
    @Arg("key", () => String, { description: "The tag's key; an unknown or archived key is NOT_FOUND" })
    key: string,
  ): unknown {
    return row.memberships[membershipKey("has_tag", key)] ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: "The value of the value tag (a dimension)" })
  tagValue(
    @Root() row: MetricRow,
    @Arg("key", () => String, { description: "The value tag's key; an unknown or archived key is NOT_FOUND" })
    key: string,
  ): unknown {
    return row.memberships[membershipKey("tag_value", key)] ?? null;
  }

  @FieldResolver(() => Boolean, {
    nullable: true,
    description: "Whether the slice's users are in the segment (a dimension)",
  })
  inSegment(
    @Root() row: MetricRow,
    @Arg("key", () => String, { description: "The segment's key; an unknown or archived key is NOT_FOUND" })
    key: string,
  ): unknown {
    return row.memberships[membershipKey("in_segment", key)] ?? null;
  }
}
