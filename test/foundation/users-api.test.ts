import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { countStatements, describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

describeEachDatabase("users API", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    // Three active profiles and one merged into the first.
    await db().query(sql`
      insert into users (id, first_seen_at, last_seen_at, traits, merged_into) overriding system value values
        (1, '2026-01-01T00:00:00Z', '2026-01-05T00:00:00Z', '{"city":"上海","name":"Li"}', null),
        (2, '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z', '{}', null),
        (3, '2026-01-03T00:00:00Z', '2026-01-03T00:00:00Z', '{"city":"北京"}', null),
        (4, '2026-01-04T00:00:00Z', '2026-01-04T00:00:00Z', '{}', 1)`);
    await db().query(
      sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (4, 1, 1)`,
    );
    await db().query(sql`
      insert into identities (type, value, user_id) values
        ('user_id', 'u-1', 1), ('email', 'li@example.com', 1), ('anonymous_id', 'anon-4', 1),
        ('anonymous_id', 'anon-2', 2), ('user_id', 'u-3', 3)`);
    api = await startTestApi(db());
  });
  afterAll(() => api.close());

  it("pages through active profiles with stable cursors", async () => {
    const query = `query($after: String) { users(first: 2, after: $after) {
      totalCount edges { cursor node { id traits identities { type value } } } pageInfo { hasNextPage endCursor } } }`;
    const first = await api.gql(query);
    expect(first.errors).toBeUndefined();
    expect(first.data.users.totalCount).toBe(3);
    expect(first.data.users.edges.map((e: any) => e.node.id)).toEqual(["1", "2"]);
    expect(first.data.users.edges[0].node.traits).toEqual({ city: "上海", name: "Li" });
    expect(first.data.users.edges[0].node.identities).toEqual([
      { type: "anonymous_id", value: "anon-4" },
      { type: "email", value: "li@example.com" },
      { type: "user_id", value: "u-1" },
    ]);
    expect(first.data.users.pageInfo.hasNextPage).toBe(true);
    const second = await api.gql(query, { after: first.data.users.pageInfo.endCursor });
    expect(second.data.users.edges.map((e: any) => e.node.id)).toEqual(["3"]);
    expect(second.data.users.pageInfo).toEqual({
      hasNextPage: false,
      endCursor: second.data.users.edges[0].cursor,
    });
  });

  it("pages backward with last/before, Relay's other direction", async () => {
    const query = `query($before: String) { users(last: 2, before: $before) {
      edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const end = await api.gql(query);
    expect(end.errors).toBeUndefined();
    // The last two of 1, 2, 3, in list order; profile 1 precedes them.
    expect(end.data.users.edges.map((e: any) => e.node.id)).toEqual(["2", "3"]);
    expect(end.data.users.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(end.data.users.pageInfo.startCursor).toBe(end.data.users.edges[0].cursor);
    const before = await api.gql(query, { before: end.data.users.pageInfo.startCursor });
    expect(before.data.users.edges.map((e: any) => e.node.id)).toEqual(["1"]);
    expect(before.data.users.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    // Forward from the backward page's start meets the same rows again.
    const forward = await api.gql(
      `query($after: String) { users(first: 5, after: $after) { edges { node { id } } } }`,
      {
        after: before.data.users.pageInfo.endCursor,
      },
    );
    expect(forward.data.users.edges.map((e: any) => e.node.id)).toEqual(["2", "3"]);
    const mixed = await api.gql(`{ users(first: 1, last: 1) { totalCount } }`);
    expect(mixed.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "first" });
  });

  it("pages a profile's events backward, newest first like forward", async () => {
    await db().query(sql`
      insert into events (message_id, user_id, anonymous_id, name, ts, properties) values
        ('pg-1', 2, 'anon-2', 'page_view', '2026-01-02T01:00:00Z', '{}'),
        ('pg-2', 2, 'anon-2', 'page_view', '2026-01-02T02:00:00Z', '{}'),
        ('pg-3', 2, 'anon-2', 'page_view', '2026-01-02T03:00:00Z', '{}')`);
    const page = (args: string) =>
      api.gql(
        `{ user(id: "2") { events(${args}) { edges { cursor node { messageId } } pageInfo { hasPreviousPage hasNextPage startCursor } } } }`,
      );
    const oldest = await page("last: 2");
    expect(oldest.errors).toBeUndefined();
    expect(oldest.data.user.events.edges.map((e: any) => e.node.messageId)).toEqual(["pg-2", "pg-1"]);
    expect(oldest.data.user.events.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const newer = await page(`last: 2, before: "${oldest.data.user.events.pageInfo.startCursor}"`);
    expect(newer.data.user.events.edges.map((e: any) => e.node.messageId)).toEqual(["pg-3"]);
  });

  it("answers a merged-away id and an identity with the survivor", async () => {
    const merged = await api.gql(
      `{ user(id: "4") { id } byEmail: userByIdentity(type: "email", value: "li@example.com") { id } none: user(id: "99") { id } }`,
    );
    expect(merged.data).toEqual({ user: { id: "1" }, byEmail: { id: "1" }, none: null });
  });

  it("rejects a forged cursor and an oversized page with codes", async () => {
    const forged = await api.gql(`{ users(after: "not-a-cursor") { totalCount } }`);
    expect(forged.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const huge = await api.gql(`{ users(first: 5000) { totalCount } }`);
    expect(huge.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
  });

  it("requires a key", async () => {
    const response = await api.gql(`{ users { totalCount } }`, {}, null);
    expect(response.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("loads identities for a page of users in a fixed number of statements", async () => {
    const { statements } = await countStatements(db(), () =>
      api.gql(`{ users(first: 100) { edges { node { id identities { value } } } } }`),
    );
    // page rows + total count + one batched identities read
    expect(statements).toHaveLength(3);
  });
});
