import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { featurePasses } from "../../src/rules/materialise";
import { parseRule } from "../../src/rules/parser";
import { describeEachDatabase } from "../helpers/db";
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
      const report = await api.services.tags.refresh();
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
