import "reflect-metadata";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Role } from "../../src/access/permissions";
import { buildStratumSchema } from "../../src/server/schema";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";
import { databaseFingerprint, keysForEveryRole, seedPiiProfile } from "./helpers";

const CODES = new Set([
  "BAD_USER_INPUT",
  "RULE_INVALID",
  "NOT_FOUND",
  "CONFLICT",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "LIMIT_EXCEEDED",
  "INTERNAL",
  "GRAPHQL_VALIDATION_FAILED",
  "GRAPHQL_PARSE_FAILED",
  "BAD_REQUEST",
]);
/**
 * Signatures of database errors (drizzle's "Failed query: …", PostgreSQL messages): only a
 * leak produces them, while SQL-looking user input echoed in a validation message does not.
 */
const SQL_LEAK =
  /Failed query|syntax error at|relation "|column "|SQLSTATE|violates .*constraint|invalid input syntax|out of range for type|PostgresError|pglite|key_hash =/i;
/\b(select|insert|update|delete)\s.+\b(from|into|set)\b|syntax error at|relation "|SQLSTATE|postgres|pglite/i;

/** Strings an attacker would try: SQL, JSON and GraphQL syntax, control and wide characters. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.constantFrom(
    "'; drop table users; --",
    "1 or 1=1",
    "\\",
    "\u0000",
    "a\u0000b",
    "$" + "{jndi:ldap://x}",
    "%s%s%n",
    '"}}{',
    "上海' union select key_hash from api_keys --",
    "𝓤𝓷𝓲𝓬𝓸𝓭𝓮\uD800",
    "9".repeat(400),
    "-1",
    "1e308",
  ),
);
/** Rule texts assembled from the language's own pieces, so many parse and reach the compiler. */
const ruleAtom = fc.constantFrom(
  'count(event("product_view") within 30d) >= 5',
  'exists(event("add_to_cart") within 7d)',
  "sum(orders.total within 365d) > 1000",
  "count(orders) >= 2",
  "user.first_seen within 7d",
  'trait.city in ("上海", "北京")',
  "trait.age between 18 and 30",
  'has_tag("vip")',
  'in_segment("high_value")',
  "days_since(last(orders.placed_at)) > 90",
  'avg(event("product_view").dwell_ms within 30d) < 15000',
  'rfm.segment in ("champions")',
  "count(orders within 99999999999d) > -1",
  'trait.name = "\'; drop table users; --"',
  'trait."x" = 1',
  "((((((((((count(orders) > 1))))))))))",
);
const ruleText = fc
  .array(fc.tuple(ruleAtom, fc.constantFrom(" and ", " or ", " and not ", " ", "\n", " or (")), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) =>
    parts
      .map(([atom, joint]) => atom + joint)
      .join("")
      .replace(/( and | or | and not | or \()$/, ""),
  );

const schema = buildStratumSchema();
/** Dimension fields of MetricFilterInput (everything but the combinators and memberships). */
const filterDimensions = () =>
  Object.keys((schema.getType("MetricFilterInput") as any).getFields()).filter(
    (name) => !["and", "or", "not", "hasTag", "inSegment", "tagValue"].includes(name),
  );

const anyVariable = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileString, fc.integer(), fc.double());

describeEachDatabase("fuzzing", (db) => {
  let api: TestApi;
  let keys: Record<Role, string>;
  let before: Record<string, string>;
  beforeAll(async () => {
    await seedPiiProfile(db());
    api = await startTestApi(db());
    keys = await keysForEveryRole(api.services);
    before = await databaseFingerprint(db());
  });
  afterAll(async () => {
    // Nothing the fuzzers sent changed a row: counts and checksums of every table match.
    expect(await databaseFingerprint(db())).toEqual(before);
    await api.close();
  });

  async function expectCodedOrCorrect(response: Response): Promise<any> {
    const body = JSON.parse(await response.text());
    // Successful answers may carry compiled SQL on purpose (`sql` fields); errors never.
    expect(JSON.stringify(body.errors ?? [])).not.toMatch(SQL_LEAK);
    if (response.status >= 500) expect(body.errors?.[0]?.extensions?.code).toBe("INTERNAL");
    for (const error of body.errors ?? []) expect(CODES).toContain(error.extensions?.code);
    // INTERNAL means a bug, not bad input: the fuzzers must never find one.
    expect((body.errors ?? []).map((error: any) => error.extensions.code)).not.toContain("INTERNAL");
    return body;
  }

  const send = (body: string, key: string | null, contentType = "application/json") =>
    fetch(api.url, {
      method: "POST",
      headers: { "content-type": contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body,
    });

  it("answers arbitrary variables with a coded error or a correct result", async () => {
    const query = `query($first: Int, $after: String, $type: String!, $value: String!, $id: ID!, $entity: String) {
      users(first: $first, after: $after) { totalCount edges { node { id traits identities { type value } } } }
      user(id: $id) { id }
      userByIdentity(type: $type, value: $value) { id }
      auditLog(first: $first, after: $after, entityType: $entity, entityKey: $value) { totalCount } }`;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            first: anyVariable,
            after: anyVariable,
            type: anyVariable,
            value: anyVariable,
            id: anyVariable,
            entity: anyVariable,
          },
          { requiredKeys: [] },
        ),
        async (variables) => {
          const body = await expectCodedOrCorrect(
            await send(JSON.stringify({ query, variables }), keys.ADMIN),
          );
          if (!body.errors) expect(body.data.users.totalCount).toBe(1);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("answers hostile literals inside documents without running or leaking SQL", async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, hostileString, async (type, value) => {
        const query = `{ userByIdentity(type: ${JSON.stringify(type)}, value: ${JSON.stringify(value)}) { id traits } }`;
        const body = await expectCodedOrCorrect(await send(JSON.stringify({ query }), keys.VIEWER));
        if (!body.errors) expect(body.data.userByIdentity).toBeNull();
      }),
      { numRuns: 40 },
    );
  });

  it("refuses mutations with hostile input from every role without changing data", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Role | null>("EDITOR", "ANALYST", "INGEST", "VIEWER", null),
        hostileString,
        anyVariable,
        async (role, name, input) => {
          const query = `mutation($input: CreateApiKeyInput!, $id: ID!) {
            createApiKey(input: $input) { key } revokeApiKey(id: $id) { id } }`;
          const body = await expectCodedOrCorrect(
            await send(
              JSON.stringify({ query, variables: { input: input ?? { name, role: "ADMIN" }, id: name } }),
              role && keys[role],
            ),
          );
          expect(body.errors?.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("previews random and hostile rule texts with a coded error or a count", async () => {
    const query = `query($rule: String!) { previewRule(rule: $rule) { valid matchingUsers errors { message line column } } }`;
    await fc.assert(
      fc.asyncProperty(fc.oneof(ruleText, hostileString), async (rule) => {
        const body = await expectCodedOrCorrect(
          await send(JSON.stringify({ query, variables: { rule } }), keys.ANALYST),
        );
        if (body.errors) return;
        const preview = body.data.previewRule;
        if (preview.valid) expect(preview.matchingUsers).toBeGreaterThanOrEqual(0);
        if (preview.valid) expect(preview.matchingUsers).toBeLessThanOrEqual(1);
        else expect(preview.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 40 },
    );
  });

  it("answers random metric filters with a coded error or rows", async () => {
    const dimensions = filterDimensions();
    const condition = fc.record(
      {
        eq: hostileString,
        in: fc.array(hostileString, { maxLength: 3 }),
        notIn: fc.array(hostileString, { maxLength: 3 }),
        gt: hostileString,
        lte: hostileString,
        contains: hostileString,
        isNull: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    const filter = fc.letrec<{ filter: Record<string, unknown> }>((tie) => ({
      filter: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom(...dimensions).chain((dimension) => fc.record({ [dimension]: condition })),
        fc.record({ hasTag: fc.record({ key: hostileString, member: fc.boolean() }) }),
        fc.record({ inSegment: fc.record({ key: hostileString }) }),
        fc.record({ and: fc.array(tie("filter"), { maxLength: 3 }) }),
        fc.record({ or: fc.array(tie("filter"), { maxLength: 3 }) }),
        fc.record({ not: tie("filter") }),
      ),
    })).filter;
    const query = `query($where: MetricFilterInput, $from: String!, $to: String!, $tz: String) {
      metrics(timeRange: { from: $from, to: $to }, grain: DAY, where: $where, timezone: $tz) { rows { time orders gmv } } }`;
    await fc.assert(
      fc.asyncProperty(
        filter,
        fc.oneof(fc.constant("2026-01-01"), hostileString),
        fc.oneof(fc.constant("Asia/Shanghai"), hostileString),
        async (where, from, tz) => {
          const body = await expectCodedOrCorrect(
            await send(
              JSON.stringify({ query, variables: { where, from, to: "2026-01-08", tz } }),
              keys.VIEWER,
            ),
          );
          if (!body.errors) expect(Array.isArray(body.data.metrics.rows)).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("answers malformed and odd bodies with coded 4xx errors", async () => {
    const bodyArbitrary = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      fc
        .record(
          { query: hostileString, variables: anyVariable, operationName: anyVariable },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
      fc.constantFrom(
        "{",
        "[]",
        "null",
        '{"query": null}',
        '{"query": 1}',
        '{"query": "{ users { totalCount } }", "variables": "x"}',
        "\u0000",
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        bodyArbitrary,
        fc.constantFrom(
          "application/json",
          "application/json; charset=utf-8",
          "application/graphql-response+json",
          "text/plain",
        ),
        async (body, contentType) => {
          const response = await send(body, keys.ADMIN, contentType);
          await expectCodedOrCorrect(response);
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 50 },
    );
  });
});
