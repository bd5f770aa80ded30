import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { featurePasses } from "../../src/rules/materialise";
import { parseRule } from "../../src/rules/parser";
import { countStatements, describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const DEFINITIONS = 1100;

/** Rule tags written straight into the table, as if saved earlier (saving each would refresh it). */
const insertRuleTags = (rows: Array<{ key: string; rule: string }>) => sql`
  insert into tags (key, name, category, kind, rule, updated_by)
  select r.key, r.key, 'TRANSACTION', 'RULE', r.rule, 'test'
  from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(key text, rule text)`;

describeEachDatabase("refresh of many definitions, and of broken ones", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    // u1 ordered 3.5 days ago (through merged profile 5) and 10.5 days ago; u2 40.5 days ago;
    // u3's only order is cancelled, u4 never ordered.
    await db().query(sql`insert into users (id, merged_into) overriding system value values
      (1, null), (2, null), (3, null), (4, null), (5, 1)`);
    await db().query(
      sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (5, 1, 1)`,
    );
    await db().query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted) values
      ('a', 5, ${daysAgo(3.5)}, 'paid', 10, true), ('b', 1, ${daysAgo(10.5)}, 'paid', 20, true),
      ('c', 2, ${daysAgo(40.5)}, 'paid', 30, true), ('d', 3, ${daysAgo(1.5)}, 'cancelled', 40, false)`);
    api = await startTestApi(db());
  });
  afterAll(() => api.close());

  it(`refreshes ${DEFINITIONS} rule tags with distinct aggregates in one refresh`, async () => {
    // Tag w<n>: a counted order within n days. n ≤ 3: nobody; 4 … 40: u1; from 41: u1 and u2.
    await db().query(
      insertRuleTags(
        Array.from({ length: DEFINITIONS }, (_, i) => ({
          key: `w${String(i + 1).padStart(4, "0")}`,
          rule: `count(orders within ${i + 1}d) >= 1`,
        })),
      ),
    );
    try {
      const { result: report, statements } = await countStatements(db(), () => api.services.tags.refresh());
      // 1,100 distinct aggregates in passes of at most 200: 6 passes, each diffed once (one level).
      expect(statements.filter((text) => text.startsWith("create temp table rule_features_"))).toHaveLength(
        6,
      );
      expect(statements.filter((text) => text.includes("insert into tag_members"))).toHaveLength(6);
      expect(report.failed).toEqual([]);
      expect(report.refreshed).toHaveLength(DEFINITIONS);
      const groups = await db().query<{ users: string; tags: number }>(sql`
        select users, count(*)::int as tags from (
          select t.key, coalesce(string_agg(tm.user_id::text, ',' order by tm.user_id), '') as users
          from tags t left join tag_members tm on tm.tag_key = t.key where t.key like 'w%' group by t.key) per_tag
        group by users order by tags`);
      expect(groups).toEqual([
        { users: "", tags: 3 },
        { users: "1", tags: 37 },
        { users: "1,2", tags: DEFINITIONS - 40 },
      ]);
    } finally {
      await db().query(sql`delete from tag_members where tag_key like 'w%'`);
      await db().query(sql`delete from tags where key like 'w%'`);
    }
  });

  it("splits definitions sharing one aggregate into diffs of at most 500", async () => {
    // Tag t<n>: at least n counted orders. u1 has 2 (with merged profile 5), u2 has 1.
    await db().query(
      insertRuleTags(
        Array.from({ length: 501 }, (_, i) => ({
          key: `t${String(i + 1).padStart(3, "0")}`,
          rule: `count(orders) >= ${i + 1}`,
        })),
      ),
    );
    try {
      const { result: report, statements } = await countStatements(db(), () => api.services.tags.refresh());
      expect(report.failed).toEqual([]);
      expect(statements.filter((text) => text.startsWith("create temp table rule_features_"))).toHaveLength(
        1,
      );
      expect(statements.filter((text) => text.includes("insert into tag_members"))).toHaveLength(2);
      const members = await db().query<{ key: string; users: string }>(sql`
        select tag_key as key, string_agg(user_id::text, ',' order by user_id) as users
        from tag_members where tag_key like 't%' group by tag_key order by tag_key`);
      expect(members).toEqual([
        { key: "t001", users: "1,2" },
        { key: "t002", users: "1" },
      ]);
    } finally {
      await db().query(sql`delete from tag_members where tag_key like 't%'`);
      await db().query(sql`delete from tags where key like 't%'`);
    }
  });

  it("reports a definition broken after saving and refreshes every other one", async () => {
    await db().query(
      insertRuleTags([
        { key: "buyer", rule: "count(orders) >= 1" },
        // Text that no longer parses.
        { key: "broken_text", rule: "count(orders) >=" },
        // Parses, but its window starts before the earliest timestamp PostgreSQL can hold.
        { key: "broken_window", rule: "count(orders within 3000000d) >= 1" },
        { key: "repeat", rule: "count(orders) >= 2" },
      ]),
    );
    const response = await api.gql(`mutation { refreshTags {
      tags { key users entered } failed { kind key code message } } }`);
    expect(response.errors).toBeUndefined();
    const { tags, failed } = response.data.refreshTags;
    // u1 (with merged 5) has 2 counted orders, u2 one.
    expect(tags).toEqual([
      { key: "buyer", users: 2, entered: 2 },
      { key: "repeat", users: 1, entered: 1 },
    ]);
    expect(failed).toEqual([
      { kind: "tag", key: "broken_text", code: "RULE_INVALID", message: expect.stringMatching(/line 1/) },
      {
        kind: "tag",
        key: "broken_window",
        code: "INTERNAL",
        message: expect.stringMatching(/SQLSTATE|evaluat/i),
      },
    ]);
    const [{ refreshed }] = await db().query<{ refreshed: string }>(sql`
      select string_agg(key, ',' order by key) as refreshed from tags where refreshed_at is not null`);
    expect(refreshed).toBe("buyer,repeat");

    // Segments refresh through the same code: the broken one is reported, the other refreshes.
    await db().query(sql`insert into segments (key, name, kind, rule, updated_by) values
      ('big_spenders', 'Big spenders', 'DYNAMIC', 'sum(orders.total) > 25', 'test'),
      ('broken_segment', 'Broken', 'DYNAMIC', 'sum(orders.total) >', 'test')`);
    const segments = await api.gql(`mutation { refreshSegments {
      segments { key users } failed { kind key code } } }`);
    expect(segments.data.refreshSegments).toEqual({
      // u1: 10 + 20 = 30; u2: 30.
      segments: [{ key: "big_spenders", users: 2 }],
      failed: [{ kind: "segment", key: "broken_segment", code: "RULE_INVALID" }],
    });
  });
});

describe("feature passes", () => {
  const target = (key: string, rule: string) => ({ key, expr: parseRule(rule) });
  it("packs targets in order up to the cap of distinct aggregates, counting shared ones once", () => {
    const passes = featurePasses(
      [
        target("a", "count(orders within 1d) >= 1 and count(orders within 2d) >= 1"),
        // Shares both aggregates with a: still 2 distinct.
        target("b", "count(orders within 2d) >= 1 or count(orders within 1d) >= 3"),
        // A third aggregate would exceed a cap of 2: a new pass.
        target("c", "count(orders within 3d) >= 1"),
        target("d", "count(orders) >= 1 and count(orders within 4d) >= 1 and count(orders within 5d) >= 1"),
        target("e", "count(orders within 3d) >= 2"),
      ],
      2,
    );
    // d alone needs 3 > 2: it gets a pass of its own; e shares nothing with d and follows it.
    expect(passes.map((pass) => pass.map((t) => t.key))).toEqual([["a", "b"], ["c"], ["d"], ["e"]]);
  });
});
