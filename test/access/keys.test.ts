import "reflect-metadata";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import express from "express";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Permission, SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { loadConfig } from "../../src/config";
import { requirePermission, resolveCredential } from "../../src/server/auth";
import { ensureDemoAdminKey } from "../../src/server/demo";
import { createServices } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, TEST_ADMIN_KEY, type TestApi } from "../helpers/graphql";

const CREATE = `mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { key apiKey { id name role createdAt revokedAt } } }`;

describeEachDatabase("API keys", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(db());
  });
  afterAll(() => api.close());

  it("shows a new key once, stores only its SHA-256 hash, and the key acts with its role", async () => {
    const created = await api.gql(CREATE, { input: { name: "dashboard", role: "ANALYST" } });
    expect(created.errors).toBeUndefined();
    const { key, apiKey } = created.data.createApiKey;
    expect(key).toMatch(/^strat_[\w-]{43}$/);
    expect(apiKey).toMatchObject({ name: "dashboard", role: "ANALYST", revokedAt: null });

    const [stored] = await db().query<{ key_hash: string }>(
      sql`select key_hash from api_keys where id = ${apiKey.id}`,
    );
    expect(stored.key_hash).toBe(createHash("sha256").update(key).digest("hex"));
    const [{ leaks }] = await db().query<{ leaks: number }>(sql`
      select count(*)::int as leaks from api_keys k
      where k::text like ${`%${key}%`}
         or exists (select 1 from audit_log a where a::text like ${`%${key}%`} or a::text like ${`%${stored.key_hash}%`})`);
    expect(leaks).toBe(0);

    const listed = await api.gql(`{ apiKeys { id name role } }`);
    expect(listed.data.apiKeys).toContainEqual({ id: apiKey.id, name: "dashboard", role: "ANALYST" });
    expect(JSON.stringify(listed)).not.toContain(key);

    const read = await api.gql(`{ users { totalCount } }`, {}, key);
    expect(read).toMatchObject({ status: 200, data: { users: { totalCount: 0 } } });
    const admin = await api.gql(`{ apiKeys { id } }`, {}, key);
    expect(admin.status).toBe(403);
    expect(admin.errors?.[0]).toMatchObject({
      message: "Role ANALYST may not do this: it needs the admin permission",
      extensions: { code: "FORBIDDEN", needs: ["admin"] },
    });
  });

  it("stops accepting a revoked key on the next request, and audits create and revoke", async () => {
    const { key, apiKey } = (await api.gql(CREATE, { input: { name: "loader", role: "VIEWER" } })).data
      .createApiKey;
    expect((await api.gql(`{ users { totalCount } }`, {}, key)).status).toBe(200);

    const revoked = await api.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, {
      id: apiKey.id,
    });
    expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull();
    const after = await api.gql(`{ users { totalCount } }`, {}, key);
    expect(after.status).toBe(401);
    expect(after.errors?.[0]).toMatchObject({
      message: "The API key has been revoked",
      extensions: { code: "UNAUTHENTICATED", reason: "revoked" },
    });

    // Revoking twice changes nothing and is not audited twice.
    await api.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: apiKey.id });
    const audit = await api.gql(
      `query($key: String) { auditLog(entityType: "api_key", entityKey: $key) {
        totalCount edges { node { actor action entityType entityKey before after requestId } } } }`,
      { key: apiKey.id },
    );
    expect(audit.data.auditLog.totalCount).toBe(2);
    const [revoke, create] = audit.data.auditLog.edges.map((edge: any) => edge.node);
    expect(create).toMatchObject({
      actor: "admin (STRATUM_ADMIN_KEY)",
      action: "create",
      entityType: "api_key",
      entityKey: apiKey.id,
      before: null,
      after: { id: apiKey.id, name: "loader", role: "VIEWER", revokedAt: null },
    });
    expect(create.requestId).toEqual(expect.any(String));
    expect(revoke).toMatchObject({
      action: "revoke",
      before: { revokedAt: null },
      after: { revokedAt: expect.any(String) },
    });
  });

  it("pages the audit log newest first and filters by entity", async () => {
    for (const name of ["a", "b", "c"])
      await api.services.apiKeys.create({ name: `page ${name}`, role: "VIEWER" }, SYSTEM_PRINCIPAL);
    const query = `query($after: String) { auditLog(first: 2, after: $after, entityType: "api_key") {
      totalCount edges { node { id actor after } } pageInfo { hasNextPage endCursor } } }`;
    const first = await api.gql(query);
    const [{ total }] = await db().query<{ total: number }>(
      sql`select count(*)::int as total from audit_log where entity_type = 'api_key'`,
    );
    expect(first.data.auditLog.totalCount).toBe(total);
    const names = first.data.auditLog.edges.map((edge: any) => edge.node.after.name);
    expect(names).toEqual(["page c", "page b"]);
    expect(first.data.auditLog.edges[0].node.actor).toBe("system");
    const second = await api.gql(query, { after: first.data.auditLog.pageInfo.endCursor });
    expect(second.data.auditLog.edges[0].node.after.name).toBe("page a");
    const none = await api.gql(`{ auditLog(entityType: "segment") { totalCount edges { node { id } } } }`);
    expect(none.data.auditLog).toEqual({ totalCount: 0, edges: [] });
    const orphanKey = await api.gql(`{ auditLog(entityKey: "x") { totalCount } }`);
    expect(orphanKey.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("refuses bad key input with BAD_USER_INPUT and unknown ids with NOT_FOUND", async () => {
    const blank = await api.gql(CREATE, { input: { name: "  ", role: "VIEWER" } });
    expect(blank.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "name" });
    const badRole = await api.gql(CREATE, { input: { name: "x", role: "ROOT" } });
    expect(badRole.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const missing = await api.gql(`mutation { revokeApiKey(id: "no-such-key") { id } }`);
    expect(missing.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });

  it("treats missing, malformed and unknown credentials as unauthenticated", async () => {
    for (const [authorization, reason] of [
      [undefined, "missing"],
      ["Bearer", "missing"],
      ["Basic abc", "missing"],
      ["Bearer strat_unknown", "invalid"],
      [`Bearer ${TEST_ADMIN_KEY}x`, "invalid"],
    ] as const) {
      const response = await fetch(api.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query: "{ users { totalCount } }" }),
      });
      expect(response.status).toBe(401);
      const [error] = ((await response.json()) as any).errors;
      expect(error.extensions, authorization).toMatchObject({ code: "UNAUTHENTICATED", reason });
      expect(error.message).toBe(
        reason === "missing"
          ? "An API key is required: send Authorization: Bearer <key>"
          : "The API key is not valid",
      );
    }
  });

  it("guards HTTP routes outside GraphQL with the same keys and codes", async () => {
    const app = express();
    app.get("/export", requirePermission(api.services, Permission.ADMIN), (_req, res) => {
      res.json({ actor: res.locals.principal.name });
    });
    const server = app.listen(0);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/export`;
      const viewer = (await api.services.apiKeys.create({ name: "csv", role: "VIEWER" }, SYSTEM_PRINCIPAL))
        .key;
      const none = await fetch(url);
      expect([none.status, ((await none.json()) as any).errors[0].extensions.code]).toEqual([
        401,
        "UNAUTHENTICATED",
      ]);
      const denied = await fetch(url, { headers: { authorization: `Bearer ${viewer}` } });
      expect([denied.status, ((await denied.json()) as any).errors[0].extensions]).toEqual([
        403,
        { code: "FORBIDDEN", needs: ["admin"] },
      ]);
      const allowed = await fetch(url, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
      expect(await allowed.json()).toEqual({ actor: "admin (STRATUM_ADMIN_KEY)" });
    } finally {
      server.close();
    }
  });

  it("serves health checks without a key", async () => {
    const base = api.url.replace(/\/graphql$/, "");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it("accepts STRATUM_ADMIN_KEY as an administrator", async () => {
    const services = createServices(db(), loadConfig({ STRATUM_ADMIN_KEY: "configured-secret" }));
    expect(await resolveCredential(services, "configured-secret")).toMatchObject({
      principal: { role: "ADMIN" },
    });
    expect(await resolveCredential(services, "configured-secre")).toEqual({ refusal: "invalid" });
    expect(await resolveCredential(services, undefined)).toEqual({ refusal: "missing" });
  });

  it("creates a demo admin key once per data directory and reuses it after a restart", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "stratum-demo-"));
    try {
      // A restart: new services and configuration over the same database and directory.
      const start = () => createServices(db(), loadConfig({ STRATUM_DATA_DIR: dataDir }));
      const first = start();
      const key = await ensureDemoAdminKey(first);
      expect(first.config.adminKey).toBe(key);
      expect(await resolveCredential(first, key)).toMatchObject({
        principal: { name: "demo admin", role: "ADMIN" },
      });
      expect((await readFile(path.join(dataDir, "demo-admin.key"), "utf8")).trim()).toBe(key);

      const second = start();
      expect(await ensureDemoAdminKey(second)).toBe(key);
      const demoKeys = (await second.apiKeys.list()).filter((apiKey) => apiKey.name === "demo admin");
      expect(demoKeys).toHaveLength(1);
      // A revoked demo key is refused even though it is the configured admin key.
      await second.apiKeys.revoke(demoKeys[0].id, SYSTEM_PRINCIPAL);
      expect(await resolveCredential(second, key)).toEqual({ refusal: "revoked" });
      const replacement = await ensureDemoAdminKey(second);
      expect(replacement).not.toBe(key);
      expect(await resolveCredential(second, replacement)).toMatchObject({ principal: { role: "ADMIN" } });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
