import "reflect-metadata";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

describeEachDatabase("audit log of definition changes", (db) => {
  let api: TestApi;
  let editor: string;
  beforeAll(async () => {
    api = await startTestApi(db());
    editor = (await api.services.apiKeys.create({ name: "editor bob", role: "EDITOR" }, SYSTEM_PRINCIPAL))
      .key;
  });
  afterAll(() => api.close());

  const history = async (entityType: string, entityKey: string) => {
    const response = await api.gql(
      `query($type: String, $key: String) { auditLog(entityType: $type, entityKey: $key) {
        totalCount edges { node { actor action before after requestId at } } } }`,
      { type: entityType, key: entityKey },
    );
    expect(response.errors).toBeUndefined();
    return response.data.auditLog.edges.map((edge: any) => edge.node).reverse();
  };

  it("records who changed a tag and a segment, what, before, after and when", async () => {
    const started = Date.now();
    const steps = [
      [
        `mutation { createTag(input: { key: "audited", name: "Audited", category: BEHAVIOR, kind: RULE,
          rule: "count(orders) >= 2" }) { key } }`,
      ],
      [
        `mutation { updateTag(key: "audited", input: { name: "Audited twice" }, expectedVersion: 1) { key } }`,
      ],
      [`mutation { archiveTag(key: "audited") { key } }`],
      [
        `mutation { createSegment(input: { key: "audited_s", name: "S", rule: "count(orders) >= 1" }) { key } }`,
      ],
      [`mutation { updateSegment(key: "audited_s", input: { name: "S2" }, expectedVersion: 1) { key } }`],
    ];
    for (const [mutation] of steps) {
      const response = await api.gql(mutation, {}, editor);
      expect(response.errors, mutation).toBeUndefined();
    }
    const tag = await history("tag", "audited");
    expect(tag.map((entry: any) => [entry.actor, entry.action])).toEqual([
      ["editor bob", "create"],
      ["editor bob", "update"],
      ["editor bob", "archive"],
    ]);
    expect(tag[0].before).toBeNull();
    expect(tag[0].after).toMatchObject({ name: "Audited" });
    expect(tag[1].before).toMatchObject({ name: "Audited" });
    expect(tag[1].after).toMatchObject({ name: "Audited twice" });
    for (const entry of tag) {
      expect(entry.requestId).toEqual(expect.any(String));
      expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(started - 5000);
    }
    const segment = await history("segment", "audited_s");
    expect(segment.map((entry: any) => [entry.actor, entry.action])).toEqual([
      ["editor bob", "create"],
      ["editor bob", "update"],
    ]);
    expect(segment[1]).toMatchObject({ before: { name: "S" }, after: { name: "S2" } });
  });

  it("lets only administrators read the audit log", async () => {
    const response = await api.gql(`{ auditLog { totalCount } }`, {}, editor);
    expect(response.status).toBe(403);
    expect(response.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });
});
