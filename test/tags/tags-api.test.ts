import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { CONFIGURED_ADMIN } from "../../src/server/auth";
import { countStatements, describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

const TAG_FIELDS =
  "key name description category kind rule status version userCount history { version rule author createdAt }";

describeEachDatabase("tags API", (db) => {
  let api: TestApi;
  let viewerKey: string;
  const gqlOk = async (query: string, variables?: Record<string, unknown>) => {
    const response = await api.gql(query, variables);
    expect(response.errors).toBeUndefined();
    return response.data;
  };
  const errorOf = async (query: string, variables?: Record<string, unknown>, key?: string) => {
    const response = await api.gql(query, variables, key);
    expect(response.errors?.length).toBeGreaterThan(0);
    return response.errors![0];
  };
  const createTag = (input: Record<string, unknown>) =>
    api.gql(`mutation($input: CreateTagInput!) { createTag(input: $input) { ${TAG_FIELDS} } }`, { input });

  beforeAll(async () => {
    // Users 1–4 (and 5 merged into 1). Counted orders: u1 two (10d, 20d ago), u2 one 40d ago,
    // u3 one cancelled; u5's order resolves to u1.
    await db().query(sql`insert into users (id, traits, merged_into) overriding system value values
      (1, '{"city":"上海"}', null), (2, '{"city":"北京"}', null), (3, '{}', null), (4, '{}', null), (5, '{}', 1)`);
    await db().query(
      sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (5, 1, 1)`,
    );
    await db().query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted) values
      ('a1', 1, ${daysAgo(10)}, 'paid', 600, true), ('a2', 1, ${daysAgo(20)}, 'completed', 500.5, true),
      ('b1', 2, ${daysAgo(40)}, 'paid', 80, true), ('c1', 3, ${daysAgo(5)}, 'cancelled', 999, false),
      ('e1', 5, ${daysAgo(3)}, 'paid', 10, true)`);
    api = await startTestApi(db());
    viewerKey = (await api.services.apiKeys.create({ name: "viewer", role: "VIEWER" }, SYSTEM_PRINCIPAL)).key;
  });
  afterAll(() => api.close());

  it("creates a rule tag, materialises it, keeps history and audits with the caller's name", async () => {
    const created = await createTag({
      key: "repeat",
      name: "Repeat buyers",
      category: "TRANSACTION",
      kind: "RULE",
      rule: "count(orders) >= 2",
    });
    expect(created.errors).toBeUndefined();
    // u1: a1, a2 and the merged profile's e1 = 3 counted orders; u2 has 1.
    expect(created.data.createTag).toMatchObject({
      key: "repeat",
      version: 1,
      status: "ACTIVE",
      userCount: 1,
    });
    expect(created.data.createTag.history).toEqual([
      {
        version: 1,
        rule: "count(orders) >= 2",
        author: CONFIGURED_ADMIN.name,
        createdAt: expect.any(String),
      },
    ]);
    const [audit] = await db().query<{ actor: string; after: any }>(
      sql`select actor, after from audit_log where entity_type = 'tag' and entity_key = 'repeat' and action = 'create'`,
    );
    expect(audit).toMatchObject({
      actor: CONFIGURED_ADMIN.name,
      after: { rule: "count(orders) >= 2", version: 1 },
    });
  });

  it("updates with the expected version and refuses a stale one with CONFLICT", async () => {
    const updated = await gqlOk(
      `mutation { updateTag(key: "repeat", input: { rule: "count(orders) >= 1" }, expectedVersion: 1) { version userCount history { version rule } } }`,
    );
    // u1 and u2 have counted orders; u3's only order is cancelled.
    expect(updated.updateTag).toEqual({
      version: 2,
      userCount: 2,
      history: [
        { version: 2, rule: "count(orders) >= 1" },
        { version: 1, rule: "count(orders) >= 2" },
      ],
    });
    const stale = await errorOf(
      `mutation { updateTag(key: "repeat", input: { name: "x" }, expectedVersion: 1) { version } }`,
    );
    expect(stale.extensions?.code).toBe("CONFLICT");
    const [audit] = await db().query<{ before: any; after: any }>(
      sql`select before, after from audit_log where entity_key = 'repeat' and action = 'update'`,
    );
    expect(audit.before.rule).toBe("count(orders) >= 2");
    expect(audit.after.rule).toBe("count(orders) >= 1");
  });

  it("rejects invalid rules with RULE_INVALID, line and column, and refuses cycles", async () => {
    const invalid = await createTag({
      key: "bad",
      name: "Bad",
      category: "BASIC",
      kind: "RULE",
      rule: "count(orders) >=\n  nope(1)",
    });
    expect(invalid.errors?.[0].extensions).toMatchObject({ code: "RULE_INVALID", line: 2, column: 3 });
    const value = await createTag({
      key: "bad2",
      name: "Bad",
      category: "BASIC",
      kind: "VALUE",
      rule: "count(orders) > 1",
    });
    expect(value.errors?.[0].extensions?.code).toBe("RULE_INVALID");
    expect(
      (await createTag({ key: "a", name: "A", category: "BASIC", kind: "RULE", rule: 'has_tag("repeat")' }))
        .errors,
    ).toBeUndefined();
    expect(
      (await createTag({ key: "b", name: "B", category: "BASIC", kind: "RULE", rule: 'has_tag("a")' }))
        .errors,
    ).toBeUndefined();
    const cycle = await errorOf(
      `mutation { updateTag(key: "repeat", input: { rule: "has_tag(\\"b\\")" }, expectedVersion: 2) { version } }`,
    );
    expect(cycle.extensions?.code).toBe("RULE_INVALID");
    expect(cycle.message).toMatch(/tag:repeat → tag:b → tag:a → tag:repeat/);
    // has_tag sees the memberships refreshed before it: b ⊆ a = repeat = {1, 2}.
    const b = await gqlOk(`{ tag(key: "b") { userCount } }`);
    expect(b.tag.userCount).toBe(2);
    const archive = await errorOf(`mutation { archiveTag(key: "a") { status } }`);
    expect(archive.extensions?.code).toBe("CONFLICT");
  });

  it("assigns and unassigns MANUAL tags, resolving merged ids, and audits it", async () => {
    await gqlOk(
      `mutation { createTag(input: { key: "vip", name: "VIP", category: TIER, kind: MANUAL }) { key } }`,
    );
    // 5 is merged into 1, so [1, 5] is one profile.
    expect((await gqlOk(`mutation { assignTag(key: "vip", userIds: ["1", "5", "2"]) }`)).assignTag).toBe(2);
    expect((await gqlOk(`mutation { assignTag(key: "vip", userIds: ["2", "3"]) }`)).assignTag).toBe(1);
    expect((await gqlOk(`mutation { unassignTag(key: "vip", userIds: ["1"]) }`)).unassignTag).toBe(1);
    const wrongKind = await errorOf(`mutation { assignTag(key: "repeat", userIds: ["1"]) }`);
    expect(wrongKind.extensions?.code).toBe("BAD_USER_INPUT");
    const unknownUser = await errorOf(`mutation { assignTag(key: "vip", userIds: ["999"]) }`);
    expect(unknownUser.extensions?.code).toBe("BAD_USER_INPUT");
    const members = await db().query<{ user_id: number }>(
      sql`select user_id from tag_members where tag_key = 'vip' order by user_id`,
    );
    expect(members.map((m) => m.user_id)).toEqual([2, 3]);
    const audits = await db().query<{ action: string }>(
      sql`select action from audit_log where entity_key = 'vip' order by id`,
    );
    expect(audits.map((a) => a.action)).toEqual(["create", "assign", "assign", "unassign"]);
  });

  it("records entries and exits across two refreshes", async () => {
    await gqlOk(
      `mutation { createTag(input: { key: "recent", name: "Bought in 30d", category: BEHAVIOR, kind: RULE, rule: "count(orders within 30d) >= 1" }) { key } }`,
    );
    // Now: u1 (orders 3d, 10d, 20d ago). u2's order is 40d ago.
    let members = await db().query<{ user_id: number }>(
      sql`select user_id from tag_members where tag_key = 'recent'`,
    );
    expect(members.map((m) => m.user_id)).toEqual([1]);
    // u2 buys now; u1's three orders are refunded-then-cancelled out of the counted set.
    await db().query(
      sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted) values ('b2', 2, now() - interval '1 hour', 'paid', 20, true)`,
    );
    await db().query(
      sql`update orders set counted = false, status = 'cancelled' where order_id in ('a1', 'a2', 'e1')`,
    );
    const refreshed = await gqlOk(
      `mutation { refreshTags(keys: ["recent"]) { tags { key users entered exited milliseconds } milliseconds } }`,
    );
    expect(refreshed.refreshTags.tags).toEqual([
      { key: "recent", users: 1, entered: 1, exited: 1, milliseconds: expect.any(Number) },
    ]);
    members = await db().query<{ user_id: number }>(
      sql`select user_id from tag_members where tag_key = 'recent'`,
    );
    expect(members.map((m) => m.user_id)).toEqual([2]);
    const changes = await db().query<{ user_id: number; change: string }>(
      sql`select user_id, change from tag_membership_changes where tag_key = 'recent' order by id`,
    );
    expect(changes).toEqual([
      { user_id: 1, change: "entered" },
      { user_id: 2, change: "entered" },
      { user_id: 1, change: "exited" },
    ]);
    // A refresh with nothing changed records nothing.
    const again = await gqlOk(`mutation { refreshTags { tags { key entered exited } } }`);
    expect(again.refreshTags.tags.find((t: any) => t.key === "recent")).toEqual({
      key: "recent",
      entered: 0,
      exited: 0,
    });
  });

  it("stores value tags and shows tags and segments on users at a constant statement count", async () => {
    await gqlOk(
      `mutation { createTag(input: { key: "spend", name: "Spend 365d", category: TRANSACTION, kind: VALUE, rule: "sum(orders.total within 365d)" }) { key } }`,
    );
    const query = `query($first: Int) { users(first: $first) { edges { node { id tags { key value assignedAt } segments { key enteredAt } } } } }`;
    const small = await countStatements(db(), () => api.gql(query, { first: 2 }));
    // 100 more profiles with a manual tag each.
    await db().query(
      sql`insert into users (id) overriding system value select g from generate_series(100, 199) g`,
    );
    await gqlOk(`mutation($ids: [ID!]!) { assignTag(key: "vip", userIds: $ids) }`, {
      ids: Array.from({ length: 100 }, (_, i) => String(100 + i)),
    });
    const large = await countStatements(db(), () => api.gql(query, { first: 100 }));
    expect(large.result.errors).toBeUndefined();
    expect(large.statements.length).toBe(small.statements.length);
    const u2 = large.result.data.users.edges.find((e: any) => e.node.id === "2").node;
    // u2: counted orders 80 (40d ago) + 20 (now) = 100 in 365d.
    expect(u2.tags.map((t: any) => [t.key, t.value])).toEqual([
      ["a", null],
      ["b", null],
      ["recent", null],
      ["repeat", null],
      ["spend", "100.00"],
      ["vip", null],
    ]);
    // A changed value is updated in place: u2 spends 50 more (100 + 50 = 150) and stays a member;
    // the 100 profiles added above have spend 0 (sum over nothing) and enter.
    await db().query(
      sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted) values ('b3', 2, now() - interval '1 hour', 'paid', 50, true)`,
    );
    const refreshed = await gqlOk(
      `mutation { refreshTags(keys: ["spend"]) { tags { key entered exited } } }`,
    );
    expect(refreshed.refreshTags.tags).toEqual([{ key: "spend", entered: 100, exited: 0 }]);
    const spend = await db().query<{ value: string }>(
      sql`select value from tag_members where tag_key = 'spend' and user_id = 2`,
    );
    expect(spend).toEqual([{ value: "150.00" }]);
  });

  it("previews a rule without saving, with sample users and SQL", async () => {
    const before = await db().query(sql`select count(*)::int as n from tag_members`);
    const preview = await gqlOk(`{ previewRule(rule: "trait.city in (\\"上海\\", \\"北京\\")") {
      valid matchingUsers sampleUsers(limit: 1) { id } errors { message } sql sqlInlined } }`);
    expect(preview.previewRule).toMatchObject({
      valid: true,
      matchingUsers: 2,
      sampleUsers: [{ id: "1" }],
      errors: [],
    });
    expect(preview.previewRule.sql).toContain("rf.traits ->> $");
    expect(preview.previewRule.sql).not.toContain("上海");
    expect(preview.previewRule.sqlInlined).toContain("'上海'::text, '北京'::text");
    const invalid = await gqlOk(
      `{ previewRule(rule: "count(orders) >") { valid errors { message line column } sql sqlInlined } }`,
    );
    expect(invalid.previewRule).toMatchObject({
      valid: false,
      sql: null,
      sqlInlined: null,
      errors: [{ line: 1, column: 16 }],
    });
    // Back-test: 30 days ago, u2's order (40d) was within 30d of that time? No: 10d before it, so yes.
    const asOf = await gqlOk(
      `query($asOf: DateTime) { previewRule(rule: "count(orders within 30d) >= 1", asOf: $asOf) { matchingUsers } }`,
      {
        asOf: daysAgo(30),
      },
    );
    expect(asOf.previewRule.matchingUsers).toBe(1);
    expect(await db().query(sql`select count(*)::int as n from tag_members`)).toEqual(before);
  });

  it("stores hostile text safely and refuses hostile keys; the database stays intact", async () => {
    const badKey = await createTag({
      key: "'; drop table users; --",
      name: "x",
      category: "BASIC",
      kind: "MANUAL",
    });
    expect(badKey.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const name = `O'Brien "quoted" \\ back 标签 🚀 ${"长".repeat(150)}`;
    const rule = `trait.city = "'; drop table users; --" or trait.city = "\\\\\\"" or trait.city = "上海"`;
    const created = await createTag({ key: "hostile", name, category: "BASIC", kind: "RULE", rule });
    expect(created.errors).toBeUndefined();
    expect(created.data.createTag).toMatchObject({ name, rule, userCount: 1 });
    const deep = await createTag({
      key: "deep",
      name: "d",
      category: "BASIC",
      kind: "RULE",
      rule: `${"not ".repeat(500)}true`,
    });
    expect(deep.errors?.[0].extensions?.code).toBe("RULE_INVALID");
    const long = await createTag({
      key: "long",
      name: "l",
      category: "BASIC",
      kind: "RULE",
      rule: `trait.city = "${"x".repeat(20_000)}"`,
    });
    expect(long.errors?.[0].extensions?.code).toBe("RULE_INVALID");
    const [{ n }] = await db().query<{ n: number }>(sql`select count(*)::int as n from users`);
    expect(n).toBe(105);
  });

  it("needs EDIT for mutations and READ for queries", async () => {
    const forbidden = await errorOf(`mutation { archiveTag(key: "vip") { status } }`, undefined, viewerKey);
    expect(forbidden.extensions?.code).toBe("FORBIDDEN");
    const anonymous = await errorOf(`{ tags { key } }`, undefined, null as unknown as string);
    expect(anonymous.extensions?.code).toBe("UNAUTHENTICATED");
    const listed = await api.gql(`{ tags(category: TIER) { key } }`, undefined, viewerKey);
    expect(listed.data.tags).toEqual([{ key: "vip" }]);
  });

  it("archives a tag: its memberships leave users and are recorded as exits", async () => {
    const archived = await gqlOk(`mutation { archiveTag(key: "vip") { status version userCount } }`);
    expect(archived.archiveTag).toEqual({ status: "ARCHIVED", version: 2, userCount: 0 });
    const active = await gqlOk(`{ tags(status: ACTIVE) { key } }`);
    expect(active.tags.map((t: any) => t.key)).not.toContain("vip");
  });

  it("reports pairwise overlaps of tags and their size history from entries and exits", async () => {
    const manual = async (key: string, userIds: number[]) => {
      await gqlOk(`mutation($input: CreateTagInput!) { createTag(input: $input) { key } }`, {
        input: { key, name: key, category: "BASIC", kind: "MANUAL" },
      });
      await gqlOk(`mutation($ids: [ID!]!) { assignTag(key: "${key}", userIds: $ids) }`, {
        ids: userIds.map(String),
      });
    };
    await manual("ov_a", [1, 2, 3]);
    await manual("ov_b", [2, 3, 4]);
    await manual("ov_c", [4]);
    const overlap = await gqlOk(
      `{ tag(key: "ov_b") { overlap(with: ["ov_a", "ov_c", "ov_a"]) { key otherKey size } } }`,
    );
    // ov_b ∩ ov_a = {2, 3}; ov_b ∩ ov_c = {4}; ov_a ∩ ov_c = ∅.
    expect(overlap.tag.overlap).toEqual([
      { key: "ov_b", otherKey: "ov_a", size: 2 },
      { key: "ov_b", otherKey: "ov_c", size: 1 },
      { key: "ov_a", otherKey: "ov_c", size: 0 },
    ]);
    const unknown = await errorOf(`{ tag(key: "ov_a") { overlap(with: ["nope"]) { size } } }`);
    expect(unknown.extensions?.code).toBe("NOT_FOUND");
    expect(unknown.message).toContain('"nope"');
    expect(unknown.extensions?.argument).toBe("with");

    // ov_c: synthetic past changes (+2 two days ago, −1 yesterday, UTC) before today's user 4.
    await db().query(sql`insert into tag_membership_changes (tag_key, user_id, change, at) values
      ('ov_c', 1, 'entered', now() - interval '2 days'), ('ov_c', 2, 'entered', now() - interval '2 days'),
      ('ov_c', 2, 'exited', now() - interval '1 day')`);
    const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
    const history = await gqlOk(
      `query($range: TimeRangeInput!) { tag(key: "ov_c") { sizeHistory(timeRange: $range, timezone: "UTC") { at size } } }`,
      { range: { from: day(-3), to: day(1) } },
    );
    // End of day −3: 0; −2: 2; −1: 1; today: 1 + user 4 assigned now = 2.
    expect(history.tag.sizeHistory.map((point: { size: number }) => point.size)).toEqual([0, 2, 1, 2]);
    expect(history.tag.sizeHistory[0].at).toBe(`${day(-3)}T00:00:00.000Z`);
    const tooLong = await errorOf(
      `{ tag(key: "ov_c") { sizeHistory(timeRange: { from: "2020-01-01", to: "2026-01-01" }) { size } } }`,
    );
    expect(tooLong.extensions?.code).toBe("LIMIT_EXCEEDED");
  });
});
