import { type PiiDeclaration, piiDeclarationFromEnv } from "./access/pii";

/** Runtime configuration, read once from the environment. Every knob is listed in the README. */
export interface StratumConfig {
  /** PostgreSQL URL; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** PGlite data directory; `memory://` keeps it in memory. */
  dataDir: string;
  port: number;
  /** Default IANA time zone for buckets when a query names none. */
  timezone: string;
  currency: string;
  adminKey?: string;
  /** Milliseconds before analytical SQL is cancelled. */
  statementTimeoutMs: number;
  maxQueryDepth: number;
  maxQueryComplexity: number;
  corsOrigins: string[];
  /** Seconds between scheduled tag and segment refreshes; 0 disables the schedule. */
  refreshIntervalSeconds: number;
  logLevel: string;
  production: boolean;
  /** Stack traces in error responses: only when asked for (STRATUM_DEBUG_ERRORS=1), never by default. */
  debugErrors: boolean;
  /** Which trait keys, identity types and event property keys hold PII (masked without read_pii). */
  pii: PiiDeclaration;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StratumConfig {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.STRATUM_DATA_DIR || "./.stratum",
    port: Number(env.PORT ?? 4000),
    timezone: env.STRATUM_TIMEZONE || "Asia/Shanghai",
    currency: env.STRATUM_CURRENCY || "CNY",
    adminKey: env.STRATUM_ADMIN_KEY || undefined,
    statementTimeoutMs: Number(env.STRATUM_STATEMENT_TIMEOUT_MS ?? 10_000),
    maxQueryDepth: Number(env.STRATUM_MAX_DEPTH ?? 12),
    maxQueryComplexity: Number(env.STRATUM_MAX_COMPLEXITY ?? 5_000),
    corsOrigins: (env.STRATUM_CORS_ORIGINS ?? "").split(",").filter(Boolean),
    refreshIntervalSeconds: Number(env.STRATUM_REFRESH_INTERVAL_SECONDS ?? 0),
    logLevel: env.LOG_LEVEL || "info",
    production: env.NODE_ENV === "production",
    debugErrors: env.STRATUM_DEBUG_ERRORS === "1",
    pii: piiDeclarationFromEnv(env),
  };
}
