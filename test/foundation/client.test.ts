import { print } from "graphql";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MetricCatalogDocument, UsersPageDocument } from "../../src/client/generated";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

/** The generated client's documents are valid against the live server and typed by it. */
describeEachDatabase("generated typed client", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(db());
  });
  afterAll(() => api.close());

  it("runs its documents against the server", async () => {
    const users = await api.gql(print(UsersPageDocument), { first: 5 });
    expect(users.errors).toBeUndefined();
    expect(users.data.users.totalCount).toBe(0);
    const catalog = await api.gql(print(MetricCatalogDocument));
    expect(catalog.errors).toBeUndefined();
    // docs/metrics.md lists 17 metrics in the v1 catalog; gmv is one of them.
    expect(catalog.data.metricCatalog.map((m: { key: string }) => m.key)).toContain("gmv");
    expect(catalog.data.metricCatalog.length).toBeGreaterThanOrEqual(17);
  });
});
