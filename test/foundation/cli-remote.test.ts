import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, TEST_ADMIN_KEY, type TestApi } from "../helpers/graphql";

const CLI = path.join(__dirname, "../../bin/stratum.js");

/**
 * Runs `stratum …` in a child process (asynchronously: the server answering it lives in this
 * one). Its data directory is a path that cannot be opened, so any attempt to open the
 * database instead of asking the server fails the command.
 */
function stratum(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, DATABASE_URL: "", STRATUM_DATA_DIR: "/dev/null/not-a-directory", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.once("close", (status) => resolve({ status, stdout, stderr })));
}

describeEachDatabase("stratum keys and refresh --url (through a running server)", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(db());
  });
  afterAll(async () => {
    await api.close();
  });

  it("keys create, list and revoke go through the server's API", async () => {
    const created = await stratum([
      "keys",
      "create",
      "--name",
      "nightly export",
      "--role",
      "viewer",
      "--url",
      api.url,
      "--key",
      TEST_ADMIN_KEY,
    ]);
    expect(created.stderr).toBe("");
    expect(created.status).toBe(0);
    const [first, , secret] = created.stdout.trim().split("\n");
    const lookup = await api.services.apiKeys.lookup(secret);
    if (lookup.status !== "live") throw new Error(`the printed secret is ${lookup.status}`);
    expect(lookup.principal).toMatchObject({ name: "nightly export", role: "VIEWER" });
    expect(first).toBe(`created key ${lookup.principal.keyId} (nightly export, VIEWER)`);

    // The key from STRATUM_API_KEY when --key is absent.
    const listed = await stratum(["keys", "list", "--url", api.url], { STRATUM_API_KEY: TEST_ADMIN_KEY });
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(`${lookup.principal.keyId}\tVIEWER\tactive\tnightly export\n`);

    const revoked = await stratum(["keys", "revoke", lookup.principal.keyId, "--url", api.url], {
      STRATUM_API_KEY: TEST_ADMIN_KEY,
    });
    expect(revoked.stdout.trim()).toBe(`revoked ${lookup.principal.keyId} (nightly export)`);
    expect((await api.services.apiKeys.lookup(secret)).status).toBe("revoked");
  });

  it("refresh --url recomputes a tag on the server", async () => {
    await api.services.tags.create(
      {
        key: "in_hangzhou",
        name: "In Hangzhou",
        category: "BASIC",
        kind: "RULE",
        // days_since reads the clock, so the tag is on the scheduled refresh, not real-time.
        rule: 'trait.city = "杭州" and days_since(user.first_seen) >= 0',
      },
      SYSTEM_PRINCIPAL,
    );
    // Two shoppers arrive after the tag was computed: the refresh adds both.
    await api.services.ingest.identify({ userId: "remote-a", traits: { city: "杭州" } });
    await api.services.ingest.identify({ userId: "remote-b", traits: { city: "杭州" } });
    await api.services.ingest.identify({ userId: "remote-c", traits: { city: "上海" } });
    const refreshed = await stratum([
      "refresh",
      "--tags",
      "in_hangzhou",
      "--url",
      api.url,
      "--key",
      TEST_ADMIN_KEY,
    ]);
    expect(refreshed.stderr).toBe("");
    expect(refreshed.stdout).toMatch(/^tag\s+in_hangzhou\s+users\s+2\s+\+2\s+-0\s+\d+ ms$/m);
    expect(refreshed.stdout).toMatch(/^refreshed 1 definitions in \d+ ms$/m);

    // Without keys: every tag and segment, then the recommendations (no product facts here).
    const everything = await stratum(["refresh", "--url", api.url, "--key", TEST_ADMIN_KEY]);
    expect(everything.stderr).toBe("");
    expect(everything.stdout).toMatch(/^recs\s+product similarities\s+products\s+0\s+pairs 0\s+\d+ ms$/m);
  });

  it("fit --url asks the server to fit, and prints its answer", async () => {
    // The server's database holds three profiles and no orders: the server refuses the fit.
    const fitted = await stratum([
      "fit",
      "remote_model",
      "--calibration-end",
      "2026-03-31",
      "--url",
      api.url,
      "--key",
      TEST_ADMIN_KEY,
    ]);
    expect(fitted.status).toBe(1);
    expect(fitted.stderr.trim()).toBe(
      "BAD_USER_INPUT: A purchase model needs at least 10 customers and 3 repeat customers before calibrationEnd; found 0 and 0",
    );
  });

  it("a key the server refuses: its code and message, exit 1", async () => {
    const refused = await stratum(["keys", "list", "--url", api.url, "--key", "strat_not-a-key"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toBe("UNAUTHENTICATED: The API key is not valid");
  });
});

it("--url without a key says how to give one", async () => {
  const missing = await stratum(["keys", "list", "--url", "http://127.0.0.1:9/graphql"], {
    STRATUM_API_KEY: "",
  });
  expect(missing.status).toBe(1);
  expect(missing.stderr.trim()).toBe("--url needs an API key: pass --key <key> or set STRATUM_API_KEY");
});
