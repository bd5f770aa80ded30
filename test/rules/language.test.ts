import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { STORED_RULE_NAMES, typed } from "../../src/rules/checker";
import { compileRules } from "../../src/rules/compiler";
import { printRule, ruleFromJson } from "../../src/rules/json";
import { parseRule } from "../../src/rules/parser";
import { parseRuleInput, RuleService } from "../../src/rules/service";
import { compileSql } from "../../src/semantic/sql";
import { describeEachDatabase } from "../helpers/db";
import { ago, loadRuleFixture, T } from "./fixture";

/** The S6.1 examples, exactly as written in the spec. */
const EXAMPLES = {
  views: 'count(event("product_view") within 30d) >= 5',
  cartNoOrder: 'exists(event("add_to_cart") within 7d) and not exists(orders within 7d)',
  spend: "sum(orders.total within 365d) > 1000",
  repeat: "count(orders) >= 2",
  newNoOrder: "user.first_seen within 7d and count(orders) = 0",
  cities: 'trait.city in ("上海", "北京") and trait.gender = "female"',
  age: "trait.age between 18 and 30",
  vipOrHigh: 'has_tag("vip") or in_segment("high_value")',
  lapsed: "days_since(last(orders.placed_at)) > 90 and count(orders within 365d) >= 3",
  beauty: 'count(event("product_view", category = "beauty") within 90d) >= 3',
  dwell: 'avg(event("product_view").dwell_ms within 30d) < 15000',
  rfm: 'rfm.segment in ("champions", "loyal_customers")',
};

describe("rule parser", () => {
  it("parses every S6.1 example and value form, and round-trips through the JSON form", () => {
    const values = [
      'most_frequent(event("product_view").category within 90d)',
      'last(event("page_view").utm_source)',
      "sum(orders.total within 365d)",
      "count(orders within 90d)",
    ];
    for (const text of [...Object.values(EXAMPLES), ...values]) {
      const expr = parseRule(text);
      const json = JSON.parse(JSON.stringify(expr, (k, v) => (k === "at" ? undefined : v)));
      const reparsed = parseRule(printRule(ruleFromJson(json)));
      expect(JSON.stringify(reparsed, (k, v) => (k === "at" ? undefined : v))).toBe(JSON.stringify(json));
    }
  });

  it("reads $-prefixed property names (PostHog / Mixpanel style) as bound parameters", () => {
    const text =
      'count(event("screen_view", $browser = "Chrome")) >= 2 and last(event("screen_view").$current_url) != ""';
    const expr = parseRule(text);
    expect(printRule(expr)).toBe(`(${text})`);
    const json = JSON.parse(JSON.stringify(expr));
    expect(json.left.left.source.filters[0].property).toBe("$browser");
    expect(printRule(ruleFromJson(json))).toBe(`(${text})`);
    const { sql: compiled, params } = compileSql(
      compileRules([typed(expr, STORED_RULE_NAMES)], { asOf: T }).features,
    );
    expect(compiled).not.toContain("$browser");
    expect(params).toEqual(expect.arrayContaining(["$browser", "$current_url"]));
    // `$` starts a name only: it is no operator or quote, so nothing can follow it into SQL.
    expect(() => parseRule('count(event("x", $"a" = 1)) > 0')).toThrow(/Unexpected character "\$"/);
  });

  it("reports line and column of errors", () => {
    const cases: Array<[string, number, number, RegExp]> = [
      ["count(orders) >= ", 1, 18, /Expected a value/],
      ['count(orders) >= 2 and\n  foo("x")', 2, 3, /Unknown function "foo"/],
      ["count(orders within 30x)", 1, 23, /after a number/],
      ["count(orders within) > 1", 1, 20, /Expected a duration/],
      ['trait.city = "open', 1, 14, /Unterminated string/],
      ["count(orders) >= 2 @", 1, 20, /Unexpected character/],
    ];
    for (const [text, line, column, message] of cases) {
      try {
        parseRule(text);
        expect.unreachable(text);
      } catch (error: any) {
        expect(error.code).toBe("RULE_INVALID");
        expect(error.details).toMatchObject({ line, column });
        expect(error.details.reason).toMatch(message);
      }
    }
  });

  it("refuses deep nesting and very long rules", () => {
    expect(() => parseRule(`${"(".repeat(60)}true${")".repeat(60)}`)).toThrow(/nested deeper/);
    expect(() => parseRule(`count(orders) >= ${"1".repeat(20_000)}`)).toThrow(/longer than/);
    expect(() => parseRuleInput('{"type":"nope"}')).toThrow(/unknown node type/);
  });

  it("compiles one shared pass per fact and binds every rule value as a parameter", () => {
    const exprs = [EXAMPLES.views, EXAMPLES.beauty, EXAMPLES.dwell, EXAMPLES.spend, EXAMPLES.repeat].map(
      (text) => typed(parseRule(text), STORED_RULE_NAMES),
    );
    const compiled = compileRules(exprs, { asOf: T });
    const { sql: text, params } = compileSql(compiled.features);
    // One GROUP BY over events and one over counted orders, however many rules.
    expect(text.match(/group by e\.user_id/g)).toHaveLength(1);
    expect(text.match(/group by o\.user_id/g)).toHaveLength(1);
    expect(text).toContain("count(*) filter (where e.name = $");
    expect(text).toContain("sum(o.total_amount) filter (where o.placed_at > $");
    // Each property is projected once per event row, below the aggregates: category as text,
    // dwell_ms as a guarded numeric cast (which reads the text twice).
    expect(text.match(/e\.properties ->> \$\d+::text/g)).toHaveLength(3);
    expect(text).toContain("offset 0) e");
    // Window starts are bound constants: T − 365 days, T − 30 days.
    expect(params).toEqual(
      expect.arrayContaining([
        "product_view",
        "beauty",
        "2025-03-01T12:00:00.000Z",
        "2026-01-30T12:00:00.000Z",
      ]),
    );
    const hostile = typed(
      parseRule(`trait.city = "'; drop table users; --" and trait.name = "\\\\'"`),
      STORED_RULE_NAMES,
    );
    const where = compileSql(sql`${compileRules([hostile], { asOf: T }).expression(hostile)}`);
    expect(where.sql).not.toContain("drop table");
    expect(where.params).toContain("'; drop table users; --");
  });
});

describeEachDatabase("rule semantics", (db) => {
  let rules: RuleService;
  const matching = async (text: string, asOf = T) => {
    const preview = await rules.preview(text, asOf);
    expect(preview.errors).toEqual([]);
    return rules.sample(preview.checked!, asOf, 100);
  };

  beforeAll(async () => {
    await loadRuleFixture(db());
    rules = new RuleService(db());
    // has_tag / in_segment read current memberships: vip = {5}, high_value = {2}.
    await db().query(
      sql`insert into tags (key, name, category, kind, updated_by) values ('vip', 'VIP', 'TIER', 'MANUAL', 't')`,
    );
    await db().query(
      sql`insert into segments (key, name, kind, updated_by) values ('high_value', 'High', 'STATIC', 't')`,
    );
    await db().query(sql`insert into tag_members (tag_key, user_id) values ('vip', 5)`);
    await db().query(sql`insert into segment_members (segment_key, user_id) values ('high_value', 2)`);
  });

  it("matches each S6.1 example as worked out by hand", async () => {
    // u1 5 views, u3 4 (the one exactly 30d ago is outside), u4 5 (oldest 1s inside).
    expect(await matching(EXAMPLES.views)).toEqual([1, 4]);
    // u1 cart 2d ago, no orders; u3 cart exactly 7d ago (outside); u4 has an order 3d ago.
    expect(await matching(EXAMPLES.cartNoOrder)).toEqual([1]);
    // u2 400+500+200 = 1100 (o6 exactly 365d ago is outside, o4 cancelled); u5 2000.
    expect(await matching(EXAMPLES.spend)).toEqual([2, 5]);
    // u2 o1,o2,o3,o6 = 4 counted (o4 cancelled, o5 created); u5 2; u4 1.
    expect(await matching(EXAMPLES.repeat)).toEqual([2, 5]);
    // first seen 3d ago (u1) and 7d−1s ago (u4, has an order); u3 exactly 7d ago is outside.
    expect(await matching(EXAMPLES.newNoOrder)).toEqual([1]);
    expect(await matching(EXAMPLES.cities)).toEqual([1, 3]);
    // 25, 30, "18" inclusive; 31 and missing are out.
    expect(await matching(EXAMPLES.age)).toEqual([1, 2, 3]);
    expect(await matching(EXAMPLES.vipOrHigh)).toEqual([2, 5]);
    // u2: last counted order 95d ago, 3 in 365d; u5 last 10d ago.
    expect(await matching(EXAMPLES.lapsed)).toEqual([2]);
    // u1 3 beauty views, u4 5.
    expect(await matching(EXAMPLES.beauty)).toEqual([1, 4]);
    // u1 avg 10000; u3 20000; u4 has no dwell (null → false).
    expect(await matching(EXAMPLES.dwell)).toEqual([1]);
    // RFM (S7 table) as of T: u2 r1 f5 cannot_lose_them, u5 r3 f1 about_to_sleep, u4 r5 f1 new_customers.
    expect(await matching(EXAMPLES.rfm)).toEqual([]);
    expect(await matching('rfm.segment in ("new_customers", "cannot_lose_them")')).toEqual([2, 4]);
  });

  it("filters and reads $-prefixed event properties", async () => {
    expect(await matching('count(event("screen_view", $browser = "Chrome")) >= 2')).toEqual([1]);
    expect(await matching('last(event("screen_view").$browser) = "Safari"')).toEqual([3]);
    // u1's later view has no $current_url: last skips the missing value; u3 never had one.
    expect(await rules.evaluateForUser('last(event("screen_view").$current_url)', 1, T)).toBe(
      "https://shop.example/a",
    );
    expect(await rules.evaluateForUser('last(event("screen_view").$current_url)', 3, T)).toBeNull();
  });

  it("treats comparisons with null as false, also under not", async () => {
    // avg over nothing is null: u2, u4, u5 have no dwell; u3's avg is 20000.
    expect(await matching(`not (${EXAMPLES.dwell})`)).toEqual([2, 3, 4, 5]);
    expect(await matching('last(event("page_view").utm_source) = "baidu"')).toEqual([1]);
    expect(await matching('not (last(event("page_view").utm_source) = "baidu")')).toEqual([2, 3, 4, 5]);
    // count and sum over nothing are 0.
    expect(await matching("count(orders within 7d) = 0 and sum(orders.total within 7d) = 0")).toEqual([
      1, 2, 3, 5,
    ]);
  });

  it("back-tests as of an earlier time", async () => {
    // 160 days before T: u2 has o1 (200d) and o6 (365d); u5 only o9 (400d).
    expect(await matching(EXAMPLES.repeat, ago(160))).toEqual([2]);
  });

  it("computes value rules for one user: most_frequent ties, last, sums, days_since rounded down", async () => {
    const mostFrequent = 'most_frequent(event("product_view").category within 90d)';
    // u1 beauty 3 vs books 2; u3 shoes 2, bags 2, toys 1 → tie → bags.
    expect(await rules.evaluateForUser(mostFrequent, 1, T)).toBe("beauty");
    expect(await rules.evaluateForUser(mostFrequent, 3, T)).toBe("bags");
    expect(await rules.evaluateForUser(mostFrequent, 5, T)).toBeNull();
    expect(await rules.evaluateForUser('last(event("page_view").utm_source)', 1, T)).toBe("baidu");
    expect(Number(await rules.evaluateForUser("sum(orders.total within 365d)", 2, T))).toBe(1100);
    expect(Number(await rules.evaluateForUser("sum(orders.total within 365d)", 1, T))).toBe(0);
    expect(await rules.evaluateForUser("count(orders within 90d)", 4, T)).toBe("1");
    // u4's order was 2 days 23 hours before T → 2.
    expect(await rules.evaluateForUser("days_since(last(orders.placed_at))", 4, T)).toBe("2");
    expect(await rules.evaluateForUser("days_since(last(orders.placed_at))", 1, T)).toBeNull();
    expect(await rules.evaluateForUser(EXAMPLES.views, 4, T)).toBe(true);
    expect(await rules.evaluateForUser(EXAMPLES.views, 3, T)).toBe(false);
  });

  it("rejects unknown names and wrong types at definition time", async () => {
    const cases: Array<[string, RegExp]> = [
      ["trait.shoe_size = 42", /Unknown trait "shoe_size"/],
      ['has_tag("nope")', /Unknown tag "nope"/],
      ['in_segment("nope")', /Unknown segment "nope"/],
      ["sum(orders.status) > 3", /numeric field/],
      ["count(orders.colour) > 1", /Unknown order field/],
      ['trait.city > "a" and user.first_seen = 3', /Cannot compare timestamp with number/],
      ['rfm.segment in ("champs")', /Unknown RFM segment/],
      ["count(orders)", /must be a condition/],
    ];
    for (const [text, message] of cases) {
      await expect(rules.check(text, "boolean")).rejects.toMatchObject({
        code: "RULE_INVALID",
        message: expect.stringMatching(message),
      });
    }
    const preview = await rules.preview("count(orders) >=");
    expect(preview).toMatchObject({ valid: false, errors: [{ line: 1, column: 17 }] });
  });
});
