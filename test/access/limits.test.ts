import "reflect-metadata";
import { sql } from "drizzle-orm";
import { GraphQLError, getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestionMutationNames } from "../../src/access/limits";
import { MAX_BATCH_SIZE } from "../../src/ingest/contract";
import { formatError } from "../../src/server/app";
import { buildStratumSchema } from "../../src/server/schema";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, TEST_ADMIN_KEY, type TestApi } from "../helpers/graphql";

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_ADMIN_KEY}`, ...headers },
    body,
  });

describe("error format without the debug setting", () => {
  it("turns an unexpected error into INTERNAL with a request id, hiding SQL and stack", () => {
    const cause = Object.assign(new Error('relation "api_keys" does not exist'), {
      query: "select id from api_keys where key_hash = $1",
    });
    const wrapped = new GraphQLError(cause.message, { originalError: cause, path: ["apiKeys"] });
    const formatted = formatError(false)(
      { message: cause.message, path: ["apiKeys"], extensions: { code: "X", stacktrace: ["at db"] } },
      wrapped,
    );
    expect(formatted.extensions).toEqual({ code: "INTERNAL", requestId: expect.any(String) });
    expect(formatted.message).toBe(`Internal error (request ${formatted.extensions?.requestId})`);
  });
});

describeEachDatabase("limits and error hygiene", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(db());
  });
  afterAll(() => api.close());

  it("limits complexity: nested wide pages are refused before running, a single page runs", async () => {
    const page = `users(first: 1000) { edges { node { identities { type } } } }`;
    // root 50 + 1000 × (edges 1 + node 1 + identities 1) = 3050 ≤ 5000
    const one = await api.gql(`{ ${page} }`);
    expect(one.errors).toBeUndefined();
    // two aliases: 2 × 3050 = 6100 > 5000
    const two = await api.gql(`{ a: ${page} b: ${page} }`);
    expect(two.status).toBe(400);
    expect(two.errors?.[0].extensions).toMatchObject({
      code: "LIMIT_EXCEEDED",
      limit: "complexity",
      actual: 6100,
    });
    // 101 aliased root fields: 101 × 50 = 5050 > 5000, however cheap each one is.
    const aliases = Array.from({ length: 101 }, (_, i) => `a${i}: users(first: 1) { totalCount }`).join(" ");
    const many = await api.gql(`{ ${aliases} }`);
    expect(many.errors?.[0].extensions).toMatchObject({ code: "LIMIT_EXCEEDED", actual: 5050 });
  });

  it("costs a request by its scalar arguments, however long its list variables, and still refuses bad items", async () => {
    const event = (i: number) => ({
      messageId: `limits-list-${i}`,
      event: "page_view",
      timestamp: "2026-05-01T00:00:00Z",
      anonymousId: "limits-list-device",
    });
    // 101 aliased root fields: 101 × 50 = 5050 > 5000, whatever the list holds (its second
    // item cannot coerce: the cost model reads only the first).
    const aliases = Array.from({ length: 101 }, (_, i) => `a${i}: track(events: $events) { accepted }`).join(
      " ",
    );
    const events = [event(1), { event: "page_view" }];
    const refused = await api.gql(`mutation($events: [EventInput!]!) { ${aliases} }`, { events });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: "LIMIT_EXCEEDED", actual: 5050 });
    // Within the limit, the same list is refused as a whole by execution, storing nothing.
    const bad = await api.gql(`mutation($events: [EventInput!]!) { track(events: $events) { accepted } }`, {
      events,
    });
    expect(bad.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const [{ n }] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from events where message_id like 'limits-list-%'`,
    );
    expect(n).toBe(0);
  });

  it("counts an analytical root field as ten root fields: nine aliased metrics run, ten are refused", async () => {
    const aliased = (n: number) =>
      Array.from(
        { length: n },
        (_, i) =>
          `m${i}: metrics(timeRange: { from: "2026-01-01", to: "2026-01-02" }, timezone: "UTC") { rows { orders } }`,
      ).join(" ");
    // Each costs 500 + 1 (rows): 9 × 501 = 4509 ≤ 5000, 10 × 501 = 5010.
    const nine = await api.gql(`{ ${aliased(9)} }`);
    expect(nine.errors).toBeUndefined();
    expect(nine.data.m8.rows).toEqual([{ orders: 0 }]);
    const ten = await api.gql(`{ ${aliased(10)} }`);
    expect(ten.errors?.[0].extensions).toMatchObject({
      code: "LIMIT_EXCEEDED",
      limit: "complexity",
      actual: 5010,
    });
  });

  it("refuses a huge `first` with LIMIT_EXCEEDED", async () => {
    for (const first of [1001, 1_000_000, 2_147_483_647]) {
      const response = await api.gql(`query($first: Int) { users(first: $first) { totalCount } }`, { first });
      expect(response.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
    }
  });

  it("refuses a fragment bomb quickly instead of expanding it", async () => {
    // Each fragment spreads the next twice: 2^40 fields once expanded.
    const fragments = Array.from(
      { length: 40 },
      (_, i) => `fragment F${i} on UserConnection { a${i}: totalCount ...F${i + 1} ...F${i + 1} }`,
    );
    fragments.push("fragment F40 on UserConnection { totalCount }");
    const started = Date.now();
    const response = await api.gql(`{ users { ...F0 } } ${fragments.join(" ")}`);
    expect(response.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses ranges with too many buckets before any SQL runs, naming the cap and the count", async () => {
    const started = Date.now();
    const statements: string[] = [];
    const stop = db().onStatement((statement) => statements.push(statement.sql));
    try {
      // 1000-01-01 … 2030-01-01 is 376,200 days: 9,028,800 hours.
      const hourly =
        await api.gql(`{ metrics(timeRange: { from: "1000-01-01", to: "2030-01-01" }, grain: HOUR,
        timezone: "UTC") { rows { time orders } } }`);
      expect(hourly.errors?.[0].extensions).toMatchObject({
        code: "LIMIT_EXCEEDED",
        limit: "buckets",
        max: 10_000,
        actual: 9_028_800,
      });
      expect(hourly.errors?.[0].message).toMatch(/9028800 HOUR buckets.*at most 10000.*STRATUM_MAX_BUCKETS/);
      // The CSV export runs the same service code: 3,652,059 days from 0001-01-01 to 9999-12-31 included.
      const csv = await fetch(
        `${api.url.replace("/graphql", "/export/metrics.csv")}?metrics=orders&grain=DAY&timezone=UTC&from=0001-01-01&to=9999-12-31T12:00:00`,
        { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } },
      );
      expect(csv.status).toBe(400);
      expect(((await csv.json()) as any).errors[0].extensions).toMatchObject({
        code: "LIMIT_EXCEEDED",
        actual: 3_652_059,
      });
      // 47,847 daily cohorts from 1970 to 2100, 11 periods each (the default): a triangle of
      // 11·12/2 + (47,847 − 11)·11 = 526,262 cells.
      const retention = await api.gql(`{ retention(input: { startEvent: "a", returnEvent: "b", period: DAY,
        timeRange: { from: "1970-01-01", to: "2101-01-01" }, timezone: "UTC" }) { cohorts { size } } }`);
      expect(retention.errors?.[0].extensions).toMatchObject({ code: "LIMIT_EXCEEDED", actual: 526_262 });
      const lifecycle = await api.gql(`{ lifecycle(input: { event: "a", grain: DAY,
        timeRange: { from: "1970-01-01", to: "2101-01-01" }, timezone: "UTC" }) { rows { new } } }`);
      expect(lifecycle.errors?.[0].extensions).toMatchObject({ code: "LIMIT_EXCEEDED", actual: 47_847 });
    } finally {
      stop();
    }
    // Only key lookups ran: no statement mentions a series.
    expect(statements.filter((text) => /generate_series/.test(text))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("takes the bucket cap from STRATUM_MAX_BUCKETS", async () => {
    const capped = await startTestApi(db(), { STRATUM_MAX_BUCKETS: "30" });
    try {
      const query = (to: string) =>
        capped.gql(`{ metrics(timeRange: { from: "2026-01-01", to: "${to}" }, grain: DAY, timezone: "UTC") {
          rows { time orders } } }`);
      const thirty = await query("2026-01-31");
      expect(thirty.errors).toBeUndefined();
      expect(thirty.data.metrics.rows).toHaveLength(30);
      const month = await query("2026-02-01");
      expect(month.errors?.[0].extensions).toMatchObject({ code: "LIMIT_EXCEEDED", max: 30, actual: 31 });
    } finally {
      await capped.close();
    }
  });

  it("lets the introspection query of IDEs through the depth limit", async () => {
    for (const query of [
      getIntrospectionQuery(),
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      }),
    ]) {
      const response = await api.gql(query);
      expect(response.errors).toBeUndefined();
      expect(response.data.__schema.queryType.name).toBe("Query");
    }
  });

  it("gives introspection a depth limit of its own", async () => {
    const ofType = (levels: number): string =>
      levels === 0 ? "name" : `name ofType { ${ofType(levels - 1)} }`;
    const response = await api.gql(`{ __schema { types { fields { type { ${ofType(20)} } } } } }`);
    expect(response.errors?.[0].extensions).toMatchObject({
      code: "LIMIT_EXCEEDED",
      limit: "introspection_depth",
      max: 16,
      actual: 25,
    });
    const typeQuery = await api.gql(`{ __type(name: "User") { fields { type { ${ofType(20)} } } } }`);
    expect(typeQuery.errors?.[0].extensions?.limit).toBe("introspection_depth");
  });

  it("refuses bodies over 1 MB with HTTP 413 LIMIT_EXCEEDED, and over 10 MB for everyone", async () => {
    const padding = "x".repeat(1.5 * 1024 * 1024);
    const big = await post(
      api.url,
      JSON.stringify({ query: "{ users { totalCount } }", variables: { padding } }),
    );
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({
      errors: [{ extensions: { code: "LIMIT_EXCEEDED", limit: "body" } }],
    });
    const mutation = await post(
      api.url,
      JSON.stringify({
        query: `mutation { createApiKey(input: { name: "${padding}", role: VIEWER }) { key } }`,
      }),
    );
    expect(mutation.status).toBe(413);
    const huge = await post(
      api.url,
      JSON.stringify({ query: "{ __typename }", padding: "x".repeat(10.5 * 1024 * 1024) }),
    );
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as any).errors[0].extensions.code).toBe("LIMIT_EXCEEDED");
    expect((await api.gql(`{ users { totalCount } }`)).status).toBe(200);
  });

  const ingestion = [...ingestionMutationNames()].sort();
  it("treats exactly the INGEST-permission mutations as ingestion", () => {
    const all = Object.keys(buildStratumSchema().getMutationType()?.getFields() ?? {});
    expect(ingestion.every((name) => all.includes(name))).toBe(true);
    expect(ingestion).not.toContain("createApiKey");
  });

  it("accepts a track batch of about 8 MB and stores every event", async () => {
    // 1,000 events × ~8 KB of properties ≈ 8 MB: over the 1 MB general limit, under 10 MB.
    const events = Array.from({ length: 1000 }, (_, i) => ({
      messageId: `big-${i}`,
      event: "page_view",
      timestamp: "2026-01-01T00:00:00Z",
      anonymousId: `big-anon-${i % 10}`,
      properties: { note: "x".repeat(8000) },
    }));
    const body = JSON.stringify({
      query: "mutation($events: [EventInput!]!) { track(events: $events) { accepted } }",
      variables: { events },
    });
    expect(body.length).toBeGreaterThan(8_000_000);
    const response = await post(api.url, body);
    const answer = (await response.json()) as any;
    expect(answer.errors).toBeUndefined();
    expect(answer.data.track.accepted).toBe(1000);
    const [{ stored }] = await db().query<{ stored: number }>(
      sql`select count(*)::int as stored from events where message_id like 'big-%'`,
    );
    expect(stored).toBe(1000);
  });

  it("refuses a batch over the batch size with LIMIT_EXCEEDED", async () => {
    const events = Array.from({ length: MAX_BATCH_SIZE + 1 }, (_, i) => ({
      messageId: `over-${i}`,
      event: "page_view",
      timestamp: "2026-01-01T00:00:00Z",
      anonymousId: "over",
    }));
    const response = await api.gql(
      "mutation($events: [EventInput!]!) { track(events: $events) { accepted } }",
      {
        events,
      },
    );
    expect(response.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
    const [{ stored }] = await db().query<{ stored: number }>(
      sql`select count(*)::int as stored from events where message_id like 'over-%'`,
    );
    expect(stored).toBe(0);
  });

  it("answers malformed bodies with coded 4xx JSON, never an HTML page or a stack", async () => {
    for (const [body, contentType] of [
      ["{not json", "application/json"],
      ["[1,2", "application/json"],
      ["", "application/json"],
      ['"just a string"', "application/json"],
      ["query=%7B__typename%7D", "application/x-www-form-urlencoded"],
      ["{}", "text/plain"],
    ]) {
      const response = await post(api.url, body, { "content-type": contentType });
      expect(response.status, body).toBeGreaterThanOrEqual(400);
      expect(response.status, body).toBeLessThan(500);
      const text = await response.text();
      expect(text).not.toMatch(/<html/i);
      const json = JSON.parse(text);
      expect(json.errors[0].extensions.code).toEqual(expect.any(String));
    }
  });

  it("hides SQL text from unexpected database errors behind INTERNAL with a request id", async () => {
    await db().query(sql`alter table api_keys rename to api_keys_hidden`);
    try {
      const response = await api.gql(`{ apiKeys { id } }`);
      expect(response.errors?.[0].extensions).toMatchObject({
        code: "INTERNAL",
        requestId: expect.any(String),
      });
      expect(JSON.stringify(response)).not.toMatch(/api_keys|select|relation/i);
    } finally {
      await db().query(sql`alter table api_keys_hidden rename to api_keys`);
    }
  });

  it("puts no stack traces into production errors", async () => {
    const production = await startTestApi(db(), { NODE_ENV: "production" });
    try {
      const forbidden = await production.gql(`{ apiKeys { id } }`, {}, null);
      expect(forbidden.errors?.[0].extensions).toEqual({ code: "UNAUTHENTICATED", reason: "missing" });
      const invalid = await production.gql(`{ nope }`);
      expect(invalid.errors?.[0].extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED" });
      for (const [body, contentType] of [
        ["{not json", "application/json"],
        ["{}", "text/plain"],
        ["{}", "application/json"],
      ]) {
        const response = await post(production.url, body, { "content-type": contentType });
        expect(await response.text()).not.toMatch(/stacktrace|node_modules|at \w+ \(/);
      }
    } finally {
      await production.close();
    }
  });

  it("allows only configured CORS origins", async () => {
    const withCors = await startTestApi(db(), {
      STRATUM_CORS_ORIGINS: "https://app.example,https://bi.example",
    });
    try {
      const preflight = (origin: string) =>
        fetch(withCors.url, {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization",
          },
        });
      expect((await preflight("https://app.example")).headers.get("access-control-allow-origin")).toBe(
        "https://app.example",
      );
      expect((await preflight("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
      // Without configuration no origin is allowed.
      const unconfigured = await fetch(api.url, {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST" },
      });
      expect(unconfigured.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await withCors.close();
    }
  });

  it("limits depth to the configured maximum, fragments included", async () => {
    const shallow = await startTestApi(db(), { STRATUM_MAX_DEPTH: "3" });
    try {
      const three = await shallow.gql(`{ users { pageInfo { hasNextPage } } }`);
      expect(three.errors).toBeUndefined();
      const four = await shallow.gql(`{ users { edges { node { id } } } }`);
      expect(four.status).toBe(400);
      expect(four.errors?.[0].extensions).toMatchObject({
        code: "LIMIT_EXCEEDED",
        limit: "depth",
        actual: 4,
      });
      const viaFragment = await shallow.gql(
        `query { users { ...E } } fragment E on UserConnection { edges { ... on UserEdge { node { id } } } }`,
      );
      expect(viaFragment.errors?.[0].extensions).toMatchObject({ code: "LIMIT_EXCEEDED", actual: 4 });
    } finally {
      await shallow.close();
    }
  });
});
