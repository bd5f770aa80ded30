import "reflect-metadata";
import { sql } from "drizzle-orm";
import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssociationRulesDocument } from "../../src/client/generated";
import type { Database } from "../../src/db/client";
import { StratumError } from "../../src/errors";
import {
  type AssociationRulesInput,
  AssociationRulesService,
} from "../../src/personalisation/association-rules";
import { type AssociationRulesDefinition, compileAssociationRules } from "../../src/semantic/baskets";
import { compileSql } from "../../src/semantic/sql";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

/**
 * The five transactions of Tan, Steinbach & Kumar's market basket example (Introduction to
 * Data Mining, ch. 6), one counted order each of customers 1–5, all in March 2026 (UTC):
 *
 *   T1 bread, milk                     T4 bread, milk, diapers, beer
 *   T2 bread, diapers, beer, eggs      T5 bread, milk, diapers, cola   (placed on 2026-03-05)
 *   T3 milk, diapers, beer, cola
 *
 * Item counts: bread 4 (T1 T2 T4 T5), milk 4 (T1 T3 T4 T5), diapers 4 (T2–T5), beer 3 (T2–T4),
 * cola 2 (T3 T5), eggs 1 (T2). A cancelled order of customer 6 (bread, milk, beer) is not a basket.
 * Categories: bread bakery, milk and eggs dairy, diapers baby, beer and cola drinks.
 */
const BASKETS: Array<[order: string, user: number, placedAt: string, status: string, items: string[]]> = [
  ["T1", 1, "2026-03-02T10:00:00Z", "paid", ["bread", "milk"]],
  ["T2", 2, "2026-03-02T11:00:00Z", "completed", ["bread", "diapers", "beer", "eggs"]],
  ["T3", 3, "2026-03-02T12:00:00Z", "shipped", ["milk", "diapers", "beer", "cola"]],
  ["T4", 4, "2026-03-02T13:00:00Z", "paid", ["bread", "milk", "diapers", "beer"]],
  ["T5", 5, "2026-03-05T10:00:00Z", "paid", ["bread", "milk", "diapers", "cola"]],
  ["X6", 6, "2026-03-02T14:00:00Z", "cancelled", ["bread", "milk", "beer"]],
];
const CATEGORY: Record<string, string> = {
  bread: "bakery",
  milk: "dairy",
  eggs: "dairy",
  diapers: "baby",
  beer: "drinks",
  cola: "drinks",
};
const MARCH = { from: "2026-03-01", to: "2026-04-01" };

async function insertFixture(db: Database): Promise<void> {
  for (const [id, category] of Object.entries(CATEGORY)) {
    await db.query(
      sql`insert into products (id, name, category, price) values (${id}, ${id}, ${category}, 1)`,
    );
  }
  for (const [order, user, placedAt, status, items] of BASKETS) {
    await db.query(sql`insert into users (id) values (${user})`);
    await db.query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted)
      values (${order}, ${user}, ${placedAt}, ${status}, ${items.length}, ${status !== "cancelled"})`);
    for (const [k, item] of items.entries()) {
      await db.query(sql`insert into order_items (order_id, line_no, user_id, product_id, quantity, unit_price)
        values (${order}, ${k + 1}, ${user}, ${item}, 1, 1)`);
    }
  }
  // A static segment of customers 1–3 (T1–T3).
  await db.query(
    sql`insert into segments (key, name, kind, updated_by) values ('first_three', 'First three', 'STATIC', 'test')`,
  );
  await db.query(
    sql`insert into segment_members (segment_key, user_id) select 'first_three', generate_series(1, 3)`,
  );
}

/** A rule as the service returns it; the ratios to 12 decimals (they are float8 quotients). */
const rule = (
  lhs: string[],
  rhs: string,
  count: number,
  support: number,
  confidence: number,
  lift: number,
) => ({
  lhs,
  rhs,
  count,
  support: expect.closeTo(support, 12),
  confidence: expect.closeTo(confidence, 12),
  lift: expect.closeTo(lift, 12),
});

const definition = (overrides: Partial<AssociationRulesDefinition> = {}): AssociationRulesDefinition => ({
  level: "PRODUCT",
  timeRange: MARCH,
  timezone: "UTC",
  minSupport: 0.6,
  minConfidence: 0.75,
  minLength: 2,
  maxLength: 4,
  orderBy: "LIFT",
  first: 100,
  ...overrides,
});

describe("associationRules: the compiled statement", () => {
  it("is one statement, one block of CTEs per level up to maxLength, values bound as parameters", () => {
    const { sql: text, params } = compileSql(
      compileAssociationRules(definition({ maxLength: 3, rhs: "milk", segment: "first_three" })),
    );
    expect(text.match(/;/g)).toBeNull();
    // Level 2 extends each basket's items without a lookup; level 3 generates pruned candidates.
    expect(text).toContain(`hits_2 as (
  select o.basket, o.weight, o.items || x.id as items
  from occurrences_1 o cross join unnest(o.basket) x(id)
  where x.id > o.items[1])`);
    expect(text).toContain(`candidates_3 as (
  select c.items
  from (select a.items || b.items[2] as items
    from itemsets_2 a join itemsets_2 b
      on a.items[1:1] = b.items[1:1] and a.items[2] < b.items[2]) c
  cross join generate_series(1, 1) j
  where (c.items[1:j - 1] || c.items[j + 1:] in (select items from itemsets_2)) is true
  group by c.items
  having count(*) = 1)`);
    expect(text).toContain(
      "where x.id > o.items[2] and (o.items || x.id in (select items from candidates_3)) is true)",
    );
    expect(text).not.toContain("itemsets_4");
    expect(text).not.toContain("occurrences_3");
    expect(text).toContain("sm.segment_key = $");
    expect(text).toContain("and it.labels[c.rhs] = $");
    expect(text).not.toContain("milk");
    expect(text).not.toContain("first_three");
    expect(params).toEqual(expect.arrayContaining([0.6, 0.75, "milk", "first_three", 100]));
  });

  it("with maxLength 1 has no level blocks and reads the rules {} → {item} off the items", () => {
    const { sql: text } = compileSql(compileAssociationRules(definition({ minLength: 1, maxLength: 1 })));
    expect(text).not.toContain("hits_");
    expect(text).toContain("select '{}'::int[] as items, transactions as count from totals");
  });

  const refusals: Array<[string, Partial<AssociationRulesDefinition>, string, string]> = [
    ["support 0", { minSupport: 0 }, "minSupport", "BAD_USER_INPUT"],
    ["support above 1", { minSupport: 1.5 }, "minSupport", "BAD_USER_INPUT"],
    ["support NaN", { minSupport: Number.NaN }, "minSupport", "BAD_USER_INPUT"],
    ["negative confidence", { minConfidence: -0.1 }, "minConfidence", "BAD_USER_INPUT"],
    ["confidence above 1", { minConfidence: 1.01 }, "minConfidence", "BAD_USER_INPUT"],
    ["minLength 0", { minLength: 0 }, "minLength", "BAD_USER_INPUT"],
    ["minLength > maxLength", { minLength: 3, maxLength: 2 }, "minLength", "BAD_USER_INPUT"],
    ["maxLength over the cap", { maxLength: 11 }, "maxLength", "BAD_USER_INPUT"],
    ["fractional maxLength", { maxLength: 2.5 }, "maxLength", "BAD_USER_INPUT"],
    ["negative first", { first: -1 }, "first", "BAD_USER_INPUT"],
    ["first over 1000", { first: 1001 }, "first", "LIMIT_EXCEEDED"],
    ["empty rhs", { rhs: "" }, "rhs", "BAD_USER_INPUT"],
  ];
  it.each(refusals)("refuses %s before any SQL, naming the argument", (_name, overrides, argument, code) => {
    let error: unknown;
    try {
      compileAssociationRules(definition(overrides));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StratumError);
    expect((error as StratumError).code).toBe(code);
    expect((error as StratumError).details.argument).toBe(argument);
  });
});

describeEachDatabase("associationRules on the five-basket example", (db) => {
  let service: AssociationRulesService;
  let api: TestApi;
  beforeAll(async () => {
    await insertFixture(db());
    service = new AssociationRulesService(db(), "UTC");
    api = await startTestApi(db(), { STRATUM_TIMEZONE: "UTC" });
  });
  afterAll(() => api?.close());

  const ask = (input: Partial<AssociationRulesInput>) =>
    service.associationRules({ minSupport: 0.6, minConfidence: 0.75, timeRange: MARCH, ...input });

  it("support 0.6 (≥ 3 of 5 baskets), confidence 0.75: the eight rules of the four frequent pairs", async () => {
    // Frequent pairs (count ≥ 3): beer+diapers 3 (T2 T3 T4), bread+diapers 3 (T2 T4 T5),
    // bread+milk 3 (T1 T4 T5), diapers+milk 3 (T3 T4 T5); bread+beer and milk+beer are 2.
    // The one triple candidate, bread+diapers+milk, is in T4 and T5 only: not frequent.
    // beer → diapers: 3/3 = 1, lift 1 / (4/5) = 1.25; diapers → beer: 3/4, lift 0.75 / (3/5) = 1.25;
    // the six rules between bread, diapers and milk: 3/4, lift 0.75 / (4/5) = 0.9375.
    const result = await ask({});
    expect(result.transactions).toBe(5);
    expect(result.totalRules).toBe(8);
    expect(result.rules).toEqual([
      rule(["beer"], "diapers", 3, 0.6, 1, 1.25),
      rule(["diapers"], "beer", 3, 0.6, 0.75, 1.25),
      rule(["bread"], "diapers", 3, 0.6, 0.75, 0.9375),
      rule(["bread"], "milk", 3, 0.6, 0.75, 0.9375),
      rule(["diapers"], "bread", 3, 0.6, 0.75, 0.9375),
      rule(["diapers"], "milk", 3, 0.6, 0.75, 0.9375),
      rule(["milk"], "bread", 3, 0.6, 0.75, 0.9375),
      rule(["milk"], "diapers", 3, 0.6, 0.75, 0.9375),
    ]);
    expect(result.sql).toContain("with basket_items as (");
    expect(result.sqlInlined).not.toContain("$1");
  });

  it("confidence 0.8 keeps only beer → diapers; first 0 still counts the rules", async () => {
    expect((await ask({ minConfidence: 0.8 })).rules).toEqual([rule(["beer"], "diapers", 3, 0.6, 1, 1.25)]);
    const none = await ask({ first: 0 });
    expect(none).toMatchObject({ transactions: 5, totalRules: 8, rules: [] });
  });

  it("support 0.4 (≥ 2), confidence 1: rules of up to three items, by support", async () => {
    // Frequent items: bread 4, milk 4, diapers 4, beer 3, cola 2 (eggs 1 is not).
    // Pairs ≥ 2: beer+bread, beer+diapers, beer+milk, bread+diapers, bread+milk, cola+diapers,
    // cola+milk, diapers+milk. Triples ≥ 2: beer+bread+diapers (T2 T4), beer+diapers+milk (T3 T4),
    // bread+diapers+milk (T4 T5), cola+diapers+milk (T3 T5); beer+bread+milk is in T4 only.
    // Confidence 1 (lhs count = rule count): beer → diapers 3/3; cola → diapers 2/2, cola → milk 2/2;
    // beer+bread → diapers 2/2, beer+milk → diapers 2/2, cola+diapers → milk 2/2, cola+milk → diapers 2/2.
    // Every rhs is diapers (4/5) or milk (4/5): lift 1 / 0.8 = 1.25. Ties by lhs, then rhs.
    const result = await ask({ minSupport: 0.4, minConfidence: 1, orderBy: "SUPPORT" as const });
    expect(result.totalRules).toBe(7);
    expect(result.rules).toEqual([
      rule(["beer"], "diapers", 3, 0.6, 1, 1.25),
      rule(["beer", "bread"], "diapers", 2, 0.4, 1, 1.25),
      rule(["beer", "milk"], "diapers", 2, 0.4, 1, 1.25),
      rule(["cola"], "diapers", 2, 0.4, 1, 1.25),
      rule(["cola"], "milk", 2, 0.4, 1, 1.25),
      rule(["cola", "diapers"], "milk", 2, 0.4, 1, 1.25),
      rule(["cola", "milk"], "diapers", 2, 0.4, 1, 1.25),
    ]);
    // maxLength 2 leaves the three pair rules; rhs milk the two rules ending in milk.
    expect((await ask({ minSupport: 0.4, minConfidence: 1, maxLength: 2 })).totalRules).toBe(3);
    const milk = await ask({ minSupport: 0.4, minConfidence: 1, rhs: "milk", orderBy: "SUPPORT" as const });
    expect(milk.rules.map((r) => [r.lhs, r.rhs])).toEqual([
      [["cola"], "milk"],
      [["cola", "diapers"], "milk"],
    ]);
    // minLength 3: only the three-item rules.
    expect((await ask({ minSupport: 0.4, minConfidence: 1, minLength: 3 })).totalRules).toBe(4);
  });

  it("minLength 1 adds {} → {item}: confidence = support, lift 1", async () => {
    // bread, milk and diapers have support 4/5 ≥ 0.75; beer's 3/5 is below the confidence.
    const result = await ask({ minLength: 1, maxLength: 1, orderBy: "SUPPORT" as const });
    expect(result.rules).toEqual([
      rule([], "bread", 4, 0.8, 0.8, 1),
      rule([], "diapers", 4, 0.8, 0.8, 1),
      rule([], "milk", 4, 0.8, 0.8, 1),
    ]);
  });

  it("CATEGORY level: the categories of each basket", async () => {
    // T1 bakery dairy; T2 bakery baby drinks dairy; T3 dairy baby drinks; T4 and T5 all four.
    // Counts: dairy 5, bakery 4, baby 4, drinks 4. Support 0.8 (≥ 4): pairs bakery+dairy,
    // baby+dairy, dairy+drinks, baby+drinks (4 each; bakery+baby and bakery+drinks are 3);
    // triple baby+dairy+drinks 4 (T2–T5). Confidence ≥ 0.9 keeps 8 rules; lift 1.25 for a drinks
    // or baby rhs (1 / (4/5)), 1 for dairy (1 / (5/5)); x → dairy rules have confidence 1, dairy →
    // x only 4/5.
    const result = await ask({ level: "CATEGORY" as const, minSupport: 0.8, minConfidence: 0.9, first: 4 });
    expect(result.transactions).toBe(5);
    expect(result.totalRules).toBe(8);
    expect(result.rules).toEqual([
      rule(["baby"], "drinks", 4, 0.8, 1, 1.25),
      rule(["baby", "dairy"], "drinks", 4, 0.8, 1, 1.25),
      rule(["dairy", "drinks"], "baby", 4, 0.8, 1, 1.25),
      rule(["drinks"], "baby", 4, 0.8, 1, 1.25),
    ]);
  });

  it("counts only the range's orders and the segment's members", async () => {
    // Up to 2026-03-03, T1–T4: bread 3, milk 3, diapers 3, beer 3; only beer+diapers is in 3 of 4.
    // beer → diapers and diapers → beer: confidence 3/3, lift 1 / (3/4) = 4/3.
    const early = await ask({ minSupport: 0.75, timeRange: { from: "2026-03-01", to: "2026-03-03" } });
    expect(early.transactions).toBe(4);
    expect(early.rules).toEqual([
      rule(["beer"], "diapers", 3, 0.75, 1, 4 / 3),
      rule(["diapers"], "beer", 3, 0.75, 1, 4 / 3),
    ]);
    // Customers 1–3 (T1–T3), support 0.6 of 3 → ≥ 2 baskets: only beer+diapers (T2 T3);
    // confidence 2/2, lift 1 / (2/3) = 1.5.
    const segment = await ask({ segment: "first_three" });
    expect(segment.transactions).toBe(3);
    expect(segment.rules).toEqual([
      rule(["beer"], "diapers", 2, 2 / 3, 1, 1.5),
      rule(["diapers"], "beer", 2, 2 / 3, 1, 1.5),
    ]);
  });

  it("an unknown segment is BAD_USER_INPUT with the closest keys", async () => {
    await expect(ask({ segment: "first_tree" })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { argument: "segment", suggestions: ["first_three"] },
    });
  });

  it("answers the typed client's document through GraphQL, with the defaults of the schema", async () => {
    const answer = await api.gql(print(AssociationRulesDocument), {
      input: { minSupport: 0.6, minConfidence: 0.8, timeRange: MARCH },
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.associationRules).toMatchObject({
      transactions: 5,
      totalRules: 1,
      rules: [{ lhs: ["beer"], rhs: "diapers", count: 3, support: 0.6, confidence: 1, lift: 1.25 }],
    });
  });

  it("refuses bad input through GraphQL with coded errors", async () => {
    const codeOf = async (input: string) => {
      const answer = await api.gql(`{ associationRules(input: { ${input},
          timeRange: { from: "2026-03-01", to: "2026-04-01" } }) { totalRules } }`);
      return [answer.errors?.[0]?.extensions?.code, answer.errors?.[0]?.extensions?.argument];
    };
    expect(await codeOf("minSupport: 0, minConfidence: 0.5")).toEqual(["BAD_USER_INPUT", "minSupport"]);
    expect(await codeOf("minSupport: 0.1, minConfidence: 2")).toEqual(["BAD_USER_INPUT", "minConfidence"]);
    expect(await codeOf("minSupport: 0.1, minConfidence: 0.5, minLength: 4, maxLength: 3")).toEqual([
      "BAD_USER_INPUT",
      "minLength",
    ]);
    expect(await codeOf("minSupport: 0.1, minConfidence: 0.5, maxLength: 50")).toEqual([
      "BAD_USER_INPUT",
      "maxLength",
    ]);
    expect(await codeOf('minSupport: 0.1, minConfidence: 0.5, segment: "nobody"')).toEqual([
      "BAD_USER_INPUT",
      "segment",
    ]);
  });
});
