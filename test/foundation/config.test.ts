import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_PII } from "../../src/access/pii";
import { loadConfig } from "../../src/config";
import { StratumError } from "../../src/errors";

/** The CONFIG_INVALID error of `env`, or a failure when it loads. */
function configError(env: Record<string, string>): StratumError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof StratumError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(env)} was accepted`);
}

describe("loadConfig", () => {
  it("gives the documented defaults for an empty environment", () => {
    expect(loadConfig({})).toEqual({
      databaseUrl: undefined,
      dataDir: "./.stratum",
      port: 4000,
      host: "127.0.0.1",
      timezone: "Asia/Shanghai",
      currency: "CNY",
      adminKey: undefined,
      statementTimeoutMs: 10_000,
      analyticalWorkMemMb: 64,
      maxQueryDepth: 12,
      maxQueryComplexity: 5_000,
      maxBuckets: 10_000,
      rollups: true,
      requestAnalyticalConcurrency: 2,
      corsOrigins: [],
      refreshIntervalSeconds: 0,
      logLevel: "info",
      production: false,
      debugErrors: false,
      metricsPublic: false,
      pii: DEFAULT_PII,
      sendTime: {
        events: ["campaign_opened", "app_open", "page_view"],
        priorStrength: 24,
        timezoneTrait: "timezone",
      },
      delivery: {
        inServer: true,
        maxAttempts: 8,
        pollMs: 250,
        baseDelayMs: 1000,
        maxDelayMs: 3_600_000,
        timeoutMs: 10_000,
      },
    });
  });

  it("reads every variable that is set", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://stratum@db.internal:5432/cdp",
      STRATUM_DATA_DIR: "/var/lib/stratum",
      PORT: "8080",
      STRATUM_TIMEZONE: "Europe/Berlin",
      STRATUM_CURRENCY: "EUR",
      STRATUM_ADMIN_KEY: "s3cret",
      STRATUM_STATEMENT_TIMEOUT_MS: "2500",
      STRATUM_ANALYTICAL_WORK_MEM_MB: "256",
      STRATUM_MAX_DEPTH: "7",
      STRATUM_MAX_COMPLEXITY: "900",
      STRATUM_MAX_BUCKETS: "500",
      STRATUM_ROLLUPS: "0",
      STRATUM_REQUEST_ANALYTICAL_CONCURRENCY: "3",
      HOST: "10.0.0.5",
      STRATUM_METRICS_PUBLIC: "1",
      STRATUM_PII_TRAITS: "name,vip_card",
      STRATUM_CORS_ORIGINS: "https://app.example, http://localhost:3000",
      STRATUM_REFRESH_INTERVAL_SECONDS: "600",
      LOG_LEVEL: "warn",
      STRATUM_DEBUG_ERRORS: "1",
      STRATUM_SEND_TIME_EVENTS: "email_opened, app_open",
      STRATUM_SEND_TIME_PRIOR_STRENGTH: "12.5",
      STRATUM_SEND_TIME_TIMEZONE_TRAIT: "tz",
      STRATUM_DELIVERY_WORKER: "0",
      STRATUM_DELIVERY_MAX_ATTEMPTS: "5",
      STRATUM_DELIVERY_POLL_MS: "100",
      STRATUM_DELIVERY_BASE_DELAY_MS: "500",
      STRATUM_DELIVERY_MAX_DELAY_MS: "60000",
      STRATUM_DELIVERY_TIMEOUT_MS: "3000",
      NODE_ENV: "production",
    });
    expect(config).toEqual({
      databaseUrl: "postgres://stratum@db.internal:5432/cdp",
      dataDir: "/var/lib/stratum",
      port: 8080,
      host: "10.0.0.5",
      timezone: "Europe/Berlin",
      currency: "EUR",
      adminKey: "s3cret",
      statementTimeoutMs: 2500,
      analyticalWorkMemMb: 256,
      maxQueryDepth: 7,
      maxQueryComplexity: 900,
      maxBuckets: 500,
      rollups: false,
      requestAnalyticalConcurrency: 3,
      corsOrigins: ["https://app.example", "http://localhost:3000"],
      refreshIntervalSeconds: 600,
      logLevel: "warn",
      production: true,
      debugErrors: true,
      metricsPublic: true,
      pii: { ...DEFAULT_PII, traits: ["name", "vip_card"] },
      sendTime: { events: ["email_opened", "app_open"], priorStrength: 12.5, timezoneTrait: "tz" },
      delivery: {
        inServer: false,
        maxAttempts: 5,
        pollMs: 100,
        baseDelayMs: 500,
        maxDelayMs: 60_000,
        timeoutMs: 3000,
      },
    });
  });

  it("treats a blank variable (`PORT=` in an env file) as unset", () => {
    const config = loadConfig({ PORT: "", DATABASE_URL: "", STRATUM_MAX_DEPTH: "  ", NODE_ENV: "" });
    expect([config.port, config.databaseUrl, config.maxQueryDepth, config.production]).toEqual([
      4000,
      undefined,
      12,
      false,
    ]);
  });

  it("logs nothing under NODE_ENV=test unless LOG_LEVEL says otherwise", () => {
    expect(loadConfig({ NODE_ENV: "test" }).logLevel).toBe("silent");
    expect(loadConfig({ NODE_ENV: "test", LOG_LEVEL: "debug" }).logLevel).toBe("debug");
  });

  it("refuses a depth limit that is not a number instead of turning the limit off", () => {
    const error = configError({ STRATUM_MAX_DEPTH: "ten" });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe('Invalid configuration: STRATUM_MAX_DEPTH="ten": expected a whole number ≥ 1');
    expect(error.details).toEqual({
      variables: [{ variable: "STRATUM_MAX_DEPTH", expected: "a whole number ≥ 1" }],
    });
  });

  it.each([
    ["PORT", "abc", "a whole number from 0 to 65535"],
    ["PORT", "65536", "a whole number from 0 to 65535"],
    ["PORT", "-1", "a whole number from 0 to 65535"],
    ["PORT", "80.5", "a whole number from 0 to 65535"],
    ["STRATUM_STATEMENT_TIMEOUT_MS", "0", "a whole number ≥ 1"],
    ["STRATUM_STATEMENT_TIMEOUT_MS", "-100", "a whole number ≥ 1"],
    ["STRATUM_MAX_DEPTH", "-5", "a whole number ≥ 1"],
    ["STRATUM_MAX_COMPLEXITY", "1e3", "a whole number ≥ 1"],
    ["STRATUM_MAX_COMPLEXITY", "99999999999999999999", "a whole number ≥ 1"],
    ["STRATUM_REFRESH_INTERVAL_SECONDS", "-60", "a whole number ≥ 0"],
    ["STRATUM_REFRESH_INTERVAL_SECONDS", "10m", "a whole number ≥ 0"],
    ["NODE_ENV", "prod", "one of development, production, test"],
    ["LOG_LEVEL", "verbose", "one of fatal, error, warn, info, debug, trace, silent"],
    ["STRATUM_DEBUG_ERRORS", "yes", "one of 0, 1"],
    ["STRATUM_TIMEZONE", "Mars/Olympus_Mons", "an IANA time zone such as Asia/Shanghai"],
    ["STRATUM_CURRENCY", "yuan", "an ISO 4217 currency code such as CNY"],
    ["STRATUM_SEND_TIME_EVENTS", " , ", "comma-separated event names"],
    ["STRATUM_SEND_TIME_PRIOR_STRENGTH", "0", "a positive decimal number such as 24 or 0.5"],
    ["STRATUM_SEND_TIME_PRIOR_STRENGTH", "-3", "a positive decimal number such as 24 or 0.5"],
    ["STRATUM_SEND_TIME_PRIOR_STRENGTH", "1e3", "a positive decimal number such as 24 or 0.5"],
    [
      "STRATUM_CORS_ORIGINS",
      "https://app.example/",
      "comma-separated origins such as https://shop.example (no path, no trailing slash)",
    ],
  ])("refuses %s=%s, expecting %s", (variable, value, expected) => {
    const error = configError({ [variable]: value });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      `Invalid configuration: ${variable}=${JSON.stringify(value)}: expected ${expected}`,
    );
    expect(error.details).toEqual({ variables: [{ variable, expected }] });
  });

  it("names every bad variable at once, and never repeats a secret's value", () => {
    const error = configError({
      PORT: "abc",
      DATABASE_URL: "mysql://root:hunter2@db/cdp",
      NODE_ENV: "staging",
      STRATUM_TIMEZONE: "UTC",
    });
    expect(error.details).toEqual({
      variables: [
        { variable: "DATABASE_URL", expected: "a postgres:// or postgresql:// URL" },
        { variable: "PORT", expected: "a whole number from 0 to 65535" },
        { variable: "NODE_ENV", expected: "one of development, production, test" },
      ],
    });
    expect(error.message).toContain("DATABASE_URL: expected a postgres:// or postgresql:// URL");
    expect(error.message).not.toContain("hunter2");
  });
});

describe("stratum CLI with a bad configuration", () => {
  it("`PORT=abc stratum start` prints the coded message, no stack, and exits non-zero", () => {
    const result = spawnSync(process.execPath, [path.join(__dirname, "../../bin/stratum.js"), "start"], {
      env: { ...process.env, PORT: "abc", STRATUM_DATA_DIR: "memory://", DATABASE_URL: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'CONFIG_INVALID: Invalid configuration: PORT="abc": expected a whole number from 0 to 65535',
    );
    expect(result.stdout).toBe("");
  });
});
