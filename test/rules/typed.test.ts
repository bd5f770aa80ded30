import { describe, expect, it } from "vitest";
import { children, type Expr } from "../../src/rules/ast";
import { checkRule, type RuleEnvironment, STORED_RULE_NAMES, typed } from "../../src/rules/checker";

const env: RuleEnvironment = {
  extraTraits: new Set(["vip"]),
  tags: new Set(["loyal"]),
  segments: new Set(),
  campaigns: new Set(),
};
const orders: Expr = { type: "aggregate", fn: "count", source: { fact: "orders" } };
const two: Expr = { type: "literal", value: 2 };

describe("children", () => {
  it("lists the direct subexpressions of every node kind, left to right", () => {
    const city: Expr = { type: "trait", name: "city" };
    const seen: Expr = { type: "user", field: "first_seen" };
    const compare: Expr = { type: "compare", op: ">=", left: orders, right: two };
    expect(children(compare)).toEqual([orders, two]);
    expect(children({ type: "and", left: compare, right: city })).toEqual([compare, city]);
    expect(children({ type: "not", arg: compare })).toEqual([compare]);
    expect(children({ type: "days_since", arg: seen })).toEqual([seen]);
    expect(children({ type: "in", value: city, list: ["x"] })).toEqual([city]);
    expect(children({ type: "within", value: seen, days: 7 })).toEqual([seen]);
    expect(children({ type: "between", value: orders, low: two, high: city })).toEqual([orders, two, city]);
    for (const leaf of [orders, two, city, seen, { type: "has_tag", key: "loyal" } as Expr]) {
      expect(children(leaf)).toEqual([]);
    }
  });
});

describe("typed AST", () => {
  it("annotates every node of a condition with its type", () => {
    const rule: Expr = {
      type: "and",
      left: { type: "compare", op: ">=", left: orders, right: two },
      right: { type: "has_tag", key: "loyal" },
    };
    expect(checkRule(rule, "boolean", env)).toEqual({
      type: "and",
      valueType: "boolean",
      left: {
        type: "compare",
        op: ">=",
        valueType: "boolean",
        left: { type: "aggregate", fn: "count", source: { fact: "orders" }, valueType: "number" },
        right: { type: "literal", value: 2, valueType: "number" },
      },
      right: { type: "has_tag", key: "loyal", valueType: "boolean" },
    });
  });

  it("types a value rule's operands: a time, a trait of unknown type, a days count", () => {
    const last: Expr = { type: "aggregate", fn: "last", source: { fact: "orders", field: "placed_at" } };
    expect(checkRule(last, "value", env).valueType).toBe("timestamp");
    const days = checkRule({ type: "days_since", arg: last }, "value", env);
    expect(days).toEqual({
      type: "days_since",
      valueType: "number",
      arg: { ...last, valueType: "timestamp" },
    });
    const vip = checkRule(
      {
        type: "compare",
        op: "=",
        left: { type: "trait", name: "vip" },
        right: { type: "literal", value: true },
      },
      "boolean",
      env,
    );
    expect(vip).toMatchObject({
      valueType: "boolean",
      left: { valueType: "any" },
      right: { valueType: "boolean" },
    });
  });

  it("types stored rules without refusing names that have gone since", () => {
    const gone: Expr = { type: "has_tag", key: "archived" };
    expect(() => checkRule(gone, "boolean", env)).toThrow(/Unknown tag "archived"/);
    expect(typed(gone, STORED_RULE_NAMES)).toEqual({ ...gone, valueType: "boolean" });
    // A window refused when checked is left to the refresh, which reports what it cannot evaluate.
    const wide: Expr = { type: "aggregate", fn: "count", source: { fact: "orders", withinDays: 3_000_000 } };
    expect(() => checkRule(wide, "value", env)).toThrow(/A window must be/);
    expect(typed(wide, STORED_RULE_NAMES).valueType).toBe("number");
    // Types are still checked.
    expect(() => typed({ type: "not", arg: two }, STORED_RULE_NAMES)).toThrow(/"not" needs a condition/);
  });
});
