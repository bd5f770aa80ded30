import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { StratumError } from "../../src/errors";
import { validateExperimentFields } from "../../src/experiments/definitions";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

const FIELDS = `key name hypothesis variants { key weight } control primaryMetric metrics segment start end seed
  minimumDetectableEffect status version history { version name status author }`;

/** How the configured admin key signs history and the audit log. */
const ADMIN = "admin (STRATUM_ADMIN_KEY)";

const twoArms = [
  { key: "control", weight: 0.5 },
  { key: "treatment", weight: 0.5 },
];

/** The BAD_USER_INPUT argument a validation refuses with (and its message), or "accepted". */
function refusal(input: Record<string, unknown>): { argument: unknown; message: string } | "accepted" {
  try {
    validateExperimentFields("exp", { variants: twoArms, primaryMetric: "orders", ...input } as never);
    return "accepted";
  } catch (error) {
    if (!(error instanceof StratumError) || error.code !== "BAD_USER_INPUT") throw error;
    return { argument: error.details.argument, message: error.message };
  }
}

describe("experiment validation (pure)", () => {
  it("accepts two arms summing to 1 and defaults the seed to the key, metrics to none", () => {
    expect(validateExperimentFields("checkout-copy", { variants: twoArms, primaryMetric: "gmv" })).toEqual({
      hypothesis: "",
      variants: twoArms,
      primaryMetric: "gmv",
      metrics: [],
      segment: null,
      start: null,
      end: null,
      seed: "checkout-copy",
      minimumDetectableEffect: null,
    });
  });

  it("accepts weights that miss 1 only by float rounding (0.6 + 0.3 + 0.1 = 0.9999999999999999)", () => {
    const variants = [
      { key: "a", weight: 0.6 },
      { key: "b", weight: 0.3 },
      { key: "c", weight: 0.1 },
    ];
    expect(refusal({ variants })).toBe("accepted");
  });

  it("names the offending field for every refusal", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ variants: [{ key: "only", weight: 1 }] }, "variants"],
      [{ variants: [] }, "variants"],
      [
        {
          variants: [
            { key: "a", weight: 0.5 },
            { key: "a", weight: 0.5 },
          ],
        },
        "variants",
      ],
      [
        {
          variants: [
            { key: "a", weight: 0 },
            { key: "b", weight: 1 },
          ],
        },
        "variants",
      ],
      [
        {
          variants: [
            { key: "a", weight: -0.5 },
            { key: "b", weight: 1.5 },
          ],
        },
        "variants",
      ],
      [
        {
          variants: [
            { key: "a", weight: 0.5 },
            { key: "b", weight: 0.4 },
          ],
        },
        "variants",
      ],
      [
        {
          variants: [
            { key: "a", weight: 0.5 },
            { key: "b", weight: 0.5 + 1e-6 },
          ],
        },
        "variants",
      ],
      [
        {
          variants: [
            { key: "a b", weight: 0.5 },
            { key: "b", weight: 0.5 },
          ],
        },
        "variants",
      ],
      [{ primaryMetric: "revenue" }, "primaryMetric"],
      [{ metrics: ["orders", "buyerz"] }, "metrics"],
      [{ metrics: ["orders", "orders"] }, "metrics"],
      [{ start: new Date("2026-02-01T00:00:00Z"), end: new Date("2026-02-01T00:00:00Z") }, "end"],
      [{ start: new Date("2026-02-02T00:00:00Z"), end: new Date("2026-02-01T00:00:00Z") }, "end"],
      [{ seed: "" }, "seed"],
      [{ minimumDetectableEffect: 0 }, "minimumDetectableEffect"],
      [{ hypothesis: "x".repeat(2001) }, "hypothesis"],
    ];
    for (const [input, argument] of cases)
      expect({ input, argument: (refusal(input) as { argument: unknown }).argument }).toEqual({
        input,
        argument,
      });
  });

  it("suggests the closest metric key", () => {
    expect(refusal({ primaryMetric: "gmw" })).toMatchObject({
      argument: "primaryMetric",
      message: expect.stringContaining('Did you mean "gmv"?'),
    });
  });
});

describeEachDatabase("experiments API", (db) => {
  let api: TestApi;
  let viewerKey: string;
  const gqlOk = async (query: string, variables?: Record<string, unknown>) => {
    const response = await api.gql(query, variables);
    expect(response.errors).toBeUndefined();
    return response.data;
  };
  const createMutation = `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { ${FIELDS} } }`;

  beforeAll(async () => {
    await db().query(sql`insert into users (id, traits) overriding system value
      select g, '{"city":"Hangzhou"}'::jsonb from generate_series(1, 3) g`);
    api = await startTestApi(db());
    viewerKey = (await api.services.apiKeys.create({ name: "viewer", role: "VIEWER" }, SYSTEM_PRINCIPAL)).key;
    await gqlOk(
      `mutation { createSegment(input: { key: "hangzhou", name: "Hangzhou", rule: "trait.city = \\"Hangzhou\\"" }) { key } }`,
    );
  });
  afterAll(() => api.close());

  it("creates an experiment at version 1 with its first version and an audit entry", async () => {
    const data = await gqlOk(createMutation, {
      input: {
        key: "free-shipping",
        name: "Free shipping banner",
        hypothesis: "A banner lifts orders",
        variants: [
          { key: "off", weight: 0.25 },
          { key: "on", weight: 0.75 },
        ],
        primaryMetric: "orders",
        metrics: ["gmv", "aov"],
        segment: "hangzhou",
        start: "2026-03-01T00:00:00.000Z",
        end: "2026-03-15T00:00:00.000Z",
        minimumDetectableEffect: 0.02,
      },
    });
    expect(data.createExperiment).toEqual({
      key: "free-shipping",
      name: "Free shipping banner",
      hypothesis: "A banner lifts orders",
      variants: [
        { key: "off", weight: 0.25 },
        { key: "on", weight: 0.75 },
      ],
      control: "off",
      primaryMetric: "orders",
      metrics: ["gmv", "aov"],
      segment: "hangzhou",
      start: "2026-03-01T00:00:00.000Z",
      end: "2026-03-15T00:00:00.000Z",
      seed: "free-shipping",
      minimumDetectableEffect: 0.02,
      status: "ACTIVE",
      version: 1,
      history: [{ version: 1, name: "Free shipping banner", status: "ACTIVE", author: ADMIN }],
    });
    const audit = await db().query<{ actor: string; before: unknown; after: Record<string, unknown> }>(
      sql`select actor, before, after from audit_log where entity_type = 'experiment' and entity_key = 'free-shipping' and action = 'create'`,
    );
    expect(audit).toEqual([
      {
        actor: ADMIN,
        before: null,
        after: {
          key: "free-shipping",
          name: "Free shipping banner",
          description: "",
          hypothesis: "A banner lifts orders",
          variants: [
            { key: "off", weight: 0.25 },
            { key: "on", weight: 0.75 },
          ],
          primaryMetric: "orders",
          metrics: ["gmv", "aov"],
          segment: "hangzhou",
          start: "2026-03-01T00:00:00.000Z",
          end: "2026-03-15T00:00:00.000Z",
          seed: "free-shipping",
          minimumDetectableEffect: 0.02,
          status: "ACTIVE",
          version: 1,
        },
      },
    ]);
    const again = await api.gql(createMutation, {
      input: { key: "free-shipping", name: "again", variants: twoArms, primaryMetric: "orders" },
    });
    expect(again.errors?.[0].extensions?.code).toBe("CONFLICT");
  });

  it("updates at the expected version, keeps what the input leaves out, and refuses a stale version", async () => {
    const update = `mutation($v: Int!, $input: UpdateExperimentInput!) {
      updateExperiment(key: "free-shipping", expectedVersion: $v, input: $input) { ${FIELDS} } }`;
    const data = await gqlOk(update, {
      v: 1,
      input: {
        variants: [
          { key: "off", weight: 0.5 },
          { key: "on", weight: 0.3 },
          { key: "big", weight: 0.2 },
        ],
      },
    });
    expect(data.updateExperiment).toMatchObject({
      version: 2,
      variants: [
        { key: "off", weight: 0.5 },
        { key: "on", weight: 0.3 },
        { key: "big", weight: 0.2 },
      ],
      metrics: ["gmv", "aov"],
      segment: "hangzhou",
      seed: "free-shipping",
      start: "2026-03-01T00:00:00.000Z",
      history: [
        { version: 2, name: "Free shipping banner", status: "ACTIVE", author: ADMIN },
        { version: 1, name: "Free shipping banner", status: "ACTIVE", author: ADMIN },
      ],
    });
    const stale = await api.gql(update, { v: 1, input: { name: "late" } });
    expect(stale.errors?.[0].extensions).toMatchObject({ code: "CONFLICT", currentVersion: 2 });
    // The merged definition is checked as a whole: an end before the kept start is refused.
    const backwards = await api.gql(update, { v: 2, input: { end: "2026-02-01T00:00:00.000Z" } });
    expect(backwards.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "end" });
    const audit = await db().query<{
      before: { version: number; variants: unknown[] };
      after: { version: number; variants: unknown[] };
    }>(sql`select before, after from audit_log where entity_key = 'free-shipping' and action = 'update'`);
    expect(
      audit.map((row) => [
        row.before.version,
        row.before.variants.length,
        row.after.version,
        row.after.variants.length,
      ]),
    ).toEqual([[1, 2, 2, 3]]);
    const versions = await db().query<{ version: number; variants: unknown[] }>(
      sql`select version, variants from experiment_versions where experiment_key = 'free-shipping' order by version`,
    );
    expect(versions.map((row) => [row.version, row.variants.length])).toEqual([
      [1, 2],
      [2, 3],
    ]);
  });

  it("refuses an unknown segment and metric as BAD_USER_INPUT naming the field", async () => {
    const segment = await api.gql(createMutation, {
      input: { key: "e2", name: "e2", variants: twoArms, primaryMetric: "orders", segment: "hangzou" },
    });
    expect(segment.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "segment" });
    expect(segment.errors?.[0].message).toContain('Did you mean "hangzhou"?');
    const metric = await api.gql(createMutation, {
      input: { key: "e2", name: "e2", variants: twoArms, primaryMetric: "orders", metrics: ["net_revenu"] },
    });
    expect(metric.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "metrics" });
    expect(metric.errors?.[0].message).toContain('Did you mean "net_revenue" or "item_revenue"?');
    const weights = await api.gql(createMutation, {
      input: {
        key: "e2",
        name: "e2",
        variants: [
          { key: "a", weight: 0.6 },
          { key: "b", weight: 0.6 },
        ],
        primaryMetric: "orders",
      },
    });
    expect(weights.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "variants" });
    const stored = await db().query(sql`select key from experiments where key = 'e2'`);
    expect(stored).toEqual([]);
  });

  it("lets viewers read and refuses their writes; archives once, audited, and lists by status", async () => {
    const read = await api.gql(`{ experiment(key: "free-shipping") { key control } }`, {}, viewerKey);
    expect(read.data).toEqual({ experiment: { key: "free-shipping", control: "off" } });
    const write = await api.gql(
      `mutation { archiveExperiment(key: "free-shipping") { key } }`,
      {},
      viewerKey,
    );
    expect(write.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const archived = await gqlOk(`mutation { archiveExperiment(key: "free-shipping") { status version } }`);
    expect(archived.archiveExperiment).toEqual({ status: "ARCHIVED", version: 3 });
    const twice = await gqlOk(`mutation { archiveExperiment(key: "free-shipping") { status version } }`);
    expect(twice.archiveExperiment).toEqual({ status: "ARCHIVED", version: 3 });
    const lists = await gqlOk(
      `{ active: experiments(status: ACTIVE) { key } archived: experiments(status: ARCHIVED) { key } }`,
    );
    expect(lists).toEqual({ active: [], archived: [{ key: "free-shipping" }] });
    const update = await api.gql(
      `mutation { updateExperiment(key: "free-shipping", expectedVersion: 3, input: { name: "x" }) { key } }`,
    );
    expect(update.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "key" });
    const actions = await db().query<{ action: string }>(
      sql`select action from audit_log where entity_type = 'experiment' and entity_key = 'free-shipping' order by id`,
    );
    expect(actions.map((row) => row.action)).toEqual(["create", "update", "archive"]);
    const missing = await api.gql(`mutation { archiveExperiment(key: "nope") { key } }`);
    expect(missing.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });
});
