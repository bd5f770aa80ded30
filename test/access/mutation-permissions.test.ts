import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

/** A mutation whose answer asks for a field the key may not read writes nothing. */
describeEachDatabase("mutation permissions", (db) => {
  let api: TestApi;
  let ingestKey: string;
  beforeAll(async () => {
    api = await startTestApi(db());
    ingestKey = (await api.services.apiKeys.create({ name: "collector", role: "INGEST" }, SYSTEM_PRINCIPAL))
      .key;
  });
  afterAll(() => api.close());

  const profilesOf = async (userId: string) => {
    const [{ count }] = await db().query<{ count: number }>(
      sql`select count(*)::int as count from identities where value = ${userId}`,
    );
    return count;
  };

  it("refuses identify { tags } from an ingest key before the profile is written", async () => {
    const denied = await api.gql(
      `mutation { identify(input: { userId: "refused-1", traits: { plan: "gold" } }) { id tags { key } } }`,
      {},
      ingestKey,
    );
    expect(denied.data?.identify ?? null).toBeNull();
    expect(denied.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN", needs: ["read"] } });
    expect(await profilesOf("refused-1")).toBe(0);
  });

  it("looks inside fragments too", async () => {
    const denied = await api.gql(
      `mutation { identify(input: { userId: "refused-2" }) { ...labels } }
       fragment labels on User { id segments { key } }`,
      {},
      ingestKey,
    );
    expect(denied.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(await profilesOf("refused-2")).toBe(0);
  });

  it("still runs the mutation when every selected field is allowed", async () => {
    const allowed = await api.gql(
      `mutation { identify(input: { userId: "allowed-1" }) { id } }`,
      {},
      ingestKey,
    );
    expect(allowed.errors).toBeUndefined();
    expect(await profilesOf("allowed-1")).toBe(1);
  });

  it("refuses a mutation without a key before it runs", async () => {
    const denied = await api.gql(`mutation { identify(input: { userId: "anonymous-1" }) { id } }`, {}, null);
    expect(denied.errors?.[0].extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "missing" });
    expect(await profilesOf("anonymous-1")).toBe(0);
  });
});
