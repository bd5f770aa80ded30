import { badInput } from "../errors";
import type { FilterCondition, MetricFilter } from "../semantic/metrics/query";
import { DIMENSIONS } from "./dimensions";

/**
 * The client-facing filter shape (GraphQL `MetricFilterInput`, the CSV export's `where`
 * JSON): one key per dimension field holding conditions, membership filters with a key,
 * and `and` / `or` / `not`. Several keys in one object must all hold.
 */
export interface MembershipFilterShape {
  key: string;
  /** true (default): members only; false: non-members only. */
  member?: boolean | null;
}

export interface KeyedConditionShape extends FilterCondition {
  key: string;
}

export type MetricFilterShape = {
  and?: MetricFilterShape[] | null;
  or?: MetricFilterShape[] | null;
  not?: MetricFilterShape | null;
  hasTag?: MembershipFilterShape | null;
  inSegment?: MembershipFilterShape | null;
  tagValue?: KeyedConditionShape | null;
} & Record<string, unknown>;

const PLAIN_BY_FIELD = new Map(DIMENSIONS.filter((d) => !d.parametrised).map((d) => [d.field, d.key]));
const OPERATORS = ["eq", "in", "notIn", "gt", "gte", "lt", "lte", "contains", "isNull"] as const;

function condition(value: unknown, path: string): FilterCondition {
  if (!value || typeof value !== "object")
    throw badInput(`${path} must be an object of conditions`, { argument: path });
  const out: FilterCondition = {};
  for (const [operator, operand] of Object.entries(value)) {
    if (operator === "key") continue;
    if (!(OPERATORS as readonly string[]).includes(operator)) {
      throw badInput(`${path}.${operator} is not a condition; use ${OPERATORS.join(", ")}`, {
        argument: path,
      });
    }
    if (operand === null || operand === undefined) continue;
    (out as Record<string, unknown>)[operator] = operand;
  }
  return out;
}

/** Turns the client shape into the query IR, naming the offending path on error. */
export function toMetricFilter(shape: MetricFilterShape, path = "where"): MetricFilter {
  if (!shape || typeof shape !== "object" || Array.isArray(shape)) {
    throw badInput(`${path} must be an object`, { argument: path });
  }
  const parts: MetricFilter[] = [];
  for (const [field, value] of Object.entries(shape)) {
    if (value === null || value === undefined) continue;
    const here = `${path}.${field}`;
    if (field === "and" || field === "or") {
      if (!Array.isArray(value)) throw badInput(`${here} must be a list`, { argument: here });
      const list = value.map((item, i) => toMetricFilter(item as MetricFilterShape, `${here}[${i}]`));
      parts.push(field === "and" ? { and: list } : { or: list });
    } else if (field === "not") {
      parts.push({ not: toMetricFilter(value as MetricFilterShape, here) });
    } else if (field === "hasTag" || field === "inSegment") {
      const membership = value as MembershipFilterShape;
      if (typeof membership.key !== "string" || !membership.key)
        throw badInput(`${here}.key is required`, { argument: here });
      parts.push({
        dimension: { key: field === "hasTag" ? "has_tag" : "in_segment", arg: membership.key },
        condition: { eq: membership.member === false ? "false" : "true" },
      });
    } else if (field === "tagValue") {
      const keyed = value as KeyedConditionShape;
      if (typeof keyed.key !== "string" || !keyed.key)
        throw badInput(`${here}.key is required`, { argument: here });
      parts.push({ dimension: { key: "tag_value", arg: keyed.key }, condition: condition(value, here) });
    } else {
      const key = PLAIN_BY_FIELD.get(field);
      if (!key) {
        throw badInput(`${here} is not a dimension; use one of ${[...PLAIN_BY_FIELD.keys()].join(", ")}`, {
          argument: here,
        });
      }
      parts.push({ dimension: { key }, condition: condition(value, here) });
    }
  }
  return parts.length === 1 ? parts[0] : { and: parts };
}
