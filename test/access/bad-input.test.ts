import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

const DEEP_TRACK = `mutation($v: JSON) { track(events: [{ messageId: "deep", event: "page_view",
  timestamp: "2026-03-01T00:00:00Z", anonymousId: "deep", properties: $v }]) { accepted } }`;

/** Bad input gets a coded error; it never becomes INTERNAL nor costs its valid neighbours. */
describeEachDatabase("bad input", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(db());
  });
  afterAll(() => api?.close());

  it("an impossible calendar date in a query is BAD_USER_INPUT naming the field", async () => {
    const answer = await api.gql(
      `{ metrics(timeRange: { from: "2026-02-30", to: "2026-03-02" }) { rows { gmv } } }`,
    );
    expect(answer.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "timeRange.from",
    });
    const csv = await fetch(
      `${api.url.replace("/graphql", "/export/metrics.csv")}?metrics=gmv&from=2026-01-01&to=2026-02-30`,
      {
        headers: { authorization: "Bearer test-admin-key-0123456789" },
      },
    );
    expect(csv.status).toBe(400);
  });

  it('a rule string escape "\\u0000" is RULE_INVALID, in text and in JSON rules; nothing is saved', async () => {
    const create = (rule: string) =>
      api.gql(
        `mutation($rule: String!) { createTag(input: { key: "nul", name: "NUL", category: BASIC, kind: RULE, rule: $rule }) { key } }`,
        {
          rule,
        },
      );
    const text = await create('trait.city = "a\\u0000b"');
    expect(text.errors?.[0].extensions?.code).toBe("RULE_INVALID");
    const json = await create(
      '{"type":"compare","op":"=","left":{"type":"trait","name":"city"},"right":{"type":"literal","value":"a\\u0000"}}',
    );
    expect(json.errors?.[0].extensions?.code).toBe("RULE_INVALID");
    const rows = await db().query<{ n: number }>(sql`select count(*)::int as n from tags where key = 'nul'`);
    expect(rows[0].n).toBe(0);
  });

  it("prototype names in rules are unknown names, not INTERNAL", async () => {
    for (const rule of [
      "count(orders.constructor) > 1",
      "trait.constructor = 1",
      "sum(orders.__proto__) > 1",
      "user.toString > 1",
    ]) {
      const answer = await api.gql(
        `query($rule: String!) { previewRule(rule: $rule) { valid errors { message } } }`,
        { rule },
      );
      expect(answer.errors, rule).toBeUndefined();
      expect(answer.data.previewRule.valid, rule).toBe(false);
    }
  });

  it("a lone surrogate in one tracked event rejects that event only", async () => {
    const events = [
      { messageId: "ok-1", anonymousId: "anon-s", event: "page_view", timestamp: "2026-03-01T08:00:00Z" },
      {
        messageId: "bad-1",
        anonymousId: "anon-s",
        event: "page_view",
        timestamp: "2026-03-01T08:00:01Z",
        properties: { q: "\uD800" },
      },
      { messageId: "ok-2", anonymousId: "anon-s", event: "page_view", timestamp: "2026-03-01T08:00:02Z" },
    ];
    const answer = await api.gql(
      `mutation($events: [EventInput!]!) { track(events: $events) { accepted rejected { index code } } }`,
      { events },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data.track).toEqual({ accepted: 2, rejected: [{ index: 1, code: "INVALID_JSON" }] });
  });

  it("a 20,000-deep variable is a coded 400, not a crash", async () => {
    const deep = `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`;
    const response = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer test-admin-key-0123456789" },
      body: `{"query":${JSON.stringify(DEEP_TRACK)},"variables":{"v":${deep}}}`,
    });
    const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(response.status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
  });

  it("errors carry no stack trace unless STRATUM_DEBUG_ERRORS=1", async () => {
    const answer = await api.gql(
      `{ metrics(timeRange: { from: "2026-02-30", to: "2026-03-02" }) { rows { gmv } } }`,
    );
    expect(answer.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(answer.errors?.[0].extensions).not.toHaveProperty("stacktrace");
    const debugging = await startTestApi(db(), { STRATUM_DEBUG_ERRORS: "1" });
    try {
      const debugged = await debugging.gql(
        `{ metrics(timeRange: { from: "2026-02-30", to: "2026-03-02" }) { rows { gmv } } }`,
      );
      expect(debugged.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      const stack = debugged.errors?.[0].extensions?.stacktrace as string[];
      expect(stack[0]).toContain("2026-02-30");
      expect(stack.some((line) => line.includes("src/"))).toBe(true);
    } finally {
      await debugging.close();
    }
  });

  it("an identify call with more than 50 identities is refused with a code, nothing written", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ type: "anonymous_id", value: `device-${i}` }));
    const answer = await api.gql(`mutation($input: IdentifyInput!) { identify(input: $input) { id } }`, {
      input: { userId: "many", identities: many },
    });
    expect(answer.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(answer.errors?.[0].message).toContain("at most 50");
    const rows = await db().query<{ n: number }>(
      sql`select count(*)::int as n from identities where value like 'device-%'`,
    );
    expect(rows[0].n).toBe(0);
  });
});

describeEachDatabase("bad input in export routes", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(db());
  });
  afterAll(() => api?.close());

  it("a NUL or a lone surrogate in a CSV route or parameter is BAD_USER_INPUT, never INTERNAL", async () => {
    const base = api.url.replace("/graphql", "");
    const get = (path: string) =>
      fetch(`${base}${path}`, { headers: { authorization: "Bearer test-admin-key-0123456789" } });
    for (const path of [
      "/export/segments/%00.csv",
      "/export/segments/a%00b.csv?bom=1",
      "/export/metrics.csv?metrics=gmv%00&from=2026-01-01&to=2026-01-08",
      "/export/metrics.csv?metrics=gmv&from=2026-01-01&to=2026-01-08&timezone=Asia%2FShanghai%00",
      "/export/segments/%ED%A0%80.csv",
    ]) {
      const response = await get(path);
      const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect([response.status, body.errors[0].extensions.code], path).toEqual([400, "BAD_USER_INPUT"]);
    }
  });
});
