import "reflect-metadata";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Role, SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { maskEmail, maskPhone, PiiAccess, PiiPolicy, piiDeclarationFromEnv } from "../../src/access/pii";
import { recordAudit } from "../../src/audit/service";
import { AccessResolver } from "../../src/resolvers/access";
import { referencedKeys } from "../../src/rules/checker";
import { parseRule } from "../../src/rules/parser";
import { createContext } from "../../src/server/context";
import { describeEachDatabase } from "../helpers/db";
import { type GqlResponse, startTestApi, type TestApi } from "../helpers/graphql";
import { keysForEveryRole, ROLES, seedPiiProfile } from "./helpers";

const UNMASKED_TRAITS = { name: "Jane Doe", email: "jane@example.com", phone: "13812345678", city: "上海" };
// name → first character + ***; email → first character + *** + domain; phone → 3 + **** + last 4.
const MASKED_TRAITS = { name: "J***", email: "j***@example.com", phone: "138****5678", city: "上海" };
const UNMASKED_IDENTITIES = [
  { type: "email", value: "jane@example.com" },
  { type: "phone", value: "13812345678" },
  { type: "user_id", value: "shop-1" },
  { type: "wechat_openid", value: "oWx123456" },
];
const MASKED_IDENTITIES = [
  { type: "email", value: "j***@example.com" },
  { type: "phone", value: "138****5678" },
  { type: "user_id", value: "shop-1" },
  { type: "wechat_openid", value: "o***" },
];
const SEES_PII: Record<Role, boolean> = {
  ADMIN: true,
  EDITOR: true,
  INGEST: true,
  ANALYST: false,
  VIEWER: false,
};

const DEFAULTS = new PiiPolicy();

describe("masking rules", () => {
  it("masks phones, emails and names the same way everywhere", () => {
    expect(maskPhone("13812345678")).toBe("138****5678");
    expect(maskPhone("+86 138 1234 5678")).toBe("+86*******5678");
    expect(maskEmail("jane@example.com")).toBe("j***@example.com");
    expect(DEFAULTS.maskTraits(UNMASKED_TRAITS)).toEqual(MASKED_TRAITS);
  });

  it("masks nested PII in any JSON payload (audit before/after, export rows)", () => {
    const payload = {
      reason: "conflict",
      traits: { Email: "li@shop.cn", profile: { mobile: "13900001111" } },
      identities: [
        { type: "phone", value: "13812345678" },
        { type: "anonymous_id", value: "anon-1" },
      ],
      email: "x@y.z",
      count: 3,
    };
    expect(DEFAULTS.maskPayload(payload)).toEqual({
      reason: "conflict",
      traits: { Email: "l***@shop.cn", profile: { mobile: "139****1111" } },
      identities: [
        { type: "phone", value: "138****5678" },
        { type: "anonymous_id", value: "anon-1" },
      ],
      email: "x***@y.z",
      count: 3,
    });
  });
});

describe("declared PII", () => {
  it("defaults cover names, contact details, id cards, addresses, birthdays and WeChat ids", () => {
    const traits = {
      first_name: "Jane",
      last_name: "Doe",
      mobile: "13812345678",
      id_card: "110101199003071234",
      address: { city: "上海", street: "南京路 1 号" },
      birthday: "1990-03-07",
      wechat_unionid: "uAbc987",
      tier: "gold",
    };
    expect(DEFAULTS.maskTraits(traits)).toEqual({
      first_name: "J***",
      last_name: "D***",
      mobile: "138****5678",
      id_card: "110***********1234",
      // Everything inside a PII value is masked, not only its top level.
      address: { city: "上***", street: "南***" },
      birthday: "1***",
      wechat_unionid: "u***",
      tier: "gold",
    });
    expect(DEFAULTS.maskEventProperties({ receiver_phone: "13700002222", category: "beauty" })).toEqual({
      receiver_phone: "137****2222",
      category: "beauty",
    });
    expect(DEFAULTS.maskIdentityValue("wechat_unionid", "uAbc987")).toBe("u***");
    expect(DEFAULTS.maskIdentityValue("user_id", "shop-1")).toBe("shop-1");
  });

  it("lets the pure checker report the trait and event property keys a rule reads", () => {
    const rule = parseRule(
      'trait.email = "x" and count(event("checkout", phone = "1", channel = "app")) > 0 and last(event("view").receiver_name) = "y" and days_since(user.first_seen) > 1',
    );
    expect(referencedKeys(rule)).toEqual({ traits: ["email"], eventProperties: ["phone", "receiver_name"] });
  });

  it("reads the declaration from the environment; a given list replaces its default", () => {
    const declared = new PiiPolicy(
      piiDeclarationFromEnv({
        STRATUM_PII_TRAITS: "email, Loyalty_No",
        STRATUM_PII_IDENTITY_TYPES: "member_card",
        STRATUM_PII_EVENT_PROPERTIES: "receiver_name",
      }),
    );
    expect(
      declared.maskTraits({ email: "jane@example.com", loyalty_no: "LN-99887766", name: "Jane" }),
    ).toEqual({
      email: "j***@example.com",
      loyalty_no: "L***",
      name: "Jane",
    });
    expect(declared.maskIdentityValue("member_card", "MC-555001")).toBe("M***");
    expect(declared.maskIdentityValue("email", "jane@example.com")).toBe("jane@example.com");
    expect(declared.maskEventProperties({ receiver_name: "李雷", phone: "13700002222" })).toEqual({
      receiver_name: "李***",
      phone: "13700002222",
    });
    expect(piiDeclarationFromEnv({}).traits).toContain("email");
  });
});

describeEachDatabase("declared PII in the API", (db) => {
  let api: TestApi;
  let keys: Record<Role, string>;
  const SECRETS = ["LN-99887766", "MC-555001", "李雷", "13700002222", "jane@example.com"];
  beforeAll(async () => {
    await seedPiiProfile(db());
    api = await startTestApi(db(), {
      STRATUM_PII_TRAITS: "name,email,phone,loyalty_no",
      STRATUM_PII_IDENTITY_TYPES: "email,phone,wechat_openid,member_card",
      STRATUM_PII_EVENT_PROPERTIES: "phone,receiver_name",
    });
    keys = await keysForEveryRole(api.services);
    const identified = await api.gql(`mutation { identify(input: { userId: "shop-1",
      identities: [{ type: "member_card", value: "MC-555001" }], traits: { loyalty_no: "LN-99887766" } }) { id } }`);
    expect(identified.errors).toBeUndefined();
    const tracked = await api.gql(`mutation { track(events: [{ messageId: "pii-1", event: "checkout",
      timestamp: "2026-01-05T10:00:00Z", userId: "shop-1",
      properties: { receiver_name: "李雷", phone: "13700002222", category: "beauty" } }]) { accepted } }`);
    expect(tracked.errors).toBeUndefined();
    const tag = await api.gql(`mutation { createTag(input: { key: "loyalty", name: "Loyalty number",
      category: BASIC, kind: VALUE, rule: "trait.loyalty_no" }) { key } }`);
    expect(tag.errors).toBeUndefined();
    const plain = await api.gql(`mutation { createTag(input: { key: "home_city", name: "Home city",
      category: BASIC, kind: VALUE, rule: "trait.city" }) { key } }`);
    expect(plain.errors).toBeUndefined();
  });
  afterAll(() => api.close());

  const PROFILE = `{ user(id: "1") { traits identities { type value }
    events { edges { node { properties } } } tags { key value } } }`;

  it("masks declared traits, custom identity types, event properties and VALUE tags computed from PII", async () => {
    const masked = await api.gql(PROFILE, {}, keys.VIEWER);
    expect(masked.errors).toBeUndefined();
    const user = masked.data.user;
    expect(user.traits).toMatchObject({ loyalty_no: "L***", name: "J***", city: "上海" });
    expect(user.identities).toContainEqual({ type: "member_card", value: "M***" });
    expect(user.identities).toContainEqual({ type: "user_id", value: "shop-1" });
    expect(user.events.edges[0].node.properties).toEqual({
      receiver_name: "李***",
      phone: "137****2222",
      category: "beauty",
    });
    expect(user.tags).toContainEqual({ key: "loyalty", value: "L***" });
    // A VALUE tag that reads no PII keeps its value.
    expect(user.tags).toContainEqual({ key: "home_city", value: "上海" });
    const text = JSON.stringify(masked.data);
    for (const secret of SECRETS) expect(text).not.toContain(secret);

    const clear = await api.gql(PROFILE, {}, keys.EDITOR);
    expect(clear.data.user.traits.loyalty_no).toBe("LN-99887766");
    expect(clear.data.user.identities).toContainEqual({ type: "member_card", value: "MC-555001" });
    expect(clear.data.user.events.edges[0].node.properties.receiver_name).toBe("李雷");
    expect(clear.data.user.tags).toContainEqual({ key: "loyalty", value: "LN-99887766" });
  });

  it("masks custom identity types in the segment CSV export and refuses lookups by them", async () => {
    const created = await api.gql(
      `mutation { createStaticSegment(input: { key: "declared", name: "Declared", userIds: ["1"] }) { key } }`,
    );
    expect(created.errors).toBeUndefined();
    const response = await fetch(api.url.replace(/\/graphql$/, "/export/segments/declared.csv"), {
      headers: { authorization: `Bearer ${keys.ANALYST}` },
    });
    const text = await response.text();
    expect(text).toContain("member_card:M***");
    expect(text).toContain("L***");
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const lookup = await api.gql(
      `{ userByIdentity(type: "member_card", value: "MC-555001") { id } }`,
      {},
      keys.ANALYST,
    );
    expect(lookup.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  it("masks declared keys in audit payloads", async () => {
    await db().transaction((tx) =>
      recordAudit(tx, {
        actor: "system",
        action: "merge_refused",
        entityType: "identity",
        entityKey: "member_card",
        before: { identity: { type: "member_card", value: "MC-555001" } },
        after: { traits: { loyalty_no: "LN-99887766" } },
      }),
    );
    const context = createContext(api.services, { ...SYSTEM_PRINCIPAL, role: "ANALYST" });
    const page = await new AccessResolver().auditLog({ first: 1, entityType: "identity" }, context);
    expect(page.edges[0].node).toMatchObject({
      before: { identity: { type: "member_card", value: "M***" } },
      after: { traits: { loyalty_no: "L***" } },
    });
  });
});

describeEachDatabase("PII keys as input", (db) => {
  let api: TestApi;
  let keys: Record<Role, string>;
  beforeAll(async () => {
    await seedPiiProfile(db());
    api = await startTestApi(db(), {
      STRATUM_PII_TRAITS: "name,email,phone,loyalty_no",
      STRATUM_PII_EVENT_PROPERTIES: "phone,receiver_name",
    });
    keys = await keysForEveryRole(api.services);
    const setup = [
      `mutation { identify(input: { userId: "shop-1", traits: { loyalty_no: "LN-99887766" } }) { id } }`,
      `mutation { track(events: [{ messageId: "in-1", event: "checkout", timestamp: "2026-01-05T10:00:00Z",
        userId: "shop-1", properties: { receiver_name: "李雷", phone: "13700002222" } },
        { messageId: "in-2", event: "paid", timestamp: "2026-01-05T10:05:00Z", userId: "shop-1" }]) { accepted } }`,
      `mutation { createTag(input: { key: "loyalty", name: "Loyalty number", category: BASIC, kind: VALUE,
        rule: "trait.loyalty_no" }) { key } }`,
      `mutation { createTag(input: { key: "home_city", name: "Home city", category: BASIC, kind: VALUE,
        rule: "trait.city" }) { key } }`,
    ];
    for (const mutation of setup) expect((await api.gql(mutation)).errors).toBeUndefined();
  });
  afterAll(() => api.close());

  const refused = (response: GqlResponse<unknown>, key: string) => {
    expect(response.status).toBe(403);
    expect(response.errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", permission: "read_pii" });
    expect(response.errors?.[0].extensions?.keys).toContain(key);
  };

  const preview = (rule: string, key: string | null) =>
    api.gql(`query($rule: String!) { previewRule(rule: $rule) { valid matchingUsers } }`, { rule }, key);

  it("refuses rule previews that read PII keys to roles without read_pii, and runs them for the others", async () => {
    const oracles: Array<[string, string]> = [
      ['trait.name = "Jane Doe"', "trait.name"],
      ['trait.loyalty_no = "LN-99887766"', "trait.loyalty_no"],
      ['count(event("checkout", phone = "13700002222")) > 0', "event.phone"],
      ['last(event("checkout").receiver_name) = "李雷"', "event.receiver_name"],
    ];
    for (const [rule, key] of oracles) {
      for (const role of ["ANALYST", "VIEWER"] as const) refused(await preview(rule, keys[role]), key);
      expect((await preview(rule, keys.EDITOR)).data).toEqual({
        previewRule: { valid: true, matchingUsers: 1 },
      });
    }
    // Keys that are not declared PII stay usable.
    expect((await preview('trait.city = "上海"', keys.VIEWER)).data).toEqual({
      previewRule: { valid: true, matchingUsers: 1 },
    });
  });

  it("refuses funnel property filters and breakdowns on PII keys", async () => {
    const funnel = (extra: string, key: string) =>
      api.gql(
        `{ funnel(input: { steps: [{ event: "checkout" ${extra.startsWith("where") ? `, ${extra}` : ""} },
          { event: "paid" }], timeRange: { from: "2026-01-01", to: "2026-02-01" }, timezone: "UTC"
          ${extra.startsWith("breakdown") ? `, ${extra}` : ""} }) { steps { count } } }`,
        {},
        key,
      );
    refused(await funnel(`where: { phone: "13700002222" }`, keys.ANALYST), "event.phone");
    refused(await funnel(`breakdown: "event.receiver_name"`, keys.VIEWER), "event.receiver_name");
    const allowed = await funnel(`breakdown: "event.receiver_name"`, keys.EDITOR);
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data.funnel.steps.map((step: { count: number }) => step.count)).toEqual([1, 1]);
    expect((await funnel(`breakdown: "city"`, keys.VIEWER)).errors).toBeUndefined();
  });

  it("refuses metric dimensions and filters on values computed from PII, in GraphQL and CSV", async () => {
    const metrics = (rows: string, where: string, key: string) =>
      api.gql(
        `{ metrics(timeRange: { from: "2026-01-01", to: "2026-02-01" }, grain: ALL, timezone: "UTC" ${where}) {
          rows { ${rows} events } } }`,
        {},
        key,
      );
    refused(await metrics(`loyalty: tagValue(key: "loyalty")`, "", keys.VIEWER), "tag_value.loyalty");
    refused(
      await metrics("", `, where: { tagValue: { key: "loyalty", eq: "LN-99887766" } }`, keys.ANALYST),
      "tag_value.loyalty",
    );
    const clear = await metrics(`loyalty: tagValue(key: "loyalty")`, "", keys.EDITOR);
    expect(clear.data.metrics.rows).toEqual([{ loyalty: "LN-99887766", events: 2 }]);
    const plain = await metrics(`city: tagValue(key: "home_city")`, "", keys.VIEWER);
    expect(plain.data.metrics.rows).toEqual([{ city: "上海", events: 2 }]);
    const csv = await fetch(
      `${api.url.replace(/\/graphql$/, "/export/metrics.csv")}?metrics=events&from=2026-01-01&to=2026-02-01&grain=ALL&by=tag_value:loyalty`,
      { headers: { authorization: `Bearer ${keys.ANALYST}` } },
    );
    expect(csv.status).toBe(403);
    expect(await csv.text()).not.toContain("LN-99887766");
  });

  it("refuses user dimensions on declared PII traits (the service decides with the principal)", async () => {
    const cityIsPii = new PiiPolicy({ traits: ["city"], identityTypes: [], eventProperties: [] });
    const query = {
      metrics: ["events"],
      dimensions: [{ key: "city" }],
      grain: "ALL" as const,
      timezone: "UTC",
      range: { from: "2026-01-01", to: "2026-02-01" },
    };
    const viewer = { keyId: "v", name: "viewer", role: "VIEWER" as const };
    await expect(
      api.services.metrics.run(query, { pii: new PiiAccess(cityIsPii, viewer) }),
    ).rejects.toMatchObject({ code: "FORBIDDEN", details: { keys: ["trait.city"], argument: "dimensions" } });
    const answer = await api.services.metrics.run(query, {
      pii: new PiiAccess(cityIsPii, { ...viewer, role: "EDITOR" }),
    });
    expect(answer.rows.map((row) => row.dimensions)).toEqual([["上海"]]);
  });

  it("masks the literals that rules compare with PII when a role without read_pii reads definitions", async () => {
    const tagRule =
      'trait.name = "Jane Doe" and count(event("checkout", phone = "13700002222")) > 0 and count(orders) >= 1';
    const segmentRule = 'last(event("checkout").receiver_name) in ("李雷", "韩梅梅") or trait.city = "上海"';
    const setup = [
      `mutation($rule: String!) { createTag(input: { key: "jane_buyer", name: "Jane", category: BASIC, kind: RULE,
        rule: $rule }) { key } }`,
      `mutation($rule: String!) { createSegment(input: { key: "li_lei", name: "Li Lei", rule: $rule }) { key } }`,
    ];
    for (const [mutation, rule] of [
      [setup[0], tagRule],
      [setup[1], segmentRule],
    ])
      expect((await api.gql(mutation, { rule })).errors).toBeUndefined();
    const query = `{ tag(key: "jane_buyer") { rule history { rule } } segment(key: "li_lei") { rule history { rule } } }`;
    const masked = await api.gql(query, {}, keys.VIEWER);
    expect(masked.errors).toBeUndefined();
    const text = JSON.stringify(masked.data);
    for (const secret of ["Jane Doe", "13700002222", "李雷", "韩梅梅"]) expect(text).not.toContain(secret);
    for (const rule of [masked.data.tag.rule, masked.data.tag.history[0].rule]) {
      expect(rule).toContain('"J***"');
      expect(rule).toContain('"137****2222"');
      expect(rule).toMatch(/count\(orders\) >= 1/);
    }
    expect(masked.data.segment.rule).toContain('"李***", "韩***"');
    // A literal compared with a key that is not PII stays.
    expect(masked.data.segment.rule).toContain('"上海"');
    const clear = await api.gql(query, {}, keys.EDITOR);
    expect(clear.data.tag.rule).toBe(tagRule);
    expect(clear.data.segment.history[0].rule).toBe(segmentRule);
  });

  it("refuses tags and segments whose rule reads PII to a principal without read_pii", async () => {
    const viewer = new PiiAccess(api.services.pii, { keyId: "v", name: "viewer", role: "VIEWER" });
    await expect(
      api.services.segments.create(
        { key: "janes", name: "Janes", rule: 'trait.name = "Jane Doe"' },
        { name: "viewer", pii: viewer },
      ),
    ).rejects.toMatchObject({ code: "FORBIDDEN", details: { keys: ["trait.name"], permission: "read_pii" } });
    expect(await api.services.segments.get("janes")).toBeNull();
  });
});

describeEachDatabase("PII in the API", (db) => {
  let api: TestApi;
  let keys: Record<Role, string>;
  beforeAll(async () => {
    await seedPiiProfile(db());
    api = await startTestApi(db());
    keys = await keysForEveryRole(api.services);
  });
  afterAll(() => api.close());

  const PROFILE = `{ users { edges { node { traits identities { type value } } } }
    user(id: "1") { traits identities { type value } }
    userByIdentity(type: "user_id", value: "shop-1") { traits identities { type value } } }`;

  it.each(ROLES.filter((role) => role !== "INGEST"))(
    "%s sees traits and identities per its PII right",
    async (role) => {
      const response = await api.gql(PROFILE, {}, keys[role]);
      expect(response.errors).toBeUndefined();
      const expected = SEES_PII[role]
        ? { traits: UNMASKED_TRAITS, identities: UNMASKED_IDENTITIES }
        : { traits: MASKED_TRAITS, identities: MASKED_IDENTITIES };
      expect(response.data.users.edges[0].node).toEqual(expected);
      expect(response.data.user).toEqual(expected);
      expect(response.data.userByIdentity).toEqual(expected);
      if (!SEES_PII[role]) {
        const text = JSON.stringify(response.data);
        for (const secret of ["jane@example.com", "13812345678", "Jane Doe", "oWx123456"])
          expect(text).not.toContain(secret);
      }
    },
  );

  it("refuses lookups by a PII identity to roles that see PII masked", async () => {
    const byEmail = `{ userByIdentity(type: "email", value: "jane@example.com") { id } }`;
    for (const role of ["ANALYST", "VIEWER"] as const) {
      const response = await api.gql(byEmail, {}, keys[role]);
      expect(response.status).toBe(403);
      expect(response.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    }
    expect((await api.gql(byEmail, {}, keys.EDITOR)).data).toEqual({ userByIdentity: { id: "1" } });
  });

  it("masks the segment CSV export the same way for roles without PII rights", async () => {
    const created = await api.gql(
      `mutation { createStaticSegment(input: { key: "pii_export", name: "PII export", userIds: ["1"] }) { key } }`,
    );
    expect(created.errors).toBeUndefined();
    const exportUrl = api.url.replace(/\/graphql$/, "/export/segments/pii_export.csv");
    const csvFor = async (key: string | null) => {
      const response = await fetch(exportUrl, { headers: key ? { authorization: `Bearer ${key}` } : {} });
      return { status: response.status, text: await response.text() };
    };
    expect((await csvFor(null)).status).toBe(401);
    const masked = await csvFor(keys.ANALYST);
    expect(masked.status).toBe(200);
    for (const shown of [
      "email:j***@example.com",
      "phone:138****5678",
      "wechat_openid:o***",
      "user_id:shop-1",
      "J***",
    ])
      expect(masked.text).toContain(shown);
    for (const secret of ["jane@example.com", "13812345678", "Jane Doe", "oWx123456"])
      expect(masked.text).not.toContain(secret);
    const clear = await csvFor(keys.EDITOR);
    for (const shown of ["email:jane@example.com", "phone:13812345678", "Jane Doe"])
      expect(clear.text).toContain(shown);
  });

  it("masks audit payloads for a principal without PII rights", async () => {
    await db().transaction((tx) =>
      recordAudit(tx, {
        actor: "system",
        action: "merge_refused",
        entityType: "identity",
        entityKey: "email",
        before: { identities: [{ type: "email", value: "jane@example.com" }] },
        after: { traits: { phone: "13812345678" } },
      }),
    );
    const query = `{ auditLog(first: 1, entityType: "identity") { edges { node { before after } } } }`;
    const admin = await api.gql(query);
    expect(admin.data.auditLog.edges[0].node).toEqual({
      before: { identities: [{ type: "email", value: "jane@example.com" }] },
      after: { traits: { phone: "13812345678" } },
    });
    // The audit log is admin-only over HTTP; the resolver still masks for anyone else.
    const context = createContext(api.services, { ...SYSTEM_PRINCIPAL, role: "ANALYST" });
    const page = await new AccessResolver().auditLog({ first: 1, entityType: "identity" }, context);
    expect(page.edges[0].node).toMatchObject({
      before: { identities: [{ type: "email", value: "j***@example.com" }] },
      after: { traits: { phone: "138****5678" } },
    });
  });

  it("masks the identity values of merge reasons for roles that see PII masked", async () => {
    for (const identities of [
      '[{ type: "email", value: "ann@example.com" }]',
      '[{ type: "phone", value: "13900001111" }]',
      '[{ type: "email", value: "ann@example.com" }, { type: "phone", value: "13900001111" }]',
    ]) {
      const identified = await api.gql(`mutation { identify(input: { identities: ${identities} }) { id } }`);
      expect(identified.errors).toBeUndefined();
    }
    const survivor = await api.gql(`{ userByIdentity(type: "email", value: "ann@example.com") { id } }`);
    const mergedFrom = `{ user(id: "${survivor.data.userByIdentity.id}") { mergedFrom { reason } } }`;
    const byType = (identities: Array<{ type: string }>) =>
      [...identities].sort((a, b) => a.type.localeCompare(b.type));
    const clear = await api.gql(mergedFrom, {}, keys.EDITOR);
    expect(byType(clear.data.user.mergedFrom[0].reason.identities)).toEqual([
      { type: "email", value: "ann@example.com" },
      { type: "phone", value: "13900001111" },
    ]);
    for (const role of ["ANALYST", "VIEWER"] as const) {
      const masked = await api.gql(mergedFrom, {}, keys[role]);
      expect(masked.errors).toBeUndefined();
      // a + *** + domain; 139 + **** + the last four digits.
      expect(byType(masked.data.user.mergedFrom[0].reason.identities)).toEqual([
        { type: "email", value: "a***@example.com" },
        { type: "phone", value: "139****1111" },
      ]);
      expect(JSON.stringify(masked.data)).not.toMatch(/ann@example\.com|13900001111/);
    }
  });

  it("lets INGEST identify a person but not read their orders, labels or RFM through the answer", async () => {
    const identify = (fields: string) =>
      api.gql(`mutation { identify(input: { userId: "shop-1" }) { ${fields} } }`, {}, keys.INGEST);
    const allowed = await identify("id traits");
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data.identify.traits).toEqual(UNMASKED_TRAITS);
    for (const field of ["tags { key }", "segments { key }", "rfm { segment }", "orders { totalCount }"]) {
      const denied = await identify(`id ${field}`);
      expect(denied.errors?.[0].extensions?.code, field).toBe("FORBIDDEN");
    }
  });
});
