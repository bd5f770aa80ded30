import "reflect-metadata";
import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, TEST_ADMIN_KEY, type TestApi } from "../helpers/graphql";

describeEachDatabase("GraphQL over HTTP audit", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(db());
  });
  afterAll(() => api.close());

  it("passes every serverAudits requirement (no audit with status error)", async () => {
    // The audits call with a key, as every real client must.
    const fetchWithKey: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${TEST_ADMIN_KEY}`);
      return fetch(input, { ...init, headers });
    };
    const results = await Promise.all(
      serverAudits({ url: api.url, fetchFn: fetchWithKey }).map((audit) => audit.fn()),
    );
    const errors = results.filter((result) => result.status === "error").map((result) => `${result.name}`);
    expect(errors).toEqual([]);
    expect(results.length).toBeGreaterThan(20);
  });
});
