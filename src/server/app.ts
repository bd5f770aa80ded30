import { randomUUID } from "node:crypto";
import http from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import { altairExpress } from "altair-express-middleware";
import cors from "cors";
import { sql } from "drizzle-orm";
import express from "express";
import type { GraphQLFormattedError } from "graphql";
import { pinoHttp } from "pino-http";
import { mutationPermissionsPlugin } from "../access/field-permissions";
import { ingestionMutationNames, queryLimitsPlugin } from "../access/limits";
import { Permission } from "../access/permissions";
import { withAnalyticalConcurrency } from "../db/concurrency";
import { ErrorCode } from "../errors";
import { type Logger, logger } from "../logger";
import { bearerToken, requirePermission, resolveCredential } from "./auth";
import { jsonBodyWithLimits, jsonErrorHandler } from "./body-limit";
import { type Context, createContext, requestIdOf } from "./context";
import { dashboardRoutes } from "./dashboard";
import { isLoopback } from "./demo";
import { EXAMPLE_QUERIES } from "./examples";
import { metricsCsvHandler } from "./exports/metrics-csv";
import { segmentCsvHandler } from "./exports/segment-csv";
import { storableInput } from "./exports/storable-input";
import { stratumErrorOf, withGraphQLErrors } from "./graphql-errors";
import { buildStratumSchema } from "./schema";
import type { Services } from "./services";
import { trackingRoutes } from "./tracking";

/** Probes and scrapes arrive every few seconds: they are counted in /metrics, not logged. */
const UNLOGGED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * One line per request on the shared logger: request id, method, path (never the query
 * string, which may hold a GET query and its variables), status and time. Never headers
 * (Authorization, cookies) or bodies; the redaction guards against a later serializer change.
 */
function requestLogger(base: Logger) {
  return pinoHttp({
    logger: base,
    genReqId: (req, res) => {
      const id = requestIdOf(req.headers["x-request-id"]);
      res.setHeader("x-request-id", id);
      return id;
    },
    autoLogging: { ignore: (req) => UNLOGGED_PATHS.has((req.url ?? "").split("?")[0]) },
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split("?")[0],
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    redact: { paths: ["req.headers", "res.headers"], remove: true },
  });
}

export interface StratumServer {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
  /** Starts listening (on `host`, every interface when omitted); resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

/** Codes a client may see as they are; anything else becomes INTERNAL. */
const CLIENT_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  "GRAPHQL_VALIDATION_FAILED",
  "GRAPHQL_PARSE_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

export function formatError(debugErrors: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? "");
    const original = (error as { originalError?: unknown })?.originalError ?? error;
    const stratum = stratumErrorOf(error);
    if (stratum || CLIENT_CODES.has(code)) {
      // A StratumError that reached Apollo unmapped still answers with its own code and details.
      const coded = stratum
        ? { ...formatted, extensions: { ...formatted.extensions, code: stratum.code, ...stratum.details } }
        : formatted;
      if (debugErrors) return coded;
      const { stacktrace: _, ...extensions } = coded.extensions ?? {};
      return { ...coded, extensions };
    }
    const requestId = randomUUID();
    logger.error({ err: original, requestId, path: formatted.path }, "internal error");
    return {
      message: `Internal error (request ${requestId})`,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL, requestId },
    };
  };
}

export interface ServerOptions {
  /**
   * Demo mode only: the key the IDE and dashboard pages send, and only to clients on this machine. Never a
   * configured STRATUM_ADMIN_KEY, which would hand admin rights to anyone who opens the page.
   */
  demoKey?: string;
  /** Where request logs go; the shared process logger unless a test captures them. */
  logger?: Logger;
}

/**
 * Express 5 + Apollo Server 5: `/graphql` (API and, in a browser, the local IDE), the
 * dashboard at `/app`, health, exports, and the Segment-compatible tracking API under `/v1`.
 */
export async function createServer(services: Services, options: ServerOptions = {}): Promise<StratumServer> {
  const app = express();
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<Context>({
    schema: buildStratumSchema(),
    introspection: true,
    // `serve` owns SIGINT/SIGTERM (stop the schedule, drain, close the database, exit 0); Apollo's
    // own handlers would stop it too and re-raise the signal, killing the process mid-shutdown.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: services.config.debugErrors,
    formatError: formatError(services.config.debugErrors),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      withGraphQLErrors(queryLimitsPlugin(services.config)),
      withGraphQLErrors(mutationPermissionsPlugin()),
      services.telemetry.graphqlPlugin(),
    ],
  });
  await apollo.start();
  services.telemetry.collectProcessMetrics();

  app.disable("x-powered-by");
  app.use(services.telemetry.httpMiddleware(), requestLogger(options.logger ?? logger));
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    try {
      await services.db.query(sql`select 1`);
      res.json({ status: "ready" });
    } catch {
      res.status(503).json({ status: "unavailable" });
    }
  });
  // Public only when asked for: the numbers (request rates, ingestion volume) are business data.
  app.get(
    "/metrics",
    ...(services.config.metricsPublic ? [] : [requirePermission(services, Permission.READ)]),
    async (_req, res) => {
      res.type(services.telemetry.registry.contentType).send(await services.telemetry.registry.metrics());
    },
  );
  app.get(
    "/export/metrics.csv",
    requirePermission(services, Permission.READ),
    storableInput,
    metricsCsvHandler(services),
  );
  app.get(
    "/export/segments/:key.csv",
    requirePermission(services, Permission.READ),
    storableInput,
    segmentCsvHandler(services),
  );

  // A browser without saved IDE state opens one tab per README example; the demo key rides
  // along only for browsers on this machine.
  const ide = (headers: Record<string, string>) =>
    altairExpress({
      endpointURL: "/graphql",
      initialHeaders: headers,
      initialWindows: EXAMPLE_QUERIES.map((example) => ({
        initialName: example.name,
        endpointURL: "/graphql",
        initialQuery: example.query,
        initialHeaders: headers,
      })),
      disableAccount: true,
    } as Parameters<typeof altairExpress>[0]);
  const publicIde = ide({});
  const localIde = options.demoKey ? ide({ Authorization: `Bearer ${options.demoKey}` }) : publicIde;
  app.use("/graphql", (req, res, next) => {
    res.locals.route = "/graphql";
    const wantsPage = req.method === "GET" && req.accepts(["application/json", "text/html"]) === "text/html";
    if (req.path !== "/" || (wantsPage && req.query.query === undefined))
      return (isLoopback(req.socket.remoteAddress) ? localIde : publicIde)(req, res, next);
    next();
  });

  // The dashboard: static code that asks /graphql with the key its user types (demo: see demo.ts).
  app.use("/app", dashboardRoutes(options.demoKey));

  const corsOptions = services.config.corsOrigins.length
    ? { origin: services.config.corsOrigins }
    : { origin: false };
  app.use(
    "/graphql",
    cors(corsOptions),
    ...jsonBodyWithLimits(ingestionMutationNames),
    // Aliased analytical root fields of one request share a few slots instead of the pool.
    (_req: express.Request, _res: express.Response, next: express.NextFunction) =>
      withAnalyticalConcurrency(services.config.requestAnalyticalConcurrency, next),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const { principal, refusal } = await resolveCredential(services, bearerToken(req));
        return createContext(services, principal, String(req.id), refusal);
      },
    }),
  );
  app.use("/v1", cors(corsOptions), trackingRoutes(services));
  app.use(jsonErrorHandler);

  return {
    app,
    httpServer,
    apollo,
    listen: (port, host) =>
      new Promise((resolve) => {
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      }),
    stop: () => apollo.stop(),
  };
}
