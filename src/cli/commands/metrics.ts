import { type Command, InvalidArgumentError } from "commander";
import { stringify } from "csv-stringify/sync";
import { loadConfig } from "../../config";
import { METRICS } from "../../metrics/catalog";
import {
  dimensionArgument,
  metricAnswerTable,
  metricQueryFromParams,
} from "../../server/exports/metrics-csv";
import { openRuntime } from "../../server/runtime";

const FORMATS = ["table", "csv"] as const;
type Format = (typeof FORMATS)[number];

function formatOf(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${FORMATS.join(", ")}`);
  return value as Format;
}

const cell = (value: unknown): string => (value === null || value === undefined ? "" : String(value));

/** Columns padded to their widest cell; numbers right-aligned, as a terminal reader scans them. */
export function formatTable(header: string[], rows: unknown[][]): string {
  const text = [header, ...rows.map((row) => row.map(cell))];
  const widths = header.map((_, i) => Math.max(...text.map((row) => row[i].length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((row) => row[i] === null || typeof row[i] === "number"),
  );
  const line = (row: string[]) =>
    row
      .map((value, i) => (numeric[i] ? value.padStart(widths[i]) : value.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(text[0]), widths.map((w) => "-".repeat(w)).join("  "), ...text.slice(1).map(line)].join("\n");
}

/** The catalog as `stratum metrics list` prints it: one block per metric, like `mf list metrics`. */
export function formatMetricList(): string {
  const blocks = METRICS.map((metric) =>
    [
      `${metric.key}  "${metric.label.en}"  ${metric.definition.kind}  ${metric.unit}`,
      `  ${metric.description}`,
      `  dimensions: ${metric.dimensions.map(dimensionArgument).join(", ")}`,
    ].join("\n"),
  );
  return [`${METRICS.length} metrics (name  "label"  type  unit; description; dimensions)`, ...blocks].join(
    "\n\n",
  );
}

interface QueryOptions {
  metrics: string;
  dimensions?: string;
  grain: string;
  from?: string;
  to?: string;
  last?: string;
  named?: string;
  timezone?: string;
  where?: string;
  segment?: string;
  tag?: string;
  compareTo?: string;
  limit?: string;
  format: Format;
}

/**
 * `stratum metrics list` and `stratum query`, the command-line face of the semantic layer
 * (like MetricFlow's `mf list metrics` and `mf query`). `query` reads its options as the CSV
 * export reads its parameters and runs the same `MetricsService`, so it answers exactly
 * what GraphQL `metrics` and `/export/metrics.csv` answer.
 */
export function registerMetrics(program: Command): void {
  const metrics = program.command("metrics").description("the metric catalog");
  metrics
    .command("list")
    .description("list every metric: name, label, type, unit, description and the dimensions it supports")
    .action(() => {
      console.log(formatMetricList());
    });

  program
    .command("query")
    .description("compute metrics by time bucket and dimensions (the GraphQL `metrics` query)")
    .requiredOption("--metrics <keys>", "comma-separated metric keys (see `stratum metrics list`)")
    .option(
      "--dimensions <keys>",
      "comma-separated dimensions; tag:<key>, tag_value:<key>, segment:<key> for memberships",
    )
    .option("--grain <grain>", "HOUR, DAY, WEEK, MONTH, QUARTER, YEAR or ALL", "DAY")
    .option("--from <date>", "start of the range (date or date-time, inclusive)")
    .option("--to <date>", "end of the range (date or date-time, exclusive)")
    .option(
      "--last <span>",
      "instead of --from/--to: the last 30d, 12w, 6m, 1y or 24h before the current one",
    )
    .option("--named <range>", "instead of --from/--to: today, this_month, previous_month, this_year …")
    .option("--timezone <zone>", "IANA time zone of buckets and dates (default STRATUM_TIMEZONE)")
    .option("--where <json>", "filter, JSON in the shape of MetricFilterInput")
    .option("--segment <key>", "only facts of this segment's current members")
    .option("--tag <key>", "only facts of this tag's current members")
    .option("--compare-to <period>", "PREVIOUS_PERIOD or PREVIOUS_YEAR")
    .option("--limit <rows>", "at most this many rows")
    .option("--format <format>", FORMATS.join(" | "), formatOf, "table")
    .action(async (options: QueryOptions) => {
      const config = loadConfig();
      const query = metricQueryFromParams(
        {
          metrics: options.metrics,
          by: options.dimensions,
          grain: options.grain,
          from: options.from,
          to: options.to,
          last: options.last,
          named: options.named,
          timezone: options.timezone,
          where: options.where,
          segment: options.segment,
          tag: options.tag,
          compareTo: options.compareTo,
          limit: options.limit,
        },
        config.timezone,
      );
      const services = await openRuntime(config);
      try {
        const { header, rows } = metricAnswerTable(await services.metrics.run(query));
        if (options.format === "csv") {
          process.stdout.write(stringify(rows, { header: true, columns: header, cast: { boolean: String } }));
        } else {
          console.log(formatTable(header, rows));
        }
      } finally {
        await services.db.close();
      }
    });
}
