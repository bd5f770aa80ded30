import { CAMPAIGN_PROPERTY } from "../semantic/campaigns";
import { RFM_SEGMENTS } from "../semantic/rfm";
import {
  type AggregateFn,
  children,
  type Expr,
  type ExprType,
  type Position,
  type Source,
  type TypedExpr,
} from "./ast";
import {
  EVENT_COLUMNS,
  KNOWN_EVENT_PROPERTIES,
  KNOWN_TRAITS,
  MAX_WINDOW_DAYS,
  ORDER_FIELDS,
  PREDICTION_FIELDS,
  RISK_BANDS,
  SEND_TIME_FIELDS,
  USER_FIELDS,
} from "./catalog";
import { ruleInvalid } from "./errors";

/** What a rule may refer to, gathered by the service before checking (the checker does no I/O). */
export interface RuleEnvironment {
  /** Trait keys beyond `KNOWN_TRAITS` that some profile has. */
  extraTraits: NameSet;
  /** Active tag keys and active segment keys. */
  tags: NameSet;
  segments: NameSet;
  /** Active campaign keys (`in_campaign`, `received_campaign`). */
  campaigns: NameSet;
  /**
   * A rule already stored: it was checked when it was stored, so only its types are computed
   * again; names, windows and listed values are not refused (a refresh evaluates it as it
   * always did, and what the database cannot evaluate is reported by the refresh).
   */
  stored?: boolean;
}

type NameSet = Pick<ReadonlySet<string>, "has">;
const everyName: NameSet = { has: () => true };

/**
 * For rules already stored (a refresh types them again for the compiler): a name gone since
 * must not stop a refresh (`has_tag` of an archived tag is simply false), so every name is
 * accepted, and only types are checked.
 */
export const STORED_RULE_NAMES: RuleEnvironment = {
  extraTraits: everyName,
  tags: everyName,
  segments: everyName,
  campaigns: everyName,
  stored: true,
};

/** RULE tags and segments need a boolean rule; VALUE tags a number, text or time. */
export type RulePurpose = "boolean" | "value";

const isNumeric = (type: ExprType) => type === "number" || type === "any" || type === "null";

function compatible(a: ExprType, b: ExprType): boolean {
  if (a === "null" || b === "null" || a === b) return true;
  if (a === "any") return b === "number" || b === "text" || b === "boolean";
  if (b === "any") return a === "number" || a === "text" || a === "boolean";
  return false;
}

function literalType(value: unknown): ExprType {
  if (value === null) return "null";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return "text";
}

/** The type of a source's field (`event(…).dwell_ms`, `orders.total`); undefined without a field. */
export function sourceFieldType(source: Source): ExprType | undefined {
  if (source.field === undefined) return undefined;
  if (source.fact === "orders") return ORDER_FIELDS[source.field]?.type;
  return EVENT_COLUMNS[source.field]?.type ?? KNOWN_EVENT_PROPERTIES[source.field] ?? "any";
}

function checkWindow(days: number | undefined, at?: Position): void {
  if (days === undefined) return;
  if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
    throw ruleInvalid(`A window must be a whole number of days between 1 and ${MAX_WINDOW_DAYS}`, at);
  }
}

function checkSource(source: Source, fn: string, env: RuleEnvironment, at?: Position): ExprType | undefined {
  if (!env.stored) checkWindow(source.withinDays, source.at ?? at);
  if (source.fact === "orders") {
    if (source.field !== undefined && !(source.field in ORDER_FIELDS)) {
      throw ruleInvalid(
        `Unknown order field "${source.field}"; known: ${Object.keys(ORDER_FIELDS).join(", ")}`,
        source.at ?? at,
      );
    }
  } else {
    if (!env.stored && (source.event.length === 0 || source.event.length > 200))
      throw ruleInvalid("An event name must have 1 to 200 characters", source.at ?? at);
    for (const filter of source.filters) {
      const type = EVENT_COLUMNS[filter.property]?.type ?? KNOWN_EVENT_PROPERTIES[filter.property] ?? "any";
      const valueType = literalType(filter.value);
      if (type === "timestamp" || !compatible(type, valueType)) {
        throw ruleInvalid(
          `Property "${filter.property}" (${type}) cannot be compared with ${valueType}`,
          filter.at ?? at,
        );
      }
      if (filter.op !== "=" && filter.op !== "!=" && !isNumeric(type)) {
        throw ruleInvalid(`Property "${filter.property}" is ${type}; only = and != apply`, filter.at ?? at);
      }
    }
  }
  const type = sourceFieldType(source);
  const needsField = fn !== "count" && fn !== "exists";
  if (needsField && type === undefined)
    throw ruleInvalid(`${fn}(…) needs a field, as in ${fn}(orders.total)`, at);
  return type;
}

/** The node annotated with its type (and its subexpressions with theirs); throws RULE_INVALID. */
export function typed(expr: Expr, env: RuleEnvironment): TypedExpr {
  const at = expr.at;
  const leaf = (valueType: ExprType) => ({ ...expr, valueType }) as TypedExpr;
  switch (expr.type) {
    case "literal":
      return leaf(literalType(expr.value));
    case "and":
    case "or": {
      const [left, right] = [expr.left, expr.right].map((side) => {
        const checked = typed(side, env);
        if (checked.valueType !== "boolean")
          throw ruleInvalid(`Both sides of "${expr.type}" must be conditions`, side.at ?? at);
        return checked;
      });
      return { ...expr, left, right, valueType: "boolean" };
    }
    case "not": {
      const arg = typed(expr.arg, env);
      if (arg.valueType !== "boolean") throw ruleInvalid(`"not" needs a condition`, expr.arg.at ?? at);
      return { ...expr, arg, valueType: "boolean" };
    }
    case "compare": {
      const leftNode = typed(expr.left, env);
      const rightNode = typed(expr.right, env);
      const [left, right] = [leftNode.valueType, rightNode.valueType];
      if (!compatible(left, right)) throw ruleInvalid(`Cannot compare ${left} with ${right}`, at);
      const ordered = expr.op !== "=" && expr.op !== "!=";
      if (ordered && (left === "boolean" || right === "boolean"))
        throw ruleInvalid(`"${expr.op}" does not apply to conditions`, at);
      return { ...expr, left: leftNode, right: rightNode, valueType: "boolean" };
    }
    case "in": {
      const value = typed(expr.value, env);
      const type = value.valueType;
      if (type === "boolean" || type === "timestamp")
        throw ruleInvalid(`"in" does not apply to ${type} values`, at);
      if (!env.stored && expr.value.type === "prediction" && expr.value.field === "risk_band") {
        const unknown = expr.list.find((item) => !(RISK_BANDS as readonly unknown[]).includes(item));
        if (unknown !== undefined)
          throw ruleInvalid(
            `Unknown risk band ${JSON.stringify(unknown)}; known: ${RISK_BANDS.join(", ")}`,
            at,
          );
      }
      if (!env.stored && expr.value.type === "rfm_segment") {
        const unknown = expr.list.find((item) => !(RFM_SEGMENTS as readonly unknown[]).includes(item));
        if (unknown !== undefined)
          throw ruleInvalid(
            `Unknown RFM segment ${JSON.stringify(unknown)}; known: ${RFM_SEGMENTS.join(", ")}`,
            at,
          );
      }
      for (const item of expr.list) {
        if (!compatible(type, literalType(item)))
          throw ruleInvalid(`The list mixes ${type} with ${literalType(item)}`, at);
      }
      return { ...expr, value, valueType: "boolean" };
    }
    case "between": {
      const [value, low, high] = [expr.value, expr.low, expr.high].map((node) => typed(node, env));
      if (![value, low, high].every((node) => isNumeric(node.valueType)))
        throw ruleInvalid(`"between" needs numbers`, at);
      return { ...expr, value, low, high, valueType: "boolean" };
    }
    case "within": {
      if (!env.stored) checkWindow(expr.days, at);
      const value = typed(expr.value, env);
      if (value.valueType !== "timestamp")
        throw ruleInvalid(`"within" needs a time, such as user.first_seen`, at);
      return { ...expr, value, valueType: "boolean" };
    }
    case "user": {
      const field = USER_FIELDS[expr.field];
      if (!field)
        throw ruleInvalid(
          `Unknown user field "${expr.field}"; known: ${Object.keys(USER_FIELDS).join(", ")}`,
          at,
        );
      return leaf(field.type);
    }
    case "trait":
      if (expr.name in KNOWN_TRAITS) return leaf(KNOWN_TRAITS[expr.name]);
      if (env.extraTraits.has(expr.name)) return leaf("any");
      throw ruleInvalid(`Unknown trait "${expr.name}"`, at);
    case "aggregate":
      return leaf(aggregateType(expr.fn, checkSource(expr.source, expr.fn, env, at), at));
    case "days_since": {
      const arg = typed(expr.arg, env);
      if (arg.valueType !== "timestamp")
        throw ruleInvalid("days_since(…) needs a time, such as last(orders.placed_at)", at);
      return { ...expr, arg, valueType: "number" };
    }
    case "has_tag":
      if (!env.tags.has(expr.key)) throw ruleInvalid(`Unknown tag "${expr.key}"`, at);
      return leaf("boolean");
    case "in_segment":
      if (!env.segments.has(expr.key)) throw ruleInvalid(`Unknown segment "${expr.key}"`, at);
      return leaf("boolean");
    case "in_campaign":
    case "received_campaign":
      if (expr.type === "received_campaign" && !env.stored) checkWindow(expr.withinDays, at);
      if (!env.campaigns.has(expr.key)) throw ruleInvalid(`Unknown campaign "${expr.key}"`, at);
      return leaf("boolean");
    case "rfm_segment":
    case "top_recommended_category":
      return leaf("text");
    case "send_time": {
      const field = Object.hasOwn(SEND_TIME_FIELDS, expr.field) ? SEND_TIME_FIELDS[expr.field] : undefined;
      if (!field)
        throw ruleInvalid(
          `Unknown field "send_time.${expr.field}"; known: ${Object.keys(SEND_TIME_FIELDS).join(", ")}`,
          at,
        );
      return leaf(field.type);
    }
    case "prediction": {
      const field = Object.hasOwn(PREDICTION_FIELDS, expr.field) ? PREDICTION_FIELDS[expr.field] : undefined;
      if (!field)
        throw ruleInvalid(
          `Unknown field "predict.${expr.field}"; known: ${Object.keys(PREDICTION_FIELDS).join(", ")}`,
          at,
        );
      return leaf(field.type);
    }
  }
}

function aggregateType(fn: AggregateFn, fieldType: ExprType | undefined, at?: Position): ExprType {
  switch (fn) {
    case "count":
      return "number";
    case "exists":
      return "boolean";
    case "sum":
    case "avg":
      if (!isNumeric(fieldType ?? "text"))
        throw ruleInvalid(`${fn}(…) needs a numeric field, not ${fieldType}`, at);
      return "number";
    case "min":
    case "max":
      if (fieldType === "timestamp") return "timestamp";
      if (!isNumeric(fieldType ?? "text")) throw ruleInvalid(`${fn}(…) needs a numeric or time field`, at);
      return "number";
    case "first":
    case "last":
      return fieldType === "any" ? "text" : (fieldType as ExprType);
    case "most_frequent":
      if (fieldType === "timestamp") throw ruleInvalid("most_frequent(…) needs a text or numeric field", at);
      return "text";
  }
}

/** Type-checks a rule for its purpose; returns it typed (`valueType` on every node) or throws RULE_INVALID. */
export function checkRule(
  expr: Expr,
  purpose: RulePurpose,
  env: RuleEnvironment,
  anyPurpose = false,
): TypedExpr {
  const checked = typed(expr, env);
  const type = checked.valueType;
  if (anyPurpose && type === "boolean") return checked;
  if (purpose === "boolean" && type !== "boolean") {
    throw ruleInvalid(`The rule must be a condition (true or false), not a ${type} value`, expr.at);
  }
  if (purpose === "value" && (type === "boolean" || type === "null")) {
    throw ruleInvalid("A value tag's rule must compute a number, text or time, not a condition", expr.at);
  }
  return checked;
}

/**
 * The trait keys and event property keys a rule reads (filters and fields of event
 * sources, event columns excluded), so a caller can decide whether a rule touches PII.
 */
export function referencedKeys(expr: Expr): { traits: string[]; eventProperties: string[] } {
  const traits = new Set<string>();
  const eventProperties = new Set<string>();
  const property = (name: string) => {
    if (!Object.hasOwn(EVENT_COLUMNS, name)) eventProperties.add(name);
  };
  const visit = (node: Expr): void => {
    if (node.type === "trait") traits.add(node.name);
    else if (node.type === "received_campaign") property(CAMPAIGN_PROPERTY);
    else if (node.type === "aggregate") {
      if (node.source.fact === "event") {
        for (const filter of node.source.filters) property(filter.property);
        if (node.source.field !== undefined) property(node.source.field);
      }
    } else children(node).forEach(visit);
  };
  visit(expr);
  return { traits: [...traits], eventProperties: [...eventProperties] };
}
