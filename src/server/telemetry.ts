import type { ApolloServerPlugin } from "@apollo/server";
import { sql } from "drizzle-orm";
import type { RequestHandler } from "express";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Database } from "../db/client";
import type { IngestResult } from "../ingest/contract";
import { logger } from "../logger";
import type { MaterialiseReport } from "../rules/materialise";

/** What a batch of ingestion was about, as the `kind` label. */
export type IngestKind = "events" | "identities" | "orders" | "products";

/** Which call refreshed tags or segments, as the `scope` label. */
export type RefreshScope = "tags" | "segments" | "all";

/**
 * Distinct GraphQL operation names kept as label values; names past this many become
 * `other`, so a client inventing names cannot grow the series without bound.
 */
export const MAX_OPERATION_NAMES = 100;

/**
 * The process's Prometheus metrics (prom-client), on a registry of its own so that several
 * servers in one process (tests) never share counts. Built once per process with the
 * services; `GET /metrics` serves `registry.metrics()`.
 */
export class Telemetry {
  readonly registry = new Registry();
  private readonly httpRequests = new Counter({
    name: "stratum_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status code",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: "stratum_http_request_duration_seconds",
    help: "Time from receiving an HTTP request to finishing its response, by method, route pattern and status code",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  private readonly graphqlOperations = new Counter({
    name: "stratum_graphql_operations_total",
    help: "GraphQL operations answered, by operation name (anonymous when unnamed or unresolved), type and outcome (ok, or error when the response carries errors)",
    labelNames: ["operation_name", "operation_type", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly graphqlDuration = new Histogram({
    name: "stratum_graphql_operation_duration_seconds",
    help: "Time from receiving a GraphQL request to sending its response, by operation name and type",
    labelNames: ["operation_name", "operation_type"] as const,
    registers: [this.registry],
  });
  private readonly ingestedItems = new Counter({
    name: "stratum_ingested_items_total",
    help: "Items the ingestion service answered for, by kind (events, identities, orders, products) and outcome (accepted, updated, duplicate, rejected)",
    labelNames: ["kind", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly refreshDuration = new Histogram({
    name: "stratum_refresh_duration_seconds",
    help: "Wall time of tag and segment refreshes, by scope (tags, segments, all: the scheduled pass)",
    labelNames: ["scope"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  private readonly refreshedDefinitions = new Counter({
    name: "stratum_refreshed_definitions_total",
    help: "Tag and segment definitions recomputed by refreshes, by kind (tag, segment)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  private readonly operationNames = new Set<string>();
  private processMetrics = false;

  constructor(db: Database) {
    // postgres.js keeps its pool's state private; the server's own view of this database's
    // Stratum connections is the portable measure (PGlite has one in-process connection).
    if (db.kind === "postgres") {
      new Gauge({
        name: "stratum_db_connections",
        help: "Connections of Stratum processes (application_name stratum) to this database, by state, from pg_stat_activity at scrape time",
        labelNames: ["state"] as const,
        registers: [this.registry],
        async collect() {
          this.reset();
          try {
            const rows = await db.query<{ state: string; connections: number }>(sql`
              select coalesce(state, 'unknown') as state, count(*)::int as connections from pg_stat_activity
              where datname = current_database() and application_name = 'stratum' group by 1`);
            for (const row of rows) this.set({ state: row.state }, row.connections);
          } catch (err) {
            logger.warn({ err }, "could not read pg_stat_activity for /metrics");
          }
        },
      });
    }
  }

  /** Adds prom-client's default process and Node.js metrics (once; the HTTP server asks). */
  collectProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts each item of an ingestion answer under its outcome; returns the answer unchanged. */
  countIngestion<T extends IngestResult>(kind: IngestKind, result: T): T {
    this.ingestedItems.inc({ kind, outcome: "accepted" }, result.accepted);
    this.ingestedItems.inc({ kind, outcome: "updated" }, result.updated);
    this.ingestedItems.inc({ kind, outcome: "duplicate" }, result.duplicates);
    this.ingestedItems.inc({ kind, outcome: "rejected" }, result.rejected.length);
    return result;
  }

  /** Times one refresh and counts the definitions it recomputed. */
  async timeRefresh(
    scope: RefreshScope,
    refresh: () => Promise<MaterialiseReport>,
  ): Promise<MaterialiseReport> {
    const stop = this.refreshDuration.startTimer({ scope });
    try {
      const report = await refresh();
      for (const result of report.refreshed) this.refreshedDefinitions.inc({ kind: result.kind });
      return report;
    } finally {
      stop();
    }
  }

  /**
   * Express middleware counting and timing every response. The route label is the matched
   * pattern (`/export/segments/:key.csv`, never the key), `res.locals.route` for mounted
   * handlers, else `unmatched`, so paths a client makes up add no series.
   */
  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const stop = this.httpDuration.startTimer();
      res.once("finish", () => {
        const pattern = req.route?.path;
        const route =
          typeof pattern === "string" ? `${req.baseUrl}${pattern}` : (res.locals.route ?? "unmatched");
        const labels = { method: req.method, route, status: String(res.statusCode) };
        this.httpRequests.inc(labels);
        stop(labels);
      });
      next();
    };
  }

  /** Apollo plugin counting and timing each GraphQL operation by name, type and outcome. */
  graphqlPlugin(): ApolloServerPlugin {
    const telemetry = this;
    return {
      async requestDidStart() {
        const started = process.hrtime.bigint();
        let name = "anonymous";
        let type = "unknown";
        return {
          async didResolveOperation({ operation, operationName }) {
            type = operation?.operation ?? type;
            if (operationName) name = telemetry.operationLabel(operationName);
          },
          async willSendResponse({ response }) {
            const body = response.body;
            const failed =
              body.kind === "single"
                ? !!body.singleResult.errors?.length
                : !!body.initialResult.errors?.length;
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            telemetry.graphqlOperations.inc({
              operation_name: name,
              operation_type: type,
              outcome: failed ? "error" : "ok",
            });
            telemetry.graphqlDuration.observe({ operation_name: name, operation_type: type }, seconds);
          },
        };
      },
    };
  }

  private operationLabel(name: string): string {
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return "other";
    this.operationNames.add(name);
    return name;
  }
}
