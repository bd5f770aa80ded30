import "reflect-metadata";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config";
import { connect, type DriverKind, migrate } from "../../src/db/client";
import type { OrderInput } from "../../src/ingest/contract";
import { METRICS } from "../../src/metrics/catalog";
import { createServices } from "../../src/server/services";

const ROOT = path.resolve(__dirname, "../..");

/** Runs `node bin/stratum.js ...args` as a person would, with the given database settings. */
function stratum(args: string[], env: Record<string, string>) {
  const { DATABASE_URL: _, STRATUM_DATA_DIR: __, ...inherited } = process.env;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["bin/stratum.js", ...args],
      { cwd: ROOT, env: { ...inherited, LOG_LEVEL: "warn", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const order = (
  orderId: string,
  placedAt: string,
  status: OrderInput["status"],
  totalAmount: number,
  channel: string,
) => ({
  orderId,
  userId: `cli-${orderId}`,
  placedAt,
  status,
  totalAmount,
  channel,
});

/**
 * Hand-written orders (UTC). Counted: o1 app 100.50 and o4 app 20 on 1 March, o2 web 50 on
 * 1 March, o5 web 30.25 and o6 app 40 on 2 March. Not counted: o3 (cancelled). Outside
 * the range: o7 (3 March, `--to` is exclusive).
 */
const ORDERS = [
  order("o1", "2026-03-01T08:00:00Z", "PAID", 100.5, "app"),
  order("o2", "2026-03-01T09:00:00Z", "PAID", 50, "web"),
  order("o3", "2026-03-01T10:00:00Z", "CANCELLED", 999, "app"),
  order("o4", "2026-03-01T23:59:00Z", "PAID", 20, "app"),
  order("o5", "2026-03-02T00:00:00+00:00", "COMPLETED", 30.25, "web"),
  order("o6", "2026-03-02T12:00:00Z", "SHIPPED", 40, "app"),
  order("o7", "2026-03-03T00:00:00+00:00", "PAID", 500, "app"),
];

const QUERY = [
  "query",
  "--metrics",
  "gmv,orders",
  "--dimensions",
  "channel",
  "--grain",
  "DAY",
  "--from",
  "2026-03-01",
  "--to",
  "2026-03-03",
  "--timezone",
  "UTC",
];

describe("stratum metrics list", () => {
  it("prints every metric with its label, type, unit, description and dimensions", async () => {
    const { code, stdout } = await stratum(["metrics", "list"], { STRATUM_DATA_DIR: "memory://" });
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toBe(
      `${METRICS.length} metrics (name  "label"  type  unit; description; dimensions)`,
    );
    const blocks = stdout.trim().split("\n\n").slice(1);
    expect(blocks).toHaveLength(METRICS.length);
    const aov = blocks.find((block) => block.startsWith("aov "));
    expect(aov).toBe(
      [
        'aov  "Average order value"  RATIO  CURRENCY',
        "  gmv / orders; null without orders",
        // Orders carry the conformed columns and their user's traits, not product columns.
        "  dimensions: channel, platform, utm_source, utm_campaign, campaign, city, region, gender, age_band, signup_channel, rfm_segment, risk_band, tag:<key>, tag_value:<key>, segment:<key>",
      ].join("\n"),
    );
    expect(blocks.find((block) => block.startsWith("units "))).toContain("category, brand, product");
  });
});

const KINDS: DriverKind[] = ["pglite", "postgres"];
for (const kind of KINDS) {
  const adminUrl = inject("postgresUrl");
  describe.runIf(kind === "pglite" || adminUrl !== null)(`stratum query [${kind}]`, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      if (kind === "pglite") {
        const dir = mkdtempSync(path.join(tmpdir(), "stratum-cli-"));
        env = { STRATUM_DATA_DIR: dir };
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      } else {
        const admin = postgres(adminUrl as string, { max: 1, onnotice: () => {} });
        const name = `stratum_test_${randomBytes(6).toString("hex")}`;
        await admin.unsafe(`create database ${name}`);
        const url = new URL(adminUrl as string);
        url.pathname = `/${name}`;
        env = { DATABASE_URL: url.toString() };
        cleanup = async () => {
          await admin.unsafe(`drop database if exists ${name} with (force)`);
          await admin.end({ timeout: 1 });
        };
      }
      const db = await connect({ databaseUrl: env.DATABASE_URL, dataDir: env.STRATUM_DATA_DIR });
      await migrate(db);
      const result = await createServices(db, loadConfig({})).ingest.recordOrders(ORDERS);
      expect(result).toMatchObject({ accepted: 7, rejected: [] });
      // The CLI opens the same database: PGlite allows one process at a time.
      await db.close();
    });
    afterAll(() => cleanup());

    it("answers gmv and orders by channel and day as CSV", async () => {
      const { code, stdout, stderr } = await stratum([...QUERY, "--format", "csv"], env);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(stdout).toBe(
        [
          "time,channel,gmv,orders",
          "2026-03-01T00:00:00+00:00,app,120.5,2",
          "2026-03-01T00:00:00+00:00,web,50,1",
          "2026-03-02T00:00:00+00:00,app,40,1",
          "2026-03-02T00:00:00+00:00,web,30.25,1",
          "",
        ].join("\n"),
      );
    });

    it("prints the same answer as an aligned table by default, and the whole range with grain ALL", async () => {
      const table = await stratum(QUERY, env);
      expect(table.code).toBe(0);
      expect(table.stdout).toBe(
        [
          "time                       channel    gmv  orders",
          "-------------------------  -------  -----  ------",
          "2026-03-01T00:00:00+00:00  app      120.5       2",
          "2026-03-01T00:00:00+00:00  web         50       1",
          "2026-03-02T00:00:00+00:00  app         40       1",
          "2026-03-02T00:00:00+00:00  web      30.25       1",
          "",
        ].join("\n"),
      );
      const all = await stratum(
        [
          "query",
          "--metrics",
          "aov",
          "--grain",
          "ALL",
          "--from",
          "2026-03-01",
          "--to",
          "2026-03-03",
          "--timezone",
          "UTC",
          "--format",
          "csv",
        ],
        env,
      );
      // (100.5 + 50 + 20 + 30.25 + 40) / 5 = 240.75 / 5
      expect(all.stdout).toBe(["time,aov", "2026-03-01T00:00:00+00:00,48.15", ""].join("\n"));
      // A relative range resolved now: the 1,000 weeks before this one hold every counted order (until 2045), o7 too.
      const relative = await stratum(
        [
          "query",
          "--metrics",
          "orders,gmv",
          "--grain",
          "ALL",
          "--last",
          "1000w",
          "--timezone",
          "UTC",
          "--format",
          "csv",
        ],
        env,
      );
      expect(relative.code).toBe(0);
      expect(relative.stdout.split("\n")[1]).toMatch(/,6,740\.75$/);
    });

    it("refuses an unknown metric or format with a message naming it", async () => {
      const unknown = await stratum(
        ["query", "--metrics", "gmvv", "--from", "2026-03-01", "--to", "2026-03-03"],
        env,
      );
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('metrics: unknown metric "gmvv"');
      const format = await stratum([...QUERY, "--format", "xml"], env);
      expect(format.code).toBe(1);
      expect(format.stderr).toContain("--format");
    });
  });
}
