import { type PiiDeclaration, piiDeclarationFromEnv } from "./access/pii";

/** Runtime configuration, read once from the environment. Every knob is listed in the README. */
export interface StratumConfig {
  /** PostgreSQL URL; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** PGlite data directory; `memory://` keeps it in memory. */
  dataDir: string;
  port: number;
  /** Listen address: loopback in demo mode, every interface otherwise (HOST overrides). */
  host: string;
  /** Default IANA time zone for buckets when a query names none. */
  timezone: string;
  currency: string;
  adminKey?: string;
  /** Milliseconds before analytical SQL is cancelled. */
  statementTimeoutMs: number;
  maxQueryDepth: number;
  maxQueryComplexity: number;
  /** Time buckets (retention: cells) one metrics query or analysis may produce. */
  maxBuckets: number;
  /** Analytical statements one GraphQL request runs at a time, whatever its number of root fields. */
  requestAnalyticalConcurrency: number;
  corsOrigins: string[];
  /** Seconds between scheduled tag and segment refreshes; 0 disables the schedule. */
  refreshIntervalSeconds: number;
  logLevel: string;
  production: boolean;
  /** Stack traces in error responses: only when asked for (STRATUM_DEBUG_ERRORS=1), never by default. */
  debugErrors: boolean;
  /** `GET /metrics` without a key (STRATUM_METRICS_PUBLIC=1), for a scraper on an internal network. */
  metricsPublic: boolean;
  /** Which trait keys, identity types and event property keys hold PII (masked without read_pii). */
  pii: PiiDeclaration;
}

/** A cap read from the environment: a typo must stop the start, not silently lift the cap. */
function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, not "${text}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StratumConfig {
  const databaseUrl = env.DATABASE_URL || undefined;
  const production = env.NODE_ENV === "production";
  return {
    databaseUrl,
    dataDir: env.STRATUM_DATA_DIR || "./.stratum",
    port: Number(env.PORT ?? 4000),
    host: env.HOST || (databaseUrl || production ? "0.0.0.0" : "127.0.0.1"),
    timezone: env.STRATUM_TIMEZONE || "Asia/Shanghai",
    currency: env.STRATUM_CURRENCY || "CNY",
    adminKey: env.STRATUM_ADMIN_KEY || undefined,
    statementTimeoutMs: Number(env.STRATUM_STATEMENT_TIMEOUT_MS ?? 10_000),
    maxQueryDepth: Number(env.STRATUM_MAX_DEPTH ?? 12),
    maxQueryComplexity: Number(env.STRATUM_MAX_COMPLEXITY ?? 5_000),
    maxBuckets: positiveInteger(env, "STRATUM_MAX_BUCKETS", 10_000),
    requestAnalyticalConcurrency: positiveInteger(env, "STRATUM_REQUEST_ANALYTICAL_CONCURRENCY", 2),
    corsOrigins: (env.STRATUM_CORS_ORIGINS ?? "").split(",").filter(Boolean),
    refreshIntervalSeconds: Number(env.STRATUM_REFRESH_INTERVAL_SECONDS ?? 0),
    logLevel: env.LOG_LEVEL || "info",
    production,
    debugErrors: env.STRATUM_DEBUG_ERRORS === "1",
    metricsPublic: env.STRATUM_METRICS_PUBLIC === "1",
    pii: piiDeclarationFromEnv(env),
  };
}
