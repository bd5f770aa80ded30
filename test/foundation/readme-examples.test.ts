import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { parse } from "graphql";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createDemoDefinitions, DEMO_SEGMENTS, DEMO_TAGS } from "../../src/generator/definitions";
import { seedDemo } from "../../src/generator/demo";
import { EXAMPLE_SHOPPER } from "../../src/generator/example-shopper";
import { DEFAULT_SHOP } from "../../src/generator/seed";
import { EXAMPLE_QUERIES } from "../../src/server/examples";
import { createServices } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

const README = readFileSync(join(__dirname, "../../README.md"), "utf8");
const README_QUERIES = [...README.matchAll(/```graphql\n([\s\S]*?)\n```/g)].map((match) => match[1]);

/** Numbers anywhere in a value that are neither 0 nor null. */
const nonZeroNumbers = (value: unknown): number[] =>
  typeof value === "number"
    ? value !== 0 && Number.isFinite(value)
      ? [value]
      : []
    : Array.isArray(value)
      ? value.flatMap(nonZeroNumbers)
      : value && typeof value === "object"
        ? Object.values(value).flatMap(nonZeroNumbers)
        : [];

/** Lengths of the lists anywhere in a value. */
const listLengths = (value: unknown): number[] =>
  Array.isArray(value)
    ? [value.length, ...value.flatMap(listLengths)]
    : value && typeof value === "object"
      ? Object.values(value).flatMap(listLengths)
      : [];

it("README's GraphQL examples are the IDE's tabs, one operation each", () => {
  expect(README_QUERIES.length).toBeGreaterThanOrEqual(5);
  expect(README_QUERIES).toEqual(EXAMPLE_QUERIES.map((example) => example.query));
  for (const query of README_QUERIES) expect(parse(query).definitions).toHaveLength(1);
});

/**
 * Every README example, run on the demo shop as `npm start` seeds it (today's 60 days),
 * answers without errors and with numbers: each top-level field has a non-zero number
 * and, if it has lists, a non-empty one.
 */
describeEachDatabase("README examples on the demo shop", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    await seedDemo(createServices(db(), loadConfig({})), DEFAULT_SHOP);
    api = await startTestApi(db());
  }, 300_000);
  afterAll(() => api?.close());

  it.each(EXAMPLE_QUERIES.map((example) => [example.name, example.query]))("%s", async (_name, query) => {
    const answer = await api.gql(query);
    expect(answer.errors).toBeUndefined();
    for (const [field, value] of Object.entries(answer.data ?? {})) {
      expect(value, field).not.toBeNull();
      expect(nonZeroNumbers(value).length, `${field} has a non-zero number`).toBeGreaterThan(0);
      const lists = listLengths(value);
      if (lists.length > 0) expect(Math.max(...lists), `${field} has a non-empty list`).toBeGreaterThan(0);
    }
  });

  it("finds the example shopper as one merged profile across both devices, a VIP with four orders", async () => {
    const answer = await api.gql(`{ userByIdentity(type: "phone", value: "${EXAMPLE_SHOPPER.phone}") {
      identities { type value } mergedFrom { userId } tags { key } orders(first: 10) { totalCount } } }`);
    expect(answer.errors).toBeUndefined();
    const user = answer.data.userByIdentity;
    const identities = user.identities
      .map((i: { type: string; value: string }) => `${i.type}:${i.value}`)
      .sort();
    expect(identities).toEqual(
      [
        "anonymous_id:example-device-iphone",
        "anonymous_id:example-device-mini-program",
        "email:lin.xiaomei@example.com",
        "phone:13800138000",
        "user_id:EXAMPLE-0001",
        "wechat_openid:o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
        "wechat_unionid:oEXAMPLEunionid_LinXiaomei01",
      ].sort(),
    );
    // The mini program profile (openid, unionid) merged into the app profile that registered.
    expect(user.mergedFrom).toHaveLength(1);
    // Orders 40, 26, 12 and 4 days before the end; the second one has a phone in it.
    expect(user.orders.totalCount).toBe(4);
    expect(user.tags.map((t: { key: string }) => t.key)).toEqual(
      expect.arrayContaining(["vip", "repeat_buyer"]),
    );
    // The same e-mail and WeChat ids find the same profile.
    for (const [type, value] of [
      ["email", EXAMPLE_SHOPPER.email],
      ["wechat_openid", EXAMPLE_SHOPPER.wechatOpenId],
      ["wechat_unionid", EXAMPLE_SHOPPER.wechatUnionId],
    ]) {
      const other = await api.gql(`{ userByIdentity(type: "${type}", value: "${value}") { id } }`);
      expect(other.data.userByIdentity.id, type).toBe(
        (await api.gql(`{ userByIdentity(type: "phone", value: "${EXAMPLE_SHOPPER.phone}") { id } }`)).data
          .userByIdentity.id,
      );
    }
  });

  it("creates the example definitions once: seeding again keeps them and refreshes them", async () => {
    const count = async () => {
      const [row] = await db().query<{ tags: number; segments: number }>(sql`
        select (select count(*) from tags)::int as tags, (select count(*) from segments)::int as segments`);
      return row;
    };
    expect(await count()).toEqual({ tags: DEMO_TAGS.length, segments: DEMO_SEGMENTS.length });
    await createDemoDefinitions(createServices(db(), loadConfig({})));
    expect(await count()).toEqual({ tags: DEMO_TAGS.length, segments: DEMO_SEGMENTS.length });
  });

  /**
   * The demo's own campaign, read back from the raw tables: every treated member got one SMS
   * and no holdout member any; its conversions are the audience members with a counted order
   * in [launch, launch + 7 days), counted here straight from `orders` and `campaign_audience`.
   */
  it("ships the demo's win-back campaign with results that match its raw rows", async () => {
    const answer = await api.gql(`{ campaignResults(key: "winback_sms") {
        audience treated holdout sent holdoutTouched conversions { treated holdout } } }`);
    expect(answer.errors).toBeUndefined();
    const [expected] = await db().query<Record<string, number>>(sql`
      with launch as (select launched_at as at from campaigns where key = 'winback_sms'),
      audience as (
        select coalesce(m.survivor_id, a.user_id) as user_id, a.arm
        from campaign_audience a left join user_merges m on m.loser_id = a.user_id
        where a.campaign_key = 'winback_sms'),
      buyers as (
        select distinct coalesce(m.survivor_id, o.user_id) as user_id
        from orders o left join user_merges m on m.loser_id = o.user_id, launch
        where o.status in ('paid', 'shipped', 'completed', 'refunded')
          and o.placed_at >= launch.at and o.placed_at < launch.at + interval '7 days')
      select count(*)::int as audience,
        (count(*) filter (where arm = 'treatment'))::int as treated,
        (count(*) filter (where arm = 'holdout'))::int as holdout,
        (select count(*) from events where name = 'campaign_sent'
          and properties ->> 'campaign' = 'winback_sms')::int as sent,
        (count(*) filter (where arm = 'treatment' and user_id in (select user_id from buyers)))::int
          as "treatedBuyers",
        (count(*) filter (where arm = 'holdout' and user_id in (select user_id from buyers)))::int
          as "holdoutBuyers"
      from audience`);
    const r = answer.data.campaignResults;
    expect(expected.audience).toBeGreaterThan(50);
    expect(expected.treatedBuyers).toBeGreaterThan(0);
    expect(r).toEqual({
      audience: expected.audience,
      treated: expected.treated,
      holdout: expected.holdout,
      sent: expected.treated,
      holdoutTouched: 0,
      conversions: { treated: expected.treatedBuyers, holdout: expected.holdoutBuyers },
    });
    expect(expected.sent).toBe(expected.treated);
  });
});
