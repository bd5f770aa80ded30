import "reflect-metadata";
import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { AssociationRulesService } from "../../src/personalisation/association-rules";
import { describeEachDatabase } from "../helpers/db";
import { GROCERIES_DAY, insertGroceries } from "../helpers/groceries";

/**
 * Groceries (arules; 9,835 baskets, 169 items), each line one counted order of unit items.
 * Published result (Lantz, Machine Learning with R, ch. 8):
 * `apriori(groceries, parameter = list(support = 0.006, confidence = 0.25, minlen = 2))` finds
 * 463 rules, of lengths 2: 150, 3: 297, 4: 16, and `inspect(sort(groceryrules, by = "lift")[1:5])`:
 *
 *   {herbs} => {root vegetables}                                   0.007015760 0.4312500 3.956477  (count 69)
 *   {berries} => {whipped/sour cream}                              0.009049314 0.2721713 3.796886
 *   {other vegetables, tropical fruit, whole milk} => {root vegetables} 0.007015760 0.4107143 3.768074
 *   {beef, other vegetables} => {root vegetables}                  0.007930859 0.4020619 3.688692
 *   {other vegetables, tropical fruit} => {pip fruit}              0.009456024 0.2634561 3.482649
 */
describeEachDatabase("associationRules on Groceries", (db) => {
  let service: AssociationRulesService;
  beforeAll(async () => {
    expect(await insertGroceries(db())).toBe(9835);
    await db().query(sql`analyze`);
    service = new AssociationRulesService(db(), "UTC");
  }, 120_000);

  const groceryRules = (maxLength?: number) =>
    service.associationRules({
      minSupport: 0.006,
      minConfidence: 0.25,
      minLength: 2,
      maxLength,
      timeRange: GROCERIES_DAY,
      first: 1000,
    });

  it("finds the 463 published rules; the top five by lift as published", async () => {
    const result = await groceryRules();
    expect(result.transactions).toBe(9835);
    expect(result.totalRules).toBe(463);
    expect(result.rules).toHaveLength(463);
    const lengths: Record<number, number> = {};
    for (const rule of result.rules) lengths[rule.lhs.length + 1] = (lengths[rule.lhs.length + 1] ?? 0) + 1;
    expect(lengths).toEqual({ 2: 150, 3: 297, 4: 16 });
    const published = [
      [["herbs"], "root vegetables", 0.00701576, 0.43125, 3.956477],
      [["berries"], "whipped/sour cream", 0.009049314, 0.2721713, 3.796886],
      [
        ["other vegetables", "tropical fruit", "whole milk"],
        "root vegetables",
        0.00701576,
        0.4107143,
        3.768074,
      ],
      [["beef", "other vegetables"], "root vegetables", 0.007930859, 0.4020619, 3.688692],
      [["other vegetables", "tropical fruit"], "pip fruit", 0.009456024, 0.2634561, 3.482649],
    ] as const;
    result.rules.slice(0, 5).forEach((rule, k) => {
      const [lhs, rhs, support, confidence, lift] = published[k];
      expect(rule.lhs, `rule ${k + 1}`).toEqual(lhs);
      expect(rule.rhs, `rule ${k + 1}`).toBe(rhs);
      expect(rule.support, `rule ${k + 1}`).toBeCloseTo(support, 8);
      expect(rule.confidence, `rule ${k + 1}`).toBeCloseTo(confidence, 6);
      expect(rule.lift, `rule ${k + 1}`).toBeCloseTo(lift, 5);
    });
    expect(result.rules[0].count).toBe(69);
  });

  it("gives the same 463 with arules' default maxlen of 10", async () => {
    const result = await groceryRules(10);
    expect(result.totalRules).toBe(463);
    expect(result.rules[0]).toMatchObject({ lhs: ["herbs"], rhs: "root vegetables", count: 69 });
  });
});
