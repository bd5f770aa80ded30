import { stringify } from "csv-stringify";
import type { RequestHandler } from "express";
import { PiiAccess } from "../../access/pii";
import { badInput, ErrorCode, StratumError } from "../../errors";
import { logger } from "../../logger";
import { METRICS } from "../../metrics/catalog";
import { DIMENSIONS } from "../../metrics/dimensions";
import { type MetricFilterShape, toMetricFilter } from "../../metrics/filters";
import type { MetricAnswer, MetricAnswerRow, MetricRequest } from "../../metrics-service/service";
import type { OutputColumn } from "../../semantic/metrics/plan";
import type { ComparePeriod, DimensionRef, MetricQuery } from "../../semantic/metrics/query";
import { TIME_GRAINS, type TimeGrain } from "../../semantic/time";
import { suggestNames } from "../../suggestions";
import { sendError } from "../http-errors";
import type { Services } from "../services";
import { csvBom } from "./csv-options";

/**
 * `GET /export/metrics.csv?metrics=gmv,orders&grain=MONTH&from=…&to=…&by=channel&timezone=…`
 * (or `last=30d`, or `named=previous_month`, instead of `from` and `to`)
 * — the `metrics` query as CSV, with a header row. Mount it behind
 * `requirePermission(services, Permission.READ)` (the same keys and decision as GraphQL).
 *
 * Parameters: `metrics` (catalog keys or GraphQL fields, comma-separated), `from`, `to`
 * (dates or date-times, `to` exclusive) or `last` or `named` (as in TimeRangeInput), `grain` (default DAY), `timezone` (default the
 * configured one), `by` (dimension keys or fields; `tag:<key>`, `tag_value:<key>`,
 * `segment:<key>` for memberships), `segment`, `tag`, `compareTo`
 * (PREVIOUS_PERIOD | PREVIOUS_YEAR), `where` (JSON in the shape of MetricFilterInput),
 * `limit`, `bom` (1: start with a UTF-8 byte order mark, so Excel reads the file as UTF-8).
 * Columns: time, the dimensions, each metric key (and previous_<key>, change_<key> with
 * compareTo). An unknown metric or dimension name is BAD_USER_INPUT with "did you mean"
 * suggestions and the valid names (`suggestions`, `valid` in the error's extensions).
 */
const METRIC_BY_NAME = new Map(METRICS.flatMap((m) => [[m.key, m] as const, [m.field, m] as const]));
const DIMENSION_BY_NAME = new Map(DIMENSIONS.flatMap((d) => [[d.key, d] as const, [d.field, d] as const]));
const MEMBERSHIP_PREFIX: Record<string, string> = {
  tag: "has_tag",
  tag_value: "tag_value",
  segment: "in_segment",
};
const METRIC_KEYS = METRICS.map((m) => m.key);
const DIMENSION_KEYS = DIMENSIONS.filter((d) => !d.parametrised).map((d) => d.key);
const MEMBERSHIP_FORMS = Object.keys(MEMBERSHIP_PREFIX).map((prefix) => `${prefix}:<key>`);

/** BAD_USER_INPUT for a name that is none of `accepted`, suggesting the closest and listing `valid`. */
function unknownName(argument: string, what: string, name: string, accepted: string[], valid: string[]) {
  const { suggestions, hint } = suggestNames(name, accepted);
  return badInput(`${argument}: unknown ${what} "${name}".${hint} Valid: ${valid.join(", ")}`, {
    argument,
    value: name,
    suggestions,
    valid,
  });
}

const single = (value: unknown, name: string): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw badInput(`${name} must be given once`, { argument: name });
  return value;
};
const list = (value: unknown, name: string): string[] =>
  (single(value, name) ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/** How a dimension is named in `by` (`stratum query --dimensions`): its key, or `tag:<key>` for a membership. */
export function dimensionArgument(key: string): string {
  const prefix = Object.entries(MEMBERSHIP_PREFIX).find(([, membership]) => membership === key)?.[0];
  return prefix ? `${prefix}:<key>` : key;
}

function dimensionOf(name: string): DimensionRef {
  const colon = name.indexOf(":");
  if (colon > 0) {
    const prefix = name.slice(0, colon);
    const key = Object.hasOwn(MEMBERSHIP_PREFIX, prefix) ? MEMBERSHIP_PREFIX[prefix] : undefined;
    if (!key) {
      throw unknownName("by", "membership prefix", prefix, Object.keys(MEMBERSHIP_PREFIX), MEMBERSHIP_FORMS);
    }
    return { key, arg: name.slice(colon + 1) };
  }
  const dimension = DIMENSION_BY_NAME.get(name);
  if (!dimension || dimension.parametrised) {
    const accepted = [...DIMENSION_BY_NAME.keys()].filter((n) => !DIMENSION_BY_NAME.get(n)?.parametrised);
    throw unknownName("by", "dimension", name, accepted, [...DIMENSION_KEYS, ...MEMBERSHIP_FORMS]);
  }
  return { key: dimension.key };
}

export function metricQueryFromParams(
  params: Record<string, unknown>,
  defaultTimezone: string,
): MetricRequest {
  const metrics = list(params.metrics, "metrics").map((name) => {
    const metric = METRIC_BY_NAME.get(name);
    if (!metric) throw unknownName("metrics", "metric", name, [...METRIC_BY_NAME.keys()], METRIC_KEYS);
    return metric.key;
  });
  const range = {
    from: single(params.from, "from"),
    to: single(params.to, "to"),
    last: single(params.last, "last"),
    named: single(params.named, "named"),
  };
  const grain = (single(params.grain, "grain") ?? "DAY").toUpperCase();
  if (!(TIME_GRAINS as readonly string[]).includes(grain)) {
    throw badInput(`grain must be one of ${TIME_GRAINS.join(", ")}`, { argument: "grain" });
  }
  const compareTo = single(params.compareTo, "compareTo");
  if (compareTo !== undefined && compareTo !== "PREVIOUS_PERIOD" && compareTo !== "PREVIOUS_YEAR") {
    throw badInput("compareTo must be PREVIOUS_PERIOD or PREVIOUS_YEAR", { argument: "compareTo" });
  }
  const where = single(params.where, "where");
  let filter: MetricQuery["where"];
  if (where !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(where);
    } catch {
      throw badInput("where must be JSON in the shape of MetricFilterInput", { argument: "where" });
    }
    filter = toMetricFilter(parsed as MetricFilterShape);
  }
  const limit = single(params.limit, "limit");
  if (limit !== undefined && !/^\d+$/.test(limit))
    throw badInput("limit must be a positive integer", { argument: "limit" });
  return {
    metrics,
    dimensions: list(params.by, "by").map(dimensionOf),
    grain: grain as TimeGrain,
    timezone: single(params.timezone, "timezone") ?? defaultTimezone,
    range,
    where: filter,
    segment: single(params.segment, "segment"),
    tag: single(params.tag, "tag"),
    compareTo: compareTo as ComparePeriod | undefined,
    limit: limit === undefined ? undefined : Number(limit),
  };
}

function dimensionHeader(ref: DimensionRef): string {
  if (ref.arg === undefined) return ref.key;
  const prefix = Object.entries(MEMBERSHIP_PREFIX).find(([, key]) => key === ref.key)?.[0];
  return `${prefix}:${ref.arg}`;
}

/**
 * The columns of an answer as the CSV export and `stratum query` print it: time, the
 * dimensions, each metric (and previous_<key>, change_<key> with compareTo), with the cells
 * of each row in that order.
 */
export function metricAnswerTable(answer: MetricAnswer): { header: string[]; rows: unknown[][] } {
  const columns = answer.columns;
  const dimensionIndex = new Map(
    columns.filter((c) => c.role === "dimension").map((column, index) => [column, index]),
  );
  const header = columns.map((column) =>
    column.role === "bucket"
      ? "time"
      : column.role === "dimension"
        ? dimensionHeader(column.dimension as DimensionRef)
        : column.name,
  );
  const cell = (row: MetricAnswerRow, column: OutputColumn): unknown => {
    const metric = column.metric as string;
    switch (column.role) {
      case "bucket":
        return row.time;
      case "dimension":
        return row.dimensions[dimensionIndex.get(column) as number];
      case "value":
        return row.values[metric];
      case "previous":
        return row.previous[metric];
      case "change":
        return row.change[metric];
    }
  };
  return { header, rows: answer.rows.map((row) => columns.map((column) => cell(row, column))) };
}

export function metricsCsvHandler(services: Services): RequestHandler {
  return async (req, res) => {
    try {
      const params = req.query as Record<string, unknown>;
      const bom = csvBom(params);
      const query = metricQueryFromParams(params, services.config.timezone);
      const answer = await services.metrics.run(query, {
        pii: new PiiAccess(services.pii, res.locals.principal),
      });
      const { header, rows } = metricAnswerTable(answer);
      res.status(200).type("text/csv; charset=utf-8").attachment("metrics.csv");
      const csv = stringify({ bom, header: true, columns: header, cast: { boolean: (v) => String(v) } });
      csv.pipe(res);
      for (const row of rows) csv.write(row);
      csv.end();
    } catch (error) {
      const coded =
        error instanceof StratumError ? error : new StratumError(ErrorCode.INTERNAL, "Internal error");
      if (!(error instanceof StratumError)) logger.error({ err: error }, "metrics csv export failed");
      if (res.headersSent) {
        res.destroy(coded);
        return;
      }
      sendError(res, coded);
    }
  };
}
