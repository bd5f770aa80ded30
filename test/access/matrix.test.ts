import "reflect-metadata";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Role } from "../../src/access/permissions";
import { buildStratumSchema } from "../../src/server/schema";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";
import { keysForEveryRole, operationFor, ROLES } from "./helpers";

type Need = "read" | "read_pii" | "ingest" | "edit" | "admin" | "assign";

/** The roles, written out independently of `src/access/permissions.ts`. */
const ROLE_CAN: Record<Role, Need[]> = {
  ADMIN: ["read", "read_pii", "ingest", "edit", "admin", "assign"],
  EDITOR: ["read", "read_pii", "edit", "assign"],
  ANALYST: ["read", "assign"],
  INGEST: ["ingest", "read_pii", "assign"],
  VIEWER: ["read", "assign"],
};

/**
 * What every root operation needs, by hand. A new Query or Mutation field fails the
 * completeness test below until it is added here: access is decided per operation, on purpose.
 */
const EXPECTED: Record<string, Need> = {
  // profiles
  "Query.users": "read",
  "Query.user": "read",
  "Query.userByIdentity": "read",
  // the right to erasure: administrators only
  "Mutation.deleteUser": "admin",
  // keys and audit: administrators only
  "Query.apiKeys": "admin",
  "Query.auditLog": "admin",
  "Mutation.createApiKey": "admin",
  "Mutation.revokeApiKey": "admin",
  // metrics and analyses: every reading role
  "Query.metrics": "read",
  "Query.metricCatalog": "read",
  "Query.dimensionCatalog": "read",
  "Query.funnel": "read",
  "Query.retention": "read",
  "Query.paths": "read",
  "Query.lifecycle": "read",
  "Query.rfm": "read",
  "Query.repurchaseCycle": "read",
  "Query.sendTimeDistribution": "read",
  "Query.evaluateSendTime": "read",
  "Query.associationRules": "read",
  // definitions: read by readers, changed by editors
  "Query.tags": "read",
  "Query.tag": "read",
  "Query.previewRule": "read",
  "Query.segments": "read",
  "Query.segment": "read",
  "Mutation.createTag": "edit",
  "Mutation.updateTag": "edit",
  "Mutation.archiveTag": "edit",
  "Mutation.assignTag": "edit",
  "Mutation.unassignTag": "edit",
  "Mutation.refreshTags": "edit",
  "Mutation.createSegment": "edit",
  "Mutation.createStaticSegment": "edit",
  "Mutation.snapshotSegment": "edit",
  "Mutation.updateSegment": "edit",
  "Mutation.archiveSegment": "edit",
  "Query.experiments": "read",
  "Query.experiment": "read",
  "Mutation.createExperiment": "edit",
  "Mutation.updateExperiment": "edit",
  "Mutation.archiveExperiment": "edit",
  "Query.campaigns": "read",
  "Query.campaign": "read",
  "Query.campaignResults": "read",
  "Mutation.createCampaign": "edit",
  "Mutation.updateCampaign": "edit",
  "Mutation.archiveCampaign": "edit",
  "Mutation.launchCampaign": "edit",
  // automation: destinations, triggers and the outbox read by readers, changed by editors
  "Query.destinations": "read",
  "Query.destination": "read",
  "Mutation.createDestination": "edit",
  "Mutation.updateDestination": "edit",
  "Mutation.archiveDestination": "edit",
  "Mutation.testDestination": "edit",
  "Query.triggers": "read",
  "Query.trigger": "read",
  "Mutation.createTrigger": "edit",
  "Mutation.updateTrigger": "edit",
  "Mutation.archiveTrigger": "edit",
  "Query.deliveries": "read",
  "Mutation.retryDelivery": "edit",
  // prediction: fitted by editors, read by readers
  "Mutation.fitPurchaseModel": "edit",
  "Query.purchaseModel": "read",
  "Mutation.refreshSegments": "edit",
  // recommendations: read by readers, refreshed by editors
  "Query.recommendations": "read",
  "Query.product": "read",
  "Query.evaluateRecommendations": "read",
  "Mutation.refreshRecommendations": "edit",
  // experiments: assignment for readers and front ends with an ingest key, results for readers
  "Query.experimentAssignment": "assign",
  "Query.experimentResults": "read",
  // ingestion: track / identify / orders / products only
  "Mutation.track": "ingest",
  "Mutation.identify": "ingest",
  "Mutation.recordOrders": "ingest",
  "Mutation.upsertProducts": "ingest",
};

function schemaOperations(): Array<{ name: string; document: string }> {
  const schema = buildStratumSchema();
  const operations: Array<{ name: string; document: string }> = [];
  for (const [kind, type] of [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {}))
      operations.push({ name: `${type!.name}.${field.name}`, document: operationFor(kind, field) });
  }
  return operations;
}

it("lists the expected permission of every Query and Mutation field, and nothing else", () => {
  const inSchema = schemaOperations()
    .map((operation) => operation.name)
    .sort();
  expect(inSchema).toEqual(Object.keys(EXPECTED).sort());
});

describeEachDatabase("role × operation matrix", (db) => {
  let api: TestApi;
  let keys: Record<Role, string>;
  beforeAll(async () => {
    api = await startTestApi(db());
    keys = await keysForEveryRole(api.services);
  });
  afterAll(() => api.close());

  it("allows exactly the roles with the operation's permission; no key is unauthenticated", async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const { name, document } of schemaOperations()) {
      const need = EXPECTED[name];
      for (const role of [...ROLES, null]) {
        const response = await api.gql(document, {}, role ? keys[role] : null);
        const codes = (response.errors ?? []).map((error) => error.extensions?.code);
        const outcome = codes.includes("UNAUTHENTICATED")
          ? `unauthenticated/${response.status}`
          : codes.includes("FORBIDDEN")
            ? `forbidden/${response.status}`
            : "allowed";
        outcomes.push(`${name} ${role ?? "no key"}: ${outcome}`);
        const allowed = role !== null && need !== undefined && ROLE_CAN[role].includes(need);
        expected.push(
          `${name} ${role ?? "no key"}: ${role === null ? "unauthenticated/401" : allowed ? "allowed" : "forbidden/403"}`,
        );
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it("guards every HTTP export route with the read permission", async () => {
    // The routes Express knows under /export: a new one must be listed here too.
    const routes = (api.server.app as any).router.stack
      .map((layer: any) => layer.route?.path)
      .filter((route: unknown): route is string => typeof route === "string" && route.startsWith("/export/"))
      .sort();
    expect(routes).toEqual(["/export/metrics.csv", "/export/segments/:key.csv"]);
    const base = api.url.replace(/\/graphql$/, "");
    const samples = [
      "/export/metrics.csv?metrics=orders&from=2026-01-01&to=2026-01-02",
      "/export/segments/none.csv",
    ];
    for (const sample of samples) {
      const statusFor = async (role: Role | null) =>
        (await fetch(base + sample, { headers: role ? { authorization: `Bearer ${keys[role]}` } : {} }))
          .status;
      expect(await statusFor(null), sample).toBe(401);
      for (const role of ROLES) {
        const status = await statusFor(role);
        if (ROLE_CAN[role].includes("read")) expect([401, 403], `${sample} ${role}`).not.toContain(status);
        else expect(status, `${sample} ${role}`).toBe(403);
      }
    }
  });
});
