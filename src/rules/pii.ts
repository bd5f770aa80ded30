import { sql } from "drizzle-orm";
import { maskPiiValue, type PiiPolicy } from "../access/pii";
import type { Database } from "../db/client";
import type { Expr, Literal } from "./ast";
import { referencedKeys } from "./checker";
import { printRule } from "./json";
import { parseRuleInput } from "./service";

/**
 * Active VALUE tags whose rule reads a PII trait or event property: their values are PII,
 * so they are masked, and filtering or grouping by them needs `read_pii`. Decided from
 * the stored rule under the current policy, so a changed declaration applies at once.
 */
export async function piiValueTags(db: Database, policy: PiiPolicy): Promise<Set<string>> {
  const rows = await db.query<{ key: string; rule: string }>(sql`
    select key, rule from tags where kind = 'VALUE' and status = 'ACTIVE' and rule is not null`);
  const keys = new Set<string>();
  for (const row of rows) {
    const read = referencedKeys(parseRuleInput(row.rule).expr);
    if (
      read.traits.some((key) => policy.isPiiTrait(key)) ||
      read.eventProperties.some((key) => policy.isPiiEventProperty(key))
    )
      keys.add(row.key);
  }
  return keys;
}

/**
 * A rule as a principal without read_pii may read it: every literal compared with a PII
 * operand (a PII trait, a PII event property, an aggregate of one) is masked like the
 * value itself (`trait.email = "j***@example.com"`). A rule without such literals is
 * returned as written; one that no longer parses is shown as it is stored.
 */
export function maskRuleLiterals(rule: string, policy: PiiPolicy): string {
  let expr: Expr;
  try {
    expr = parseRuleInput(rule).expr;
  } catch {
    return rule;
  }
  let masked = false;
  const literal = (value: Literal): Literal => {
    if (value === null || typeof value === "boolean") return value;
    masked = true;
    return typeof value === "string" ? maskPiiValue(value) : "***";
  };
  const isPii = (node: Expr): boolean =>
    (node.type === "trait" && policy.isPiiTrait(node.name)) ||
    (node.type === "aggregate" &&
      node.source.fact === "event" &&
      node.source.field !== undefined &&
      policy.isPiiEventProperty(node.source.field));
  const maskedIf = (node: Expr, pii: boolean): Expr =>
    pii && node.type === "literal" ? { ...node, value: literal(node.value) } : visit(node);
  const visit = (node: Expr): Expr => {
    switch (node.type) {
      case "compare": {
        const pii = isPii(node.left) || isPii(node.right);
        return { ...node, left: maskedIf(node.left, pii), right: maskedIf(node.right, pii) };
      }
      case "in":
        return isPii(node.value)
          ? { ...node, list: node.list.map(literal) }
          : { ...node, value: visit(node.value) };
      case "between": {
        const pii = isPii(node.value);
        return {
          ...node,
          value: visit(node.value),
          low: maskedIf(node.low, pii),
          high: maskedIf(node.high, pii),
        };
      }
      case "and":
      case "or":
        return { ...node, left: visit(node.left), right: visit(node.right) };
      case "not":
      case "days_since":
        return { ...node, arg: visit(node.arg) };
      case "within":
        return { ...node, value: visit(node.value) };
      case "aggregate":
        if (node.source.fact !== "event") return node;
        return {
          ...node,
          source: {
            ...node.source,
            filters: node.source.filters.map((filter) =>
              policy.isPiiEventProperty(filter.property)
                ? { ...filter, value: literal(filter.value) }
                : filter,
            ),
          },
        };
      default:
        return node;
    }
  };
  const result = visit(expr);
  return masked ? printRule(result) : rule;
}
