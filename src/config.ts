import { z } from "zod";
import { type PiiDeclaration, piiDeclarationFromEnv } from "./access/pii";
import { configInvalid } from "./errors";

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
  /** PostgreSQL `work_mem` of analytical statements, in MB (their sorts stay in memory). */
  analyticalWorkMemMb: number;
  maxQueryDepth: number;
  maxQueryComplexity: number;
  /** Time buckets (retention: cells) one metrics query or analysis may produce. */
  maxBuckets: number;
  /**
   * Whether metrics read the user-day rollups where they answer (STRATUM_ROLLUPS=0: always the
   * raw facts); ingestion keeps them either way once built.
   */
  rollups: boolean;
  /** Analytical statements one GraphQL request runs at a time, whatever its number of root fields. */
  requestAnalyticalConcurrency: number;
  corsOrigins: string[];
  /** Seconds between scheduled tag and segment refreshes; 0 disables the schedule. */
  refreshIntervalSeconds: number;
  logLevel: LogLevel;
  production: boolean;
  /** Stack traces in error responses: only when asked for (STRATUM_DEBUG_ERRORS=1), never by default. */
  debugErrors: boolean;
  /** `GET /metrics` without a key (STRATUM_METRICS_PUBLIC=1), for a scraper on an internal network. */
  metricsPublic: boolean;
  /** Which trait keys, identity types and event property keys hold PII (masked without read_pii). */
  pii: PiiDeclaration;
  /** The best-send-time model: which events count as activity, the prior's strength, the time-zone trait. */
  sendTime: SendTimeConfig;
  /** The webhook delivery worker of the server process (`src/automation`). */
  delivery: DeliveryConfig;
}

export interface SendTimeConfig {
  /** Event names whose times say when a user is reachable. */
  events: string[];
  /** α, the pseudo-events of the population's distribution added to each user's own. */
  priorStrength: number;
  /** The trait holding a user's IANA time zone; users without a valid one use `timezone`. */
  timezoneTrait: string;
}

export interface DeliveryConfig {
  /** Whether `stratum serve` / `start` run a delivery worker (STRATUM_DELIVERY_WORKER=0 turns it off). */
  inServer: boolean;
  /** Attempts before a delivery is dead-lettered. */
  maxAttempts: number;
  /** Milliseconds between polls of an idle worker. */
  pollMs: number;
  /** First retry delay in milliseconds; doubled per attempt, times a random 1–2, capped at `maxDelayMs` (`retryDelayMs`). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Milliseconds a request may take before it counts as a failed attempt. */
  timeoutMs: number;
}

/** pino's levels; `silent` logs nothing. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const NODE_ENVS = ["development", "production", "test"] as const;

/** Variables whose values are secrets: an error names them but never repeats what they hold. */
const SECRET_VARIABLES = new Set(["DATABASE_URL", "STRATUM_ADMIN_KEY"]);

// `PORT=` in an env file means "not set", as an absent variable does.
const blankAsUnset = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

function text(fallback: string) {
  return z.preprocess(blankAsUnset, z.string().default(fallback));
}

const optionalText = z.preprocess(blankAsUnset, z.string().optional());

/** A whole number written in decimal digits; "ten", "1e3", "-5" and "2.5" are refused, not coerced. */
function wholeNumber(fallback: number, min: number, max?: number) {
  const expected = max === undefined ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
  return z.preprocess(
    blankAsUnset,
    z
      .string()
      .trim()
      .regex(/^\d+$/, `expected ${expected}`)
      .transform(Number)
      .pipe(
        z
          .number()
          .min(min, `expected ${expected}`)
          .max(max ?? Number.MAX_SAFE_INTEGER, `expected ${expected}`),
      )
      .default(fallback),
  );
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, fallback?: T[number]) {
  const schema = z.enum(values, { error: `expected one of ${values.join(", ")}` });
  return z.preprocess(blankAsUnset, fallback === undefined ? schema.optional() : schema.default(fallback));
}

/** A positive decimal number such as 24 or 0.5; "1e3", "-1" and "0" are refused. */
function positiveNumber(fallback: number) {
  const expected = "a positive decimal number such as 24 or 0.5";
  return z.preprocess(
    blankAsUnset,
    z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?$/, `expected ${expected}`)
      .transform(Number)
      .pipe(z.number().positive(`expected ${expected}`))
      .default(fallback),
  );
}

function nameList(fallback: string) {
  return text(fallback)
    .transform((list) =>
      list
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((names) => names.length > 0, { error: "expected comma-separated event names" });
}

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** A browser's `Origin` header is scheme, host and port only, so an entry with a path never matches. */
const isOrigin = (entry: string) => {
  try {
    const url = new URL(entry);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === entry;
  } catch {
    return false;
  }
};

const isPostgresUrl = (value: string) => {
  try {
    return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

const environment = z.object({
  DATABASE_URL: optionalText.refine((value) => value === undefined || isPostgresUrl(value), {
    error: "expected a postgres:// or postgresql:// URL",
  }),
  STRATUM_DATA_DIR: text("./.stratum"),
  PORT: wholeNumber(4000, 0, 65_535),
  HOST: optionalText,
  STRATUM_TIMEZONE: text("Asia/Shanghai").refine(isTimeZone, {
    error: "expected an IANA time zone such as Asia/Shanghai",
  }),
  STRATUM_CURRENCY: text("CNY").refine((code) => /^[A-Z]{3}$/.test(code), {
    error: "expected an ISO 4217 currency code such as CNY",
  }),
  STRATUM_ADMIN_KEY: optionalText,
  STRATUM_STATEMENT_TIMEOUT_MS: wholeNumber(10_000, 1),
  STRATUM_ANALYTICAL_WORK_MEM_MB: wholeNumber(64, 1, 2_047),
  STRATUM_MAX_DEPTH: wholeNumber(12, 1),
  STRATUM_MAX_COMPLEXITY: wholeNumber(5_000, 1),
  STRATUM_MAX_BUCKETS: wholeNumber(10_000, 1),
  STRATUM_ROLLUPS: oneOf(["0", "1"], "1"),
  STRATUM_REQUEST_ANALYTICAL_CONCURRENCY: wholeNumber(2, 1),
  STRATUM_CORS_ORIGINS: text("")
    .transform((list) =>
      list
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((origins) => origins.every(isOrigin), {
      error: "expected comma-separated origins such as https://shop.example (no path, no trailing slash)",
    }),
  STRATUM_REFRESH_INTERVAL_SECONDS: wholeNumber(0, 0),
  LOG_LEVEL: oneOf(LOG_LEVELS),
  STRATUM_DEBUG_ERRORS: oneOf(["0", "1"], "0"),
  STRATUM_METRICS_PUBLIC: oneOf(["0", "1"], "0"),
  STRATUM_SEND_TIME_EVENTS: nameList("campaign_opened,app_open,page_view"),
  STRATUM_SEND_TIME_PRIOR_STRENGTH: positiveNumber(24),
  STRATUM_SEND_TIME_TIMEZONE_TRAIT: text("timezone"),
  STRATUM_DELIVERY_WORKER: oneOf(["0", "1"], "1"),
  STRATUM_DELIVERY_MAX_ATTEMPTS: wholeNumber(8, 1, 100),
  STRATUM_DELIVERY_POLL_MS: wholeNumber(250, 10),
  STRATUM_DELIVERY_BASE_DELAY_MS: wholeNumber(1_000, 1),
  STRATUM_DELIVERY_MAX_DELAY_MS: wholeNumber(3_600_000, 1),
  STRATUM_DELIVERY_TIMEOUT_MS: wholeNumber(10_000, 100, 50_000),
  NODE_ENV: oneOf(NODE_ENVS),
});

/**
 * Reads and validates the configuration. Every bad variable is reported at once, in one
 * CONFIG_INVALID error naming each and what it expected, so a typo stops the start
 * instead of silently turning a limit off.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): StratumConfig {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0]);
      const raw = env[variable];
      const shown = SECRET_VARIABLES.has(variable) ? "" : `=${JSON.stringify(raw)}`;
      return { variable, expected: issue.message.replace(/^expected /, ""), shown };
    });
    throw configInvalid(
      `Invalid configuration: ${problems.map((p) => `${p.variable}${p.shown}: expected ${p.expected}`).join("; ")}`,
      { variables: problems.map(({ variable, expected }) => ({ variable, expected })) },
    );
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: e.STRATUM_DATA_DIR,
    port: e.PORT,
    host: e.HOST ?? (e.DATABASE_URL || production ? "0.0.0.0" : "127.0.0.1"),
    timezone: e.STRATUM_TIMEZONE,
    currency: e.STRATUM_CURRENCY,
    adminKey: e.STRATUM_ADMIN_KEY,
    statementTimeoutMs: e.STRATUM_STATEMENT_TIMEOUT_MS,
    analyticalWorkMemMb: e.STRATUM_ANALYTICAL_WORK_MEM_MB,
    maxQueryDepth: e.STRATUM_MAX_DEPTH,
    maxQueryComplexity: e.STRATUM_MAX_COMPLEXITY,
    maxBuckets: e.STRATUM_MAX_BUCKETS,
    rollups: e.STRATUM_ROLLUPS === "1",
    requestAnalyticalConcurrency: e.STRATUM_REQUEST_ANALYTICAL_CONCURRENCY,
    corsOrigins: e.STRATUM_CORS_ORIGINS,
    refreshIntervalSeconds: e.STRATUM_REFRESH_INTERVAL_SECONDS,
    logLevel: e.LOG_LEVEL ?? defaultLogLevel(e.NODE_ENV),
    production,
    debugErrors: e.STRATUM_DEBUG_ERRORS === "1",
    metricsPublic: e.STRATUM_METRICS_PUBLIC === "1",
    pii: piiDeclarationFromEnv(env),
    sendTime: {
      events: e.STRATUM_SEND_TIME_EVENTS,
      priorStrength: e.STRATUM_SEND_TIME_PRIOR_STRENGTH,
      timezoneTrait: e.STRATUM_SEND_TIME_TIMEZONE_TRAIT,
    },
    delivery: {
      inServer: e.STRATUM_DELIVERY_WORKER === "1",
      maxAttempts: e.STRATUM_DELIVERY_MAX_ATTEMPTS,
      pollMs: e.STRATUM_DELIVERY_POLL_MS,
      baseDelayMs: e.STRATUM_DELIVERY_BASE_DELAY_MS,
      maxDelayMs: e.STRATUM_DELIVERY_MAX_DELAY_MS,
      timeoutMs: e.STRATUM_DELIVERY_TIMEOUT_MS,
    },
  };
}

/** Tests log nothing unless LOG_LEVEL asks; everything else logs `info` and above. */
export const defaultLogLevel = (nodeEnv: string | undefined): LogLevel =>
  nodeEnv === "test" ? "silent" : "info";
