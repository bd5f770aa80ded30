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
import { jsonBodyWithLimits, jsonErrorHandler } from "../access/body-limit";
import { ingestionMutationNames, queryLimitsPlugin } from "../access/limits";
import { Permission } from "../access/permissions";
import { ErrorCode, StratumError } from "../errors";
import { buildStratumSchema } from "../schema/build";
import { bearerToken, requirePermission, resolvePrincipal } from "./auth";
import { type Context, createContext } from "./context";
import { metricsCsvHandler } from "./exports/metrics-csv";
import { segmentCsvHandler } from "./exports/segment-csv";
import { logger } from "./logger";
import type { Services } from "./services";

/** A caller's `x-request-id` if it is a sane token, else a fresh one. */
function requestIdOf(header: unknown): string {
  return typeof header === "string" && /^[\w.-]{1,100}$/.test(header) ? header : randomUUID();
}

export interface StratumServer {
  app: express.Express;
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
  /** Starts listening; resolves with the bound port. */
  listen(port: number): Promise<number>;
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
    if (original instanceof StratumError || CLIENT_CODES.has(code)) {
      if (debugErrors) return formatted;
      const { stacktrace: _, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
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
   * Demo mode only: the key the IDE page sends. Never a configured STRATUM_ADMIN_KEY, which
   * would hand admin rights to anyone who opens the page.
   */
  demoKey?: string;
}

/** Express 5 + Apollo Server 5: `/graphql` (API and, in a browser, the local IDE), health, exports. */
export async function createServer(services: Services, options: ServerOptions = {}): Promise<StratumServer> {
  const app = express();
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<Context>({
    schema: buildStratumSchema(),
    introspection: true,
    includeStacktraceInErrorResponses: services.config.debugErrors,
    formatError: formatError(services.config.debugErrors),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), queryLimitsPlugin(services.config)],
    // `serve` owns SIGINT/SIGTERM: Apollo's own handler would re-raise the signal once it has
    // stopped, killing the process before the database is closed (and its lock released).
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  app.disable("x-powered-by");
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
  app.get("/export/metrics.csv", requirePermission(services, Permission.READ), metricsCsvHandler(services));
  app.get(
    "/export/segments/:key.csv",
    requirePermission(services, Permission.READ),
    segmentCsvHandler(services),
  );

  const ide = altairExpress({
    endpointURL: "/graphql",
    initialQuery:
      "{\n  users(first: 10) {\n    totalCount\n    edges { node { id firstSeenAt traits identities { type value } } }\n  }\n}\n",
    initialHeaders: options.demoKey ? { Authorization: `Bearer ${options.demoKey}` } : {},
    disableAccount: true,
  } as Parameters<typeof altairExpress>[0]);
  app.use("/graphql", (req, res, next) => {
    const wantsPage = req.method === "GET" && req.accepts(["application/json", "text/html"]) === "text/html";
    if (req.path !== "/" || (wantsPage && req.query.query === undefined)) return ide(req, res, next);
    next();
  });

  const corsOptions = services.config.corsOrigins.length
    ? { origin: services.config.corsOrigins }
    : { origin: false };
  app.use(
    "/graphql",
    cors(corsOptions),
    ...jsonBodyWithLimits(ingestionMutationNames),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        createContext(
          services,
          await resolvePrincipal(services, bearerToken(req)),
          requestIdOf(req.headers["x-request-id"]),
        ),
    }),
  );
  app.use(jsonErrorHandler);

  return {
    app,
    httpServer,
    apollo,
    listen: (port) =>
      new Promise((resolve) => {
        httpServer.listen(port, () => {
          const address = httpServer.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      }),
    stop: () => apollo.stop(),
  };
}
