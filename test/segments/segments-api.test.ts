import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { assertSegmentExists } from "../../src/segments";
import { segmentRestriction } from "../../src/semantic/membership";
import { compileSql } from "../../src/semantic/sql";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, TEST_ADMIN_KEY, type TestApi } from "../helpers/graphql";

const SEGMENT_FIELDS = "key kind rule version size snapshotOf status";

describeEachDatabase("segments API", (db) => {
  let api: TestApi;
  let viewerKey: string;
  const gqlOk = async (query: string, variables?: Record<string, unknown>) => {
    const response = await api.gql(query, variables);
    expect(response.errors).toBeUndefined();
    return response.data;
  };
  const memberIds = async (key: string) =>
    (
      await db().query<{ user_id: number }>(
        sql`select user_id from segment_members where segment_key = ${key} order by user_id`,
      )
    ).map((row) => row.user_id);

  beforeAll(async () => {
    // Ten profiles; city Shanghai for the even ids; 11 merged into 2.
    await db().query(sql`insert into users (id, traits) overriding system value
      select g, case when g % 2 = 0 then '{"city":"上海","email":"p@example.com"}'::jsonb else '{"city":"北京"}'::jsonb end
      from generate_series(1, 10) g`);
    await db().query(sql`insert into users (id, merged_into) overriding system value values (11, 2)`);
    await db().query(
      sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (11, 2, 2)`,
    );
    await db().query(sql`insert into identities (type, value, user_id) values
      ('email', 'three@example.com', 3), ('phone', '13812345678', 11), ('user_id', 'shop-5', 5)`);
    api = await startTestApi(db());
    viewerKey = (await api.services.apiKeys.create({ name: "viewer", role: "VIEWER" }, SYSTEM_PRINCIPAL)).key;
  });
  afterAll(() => api.close());

  it("creates a dynamic segment and pages its members with stable cursors while members change", async () => {
    const created = await gqlOk(
      `mutation { createSegment(input: { key: "sh", name: "上海", rule: "trait.city = \\"上海\\"" }) { ${SEGMENT_FIELDS} } }`,
    );
    expect(created.createSegment).toEqual({
      key: "sh",
      kind: "DYNAMIC",
      rule: 'trait.city = "上海"',
      version: 1,
      size: 5,
      snapshotOf: null,
      status: "ACTIVE",
    });
    const page = `query($after: String) { segment(key: "sh") { members(first: 2, after: $after) {
      totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } }`;
    const first = await gqlOk(page);
    expect(first.segment.members.edges.map((e: any) => e.node.id)).toEqual(["2", "4"]);
    // Between pages: 2 leaves (moves city), 1 and 7 join (one before the cursor, one after).
    await db().query(sql`update users set traits = jsonb_set(traits, '{city}', '"上海"') where id in (1, 7)`);
    await db().query(sql`update users set traits = jsonb_set(traits, '{city}', '"北京"') where id = 2`);
    await gqlOk(`mutation { refreshSegments(keys: ["sh"]) { segments { key entered exited } } }`);
    const second = await gqlOk(page, { after: first.segment.members.pageInfo.endCursor });
    // The page continues after id 4: neither repeats nor skips those who stayed.
    expect(second.segment.members.edges.map((e: any) => e.node.id)).toEqual(["6", "7"]);
    expect(second.segment.members.totalCount).toBe(6);
    const tooMany = await api.gql(`{ segment(key: "sh") { members(first: 1001) { totalCount } } }`);
    expect(tooMany.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
  });

  it("creates static segments from user ids and identities, resolving merged profiles", async () => {
    const created =
      await gqlOk(`mutation { createStaticSegment(input: { key: "list", name: "List", userIds: ["1", "11"],
      identities: [{ type: "email", value: "three@example.com" }, { type: "phone", value: "13812345678" }] }) { ${SEGMENT_FIELDS} } }`);
    // 11 and the phone both resolve to 2; the email is 3.
    expect(created.createStaticSegment).toMatchObject({ kind: "STATIC", rule: null, size: 3 });
    expect(await memberIds("list")).toEqual([1, 2, 3]);
    const unknown = await api.gql(
      `mutation { createStaticSegment(input: { key: "x", name: "X", identities: [{ type: "email", value: "nobody@x" }] }) { key } }`,
    );
    expect(unknown.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(unknown.errors?.[0].message).toContain("email:nobody@x");
  });

  it("snapshots, overlaps and refuses stale updates", async () => {
    const snap = await gqlOk(
      `mutation { snapshotSegment(key: "sh", newKey: "sh_frozen") { ${SEGMENT_FIELDS} } }`,
    );
    expect(snap.snapshotSegment).toMatchObject({ kind: "STATIC", snapshotOf: "sh", size: 6 });
    // sh = {1,4,6,7,8,10}; list = {1,2,3}; sh_frozen = sh.
    const overlap = await gqlOk(
      `{ segment(key: "sh") { overlap(with: ["list", "sh_frozen"]) { key otherKey size } } }`,
    );
    expect(overlap.segment.overlap).toEqual([
      { key: "sh", otherKey: "list", size: 1 },
      { key: "sh", otherKey: "sh_frozen", size: 6 },
      { key: "list", otherKey: "sh_frozen", size: 1 },
    ]);
    const updated = await gqlOk(
      `mutation { updateSegment(key: "sh", input: { rule: "trait.city = \\"北京\\"" }, expectedVersion: 1) { version size } }`,
    );
    // 北京: 2 (moved), 3, 5, 9.
    expect(updated.updateSegment).toEqual({ version: 2, size: 4 });
    expect(await memberIds("sh_frozen")).toEqual([1, 4, 6, 7, 8, 10]);
    const stale = await api.gql(
      `mutation { updateSegment(key: "sh", input: { name: "y" }, expectedVersion: 1) { version } }`,
    );
    expect(stale.errors?.[0].extensions?.code).toBe("CONFLICT");
    const history = await gqlOk(`{ segment(key: "sh") { history { version rule author } } }`);
    expect(history.segment.history.map((h: any) => [h.version, h.rule])).toEqual([
      [2, 'trait.city = "北京"'],
      [1, 'trait.city = "上海"'],
    ]);
  });

  it("reports size history from recorded entries and exits", async () => {
    // Synthetic past changes for a fresh static segment: +3 two days ago, −1 yesterday (UTC days).
    await gqlOk(
      `mutation { createStaticSegment(input: { key: "hist", name: "H", userIds: ["5"] }) { key } }`,
    );
    await db().query(sql`insert into segment_membership_changes (segment_key, user_id, change, at) values
      ('hist', 7, 'entered', now() - interval '2 days'), ('hist', 8, 'entered', now() - interval '2 days'),
      ('hist', 9, 'entered', now() - interval '2 days'), ('hist', 9, 'exited', now() - interval '1 day')`);
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const result = await gqlOk(
      `query($range: TimeRangeInput!) { segment(key: "hist") { sizeHistory(timeRange: $range, timezone: "UTC") { at size } } }`,
      {
        range: { from: day(-3), to: day(1) },
      },
    );
    // End of day −3: 0; −2: 3; −1: 2; today: 2 + the member added now = 3.
    expect(result.segment.sizeHistory.map((p: any) => p.size)).toEqual([0, 3, 2, 3]);
    expect(result.segment.sizeHistory[0].at).toBe(`${day(-3)}T00:00:00.000Z`);
    // The 3 days before today, as a relative range: ends of days −3, −2, −1.
    const relative = await gqlOk(
      `{ segment(key: "hist") { sizeHistory(timeRange: { last: "3d" }, timezone: "UTC") { at size } } }`,
    );
    expect(relative.segment.sizeHistory).toEqual([
      { at: `${day(-3)}T00:00:00.000Z`, size: 0 },
      { at: `${day(-2)}T00:00:00.000Z`, size: 3 },
      { at: `${day(-1)}T00:00:00.000Z`, size: 2 },
    ]);
  });

  it("exports members as CSV with PII masked for roles without read_pii", async () => {
    const base = api.url.replace("/graphql", "");
    const admin = await fetch(`${base}/export/segments/list.csv`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(admin.status).toBe(200);
    expect(admin.headers.get("content-type")).toContain("text/csv");
    const lines = (await admin.text()).trim().split("\n");
    expect(lines[0]).toBe("user_id,entered_at,first_seen_at,last_seen_at,identities,traits");
    expect(lines.slice(1).map((line) => line.split(",")[0])).toEqual(["1", "2", "3"]);
    expect(lines[3]).toContain("email:three@example.com");
    expect(lines[2]).toContain('""email"":""p@example.com""');
    const viewer = await (
      await fetch(`${base}/export/segments/list.csv`, { headers: { authorization: `Bearer ${viewerKey}` } })
    ).text();
    expect(viewer).toContain("email:t***@example.com");
    expect(viewer).toContain('""email"":""p***@example.com""');
    expect(viewer).not.toContain("p@example.com");
    const anonymous = await fetch(`${base}/export/segments/list.csv`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const ingestKey = (
      await api.services.apiKeys.create({ name: "ingest", role: "INGEST" }, SYSTEM_PRINCIPAL)
    ).key;
    const forbidden = await fetch(`${base}/export/segments/list.csv`, {
      headers: { authorization: `Bearer ${ingestKey}` },
    });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as any).errors[0].extensions.code).toBe("FORBIDDEN");
    const missing = await fetch(`${base}/export/segments/nope.csv`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).errors[0].extensions.code).toBe("NOT_FOUND");
  });

  it("starts the segment CSV with a UTF-8 byte order mark on bom=1, for Excel", async () => {
    const base = api.url.replace("/graphql", "");
    const get = (query: string) =>
      fetch(`${base}/export/segments/list.csv${query}`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
    const withBom = new Uint8Array(await (await get("?bom=1")).arrayBuffer());
    expect([...withBom.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder("utf-8", { ignoreBOM: true }).decode(withBom.slice(3, 10))).toBe("user_id");
    const without = new Uint8Array(await (await get("?bom=0")).arrayBuffer());
    expect(new TextDecoder().decode(without.slice(0, 7))).toBe("user_id");
    const bad = await get("?bom=yes");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("gives other compilers a restriction and a NOT_FOUND check", async () => {
    const restriction = segmentRestriction("list", sql`u.id`);
    expect(compileSql(restriction).sql).toBe(
      "u.id in (select sm.user_id from segment_members sm where sm.segment_key = $1)",
    );
    const rows = await db().query<{ id: number }>(
      sql`select u.id from users u where ${restriction} order by u.id`,
    );
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
    await expect(assertSegmentExists(db(), "nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(assertSegmentExists(db(), "list")).resolves.toBeUndefined();
  });

  it("uses segments in rules, refuses cycles and archiving what rules use", async () => {
    await gqlOk(
      `mutation { createSegment(input: { key: "in_list", name: "In list", rule: "in_segment(\\"list\\") and trait.city = \\"北京\\"" }) { key } }`,
    );
    // list {1,2,3} ∩ 北京 {2,3,5,9} = {2,3}.
    expect(await memberIds("in_list")).toEqual([2, 3]);
    const cycle = await api.gql(
      `mutation { updateSegment(key: "sh", input: { rule: "in_segment(\\"in_list\\") or in_segment(\\"sh\\")" }, expectedVersion: 2) { key } }`,
    );
    expect(cycle.errors?.[0].extensions?.code).toBe("RULE_INVALID");
    const used = await api.gql(`mutation { archiveSegment(key: "list") { status } }`);
    expect(used.errors?.[0].extensions?.code).toBe("CONFLICT");
    const archived = await gqlOk(`mutation { archiveSegment(key: "in_list") { status size } }`);
    expect(archived.archiveSegment).toEqual({ status: "ARCHIVED", size: 0 });
    const user = await gqlOk(`{ user(id: "2") { segments { key } } }`);
    expect(user.user.segments.map((s: any) => s.key)).toEqual(["list", "sh"]);
  });
});
