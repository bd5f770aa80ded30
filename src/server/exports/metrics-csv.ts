import { stringify } from "csv-stringify";
import type { RequestHandler } from "express";
import { PiiAccess } from "../../access/pii";
import { badInput, ErrorCode, StratumError } from "../../errors";
import { METRICS } from "../../metrics/catalog";
import { DIMENSIONS } from "../../metrics/dimensions";
import { type MetricFilterShape, toMetricFilter } from "../../metrics/filters";
import type { ComparePeriod, DimensionRef, MetricQuery } from "../../semantic/metrics/query";
import { TIME_GRAINS, type TimeGrain } from "../../semantic/time";
import { logger } from "../logger";
import type { Services } from "../services";

/**
 * `GET /export/metrics.csv?metrics=gmv,orders&grain=MONTH&from=…&to=…&by=channel&timezone=…`
 * — the `metrics` query as CSV, with a header row. Mount it behind
 * `requirePermission(services, Permission.READ)` (the same keys and decision as GraphQL).
 *
 * Parameters: `metrics` (catalog keys or GraphQL fields, comma-separated), `from`, `to`
 * (dates or date-times, `to` exclusive), `grain` (default DAY), `timezone` (default the
 * configured one), `by` (dimension keys or fields; `tag:<key>`, `tag_value:<key>`,
 * `segment:<key>` for memberships), `segment`, `tag`, `compareTo`
 * (PREVIOUS_PERIOD | PREVIOUS_YEAR), `where` (JSON in the shape of MetricFilterInput),
 * `limit`. Columns: time, the dimensions, each metric key (and previous_<key>,
 * change_<key> with compareTo).
 */
const METRIC_BY_NAME = new Map(METRICS.flatMap((m) => [[m.key, m] as const, [m.field, m] as const]));
const DIMENSION_BY_NAME = new Map(DIMENSIONS.flatMap((d) => [[d.key, d] as const, [d.field, d] as const]));
const MEMBERSHIP_PREFIX: Record<string, string> = {
  tag: "has_tag",
  tag_value: "tag_value",
  segment: "in_segment",
};

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

function dimensionOf(name: string): DimensionRef {
  const colon = name.indexOf(":");
  if (colon > 0) {
    const key = MEMBERSHIP_PREFIX[name.slice(0, colon)];
    if (!key)
      throw badInput(`by: "${name}" is not tag:<key>, tag_value:<key> or segment:<key>`, { argument: "by" });
    return { key, arg: name.slice(colon + 1) };
  }
  const dimension = DIMENSION_BY_NAME.get(name);
  if (!dimension || dimension.parametrised) {
    throw badInput(`by: unknown dimension "${name}"`, { argument: "by" });
  }
  return { key: dimension.key };
}

export function metricQueryFromParams(params: Record<string, unknown>, defaultTimezone: string): MetricQuery {
  const metrics = list(params.metrics, "metrics").map((name) => {
    const metric = METRIC_BY_NAME.get(name);
    if (!metric) throw badInput(`metrics: unknown metric "${name}"`, { argument: "metrics" });
    return metric.key;
  });
  const from = single(params.from, "from");
  const to = single(params.to, "to");
  if (!from || !to) throw badInput("from and to are required", { argument: "from" });
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
    range: { from, to },
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

export function metricsCsvHandler(services: Services): RequestHandler {
  return async (req, res) => {
    try {
      const query = metricQueryFromParams(req.query as Record<string, unknown>, services.config.timezone);
      const answer = await services.metrics.run(query, {
        pii: new PiiAccess(services.pii, res.locals.principal),
      });
      const compare = query.compareTo !== undefined;
      const metricKeys = [...new Set(query.metrics)];
      const header = [
        "time",
        ...query.dimensions.map(dimensionHeader),
        ...metricKeys.flatMap((k) => (compare ? [k, `previous_${k}`, `change_${k}`] : [k])),
      ];
      res.status(200).type("text/csv; charset=utf-8").attachment("metrics.csv");
      const csv = stringify({ header: true, columns: header, cast: { boolean: (v) => String(v) } });
      csv.pipe(res);
      for (const row of answer.rows) {
        csv.write([
          row.time,
          ...row.dimensions,
          ...metricKeys.flatMap((k) =>
            compare ? [row.values[k], row.previous[k], row.change[k]] : [row.values[k]],
          ),
        ]);
      }
      csv.end();
    } catch (error) {
      const coded =
        error instanceof StratumError ? error : new StratumError(ErrorCode.INTERNAL, "Internal error");
      if (!(error instanceof StratumError)) logger.error({ err: error }, "metrics csv export failed");
      if (res.headersSent) {
        res.destroy(coded);
        return;
      }
      res
        .status(coded.httpStatus)
        .json({ errors: [{ message: coded.message, extensions: { code: coded.code } }] });
    }
  };
}
