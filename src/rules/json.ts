import { AGGREGATES, COMPARE_OPS, type EventFilter, type Expr, type Literal, type Source } from "./ast";
import { ruleInvalid } from "./errors";
import { MAX_NESTING } from "./parser";

/**
 * The structured JSON form of a rule is the AST itself (`src/rules/ast.ts`), without
 * positions. `ruleFromJson` validates its shape; `printRule` writes the text form, so a
 * rule given as JSON is stored and shown as text and both forms round-trip.
 */
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isLiteral = (value: unknown): value is Literal =>
  value === null ||
  typeof value === "string" ||
  typeof value === "boolean" ||
  (typeof value === "number" && Number.isFinite(value));

function fail(path: string, message: string): never {
  throw ruleInvalid(`Invalid JSON rule at ${path}: ${message}`);
}

function text(node: Json, key: string, path: string): string {
  const value = node[key];
  if (typeof value !== "string") fail(`${path}.${key}`, "expected a string");
  return value;
}

function days(node: Json, key: string, path: string): number | undefined {
  const value = node[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number") fail(`${path}.${key}`, "expected a number of days");
  return value;
}

function source(value: unknown, path: string): Source {
  if (!isObject(value)) fail(path, "expected a source object");
  const field = value.field === undefined || value.field === null ? undefined : text(value, "field", path);
  const withinDays = days(value, "withinDays", path);
  if (value.fact === "orders") return { fact: "orders", field, withinDays };
  if (value.fact !== "event") fail(`${path}.fact`, 'expected "event" or "orders"');
  const filters = value.filters ?? [];
  if (!Array.isArray(filters)) fail(`${path}.filters`, "expected an array");
  return {
    fact: "event",
    event: text(value, "event", path),
    filters: filters.map((filter, i): EventFilter => {
      const at = `${path}.filters[${i}]`;
      if (!isObject(filter)) fail(at, "expected an object");
      if (!COMPARE_OPS.includes(filter.op as never)) fail(`${at}.op`, "unknown operator");
      if (!isLiteral(filter.value)) fail(`${at}.value`, "expected a literal");
      return {
        property: text(filter, "property", at),
        op: filter.op as EventFilter["op"],
        value: filter.value,
      };
    }),
    field,
    withinDays,
  };
}

export function ruleFromJson(value: unknown, path = "$", depth = 0): Expr {
  if (depth > MAX_NESTING) fail(path, `nested deeper than ${MAX_NESTING} levels`);
  if (!isObject(value)) fail(path, "expected an object with a type");
  const child = (key: string) => ruleFromJson(value[key], `${path}.${key}`, depth + 1);
  switch (value.type) {
    case "literal":
      if (!isLiteral(value.value)) fail(`${path}.value`, "expected a string, number, boolean or null");
      return { type: "literal", value: value.value };
    case "and":
    case "or":
      return { type: value.type, left: child("left"), right: child("right") };
    case "not":
      return { type: "not", arg: child("arg") };
    case "compare":
      if (!COMPARE_OPS.includes(value.op as never)) fail(`${path}.op`, "unknown operator");
      return {
        type: "compare",
        op: value.op as Extract<Expr, { type: "compare" }>["op"],
        left: child("left"),
        right: child("right"),
      };
    case "in":
      if (!Array.isArray(value.list) || value.list.length === 0 || !value.list.every(isLiteral))
        fail(`${path}.list`, "expected a non-empty array of literals");
      return { type: "in", value: child("value"), list: value.list as Literal[] };
    case "between":
      return { type: "between", value: child("value"), low: child("low"), high: child("high") };
    case "within": {
      const n = days(value, "days", path);
      if (n === undefined) fail(`${path}.days`, "expected a number of days");
      return { type: "within", value: child("value"), days: n };
    }
    case "trait":
      return { type: "trait", name: text(value, "name", path) };
    case "user":
      return { type: "user", field: text(value, "field", path) };
    case "aggregate":
      if (!AGGREGATES.includes(value.fn as never))
        fail(`${path}.fn`, `unknown function "${String(value.fn)}"`);
      return {
        type: "aggregate",
        fn: value.fn as (typeof AGGREGATES)[number],
        source: source(value.source, `${path}.source`),
      };
    case "days_since":
      return { type: "days_since", arg: child("arg") };
    case "has_tag":
    case "in_segment":
      return { type: value.type, key: text(value, "key", path) };
    case "in_campaign":
      return { type: "in_campaign", key: text(value, "key", path) };
    case "received_campaign": {
      const days = value.withinDays;
      if (days !== undefined && typeof days !== "number")
        fail(`${path}.withinDays`, "must be a number of days");
      return days === undefined
        ? { type: "received_campaign", key: text(value, "key", path) }
        : { type: "received_campaign", key: text(value, "key", path), withinDays: days as number };
    }
    case "rfm_segment":
      return { type: "rfm_segment" };
    case "top_recommended_category":
      return { type: "top_recommended_category" };
    case "prediction":
      return { type: "prediction", field: text(value, "field", path) };
    case "send_time":
      return { type: "send_time", field: text(value, "field", path) };
    default:
      return fail(`${path}.type`, `unknown node type "${String(value.type)}"`);
  }
}

function printLiteral(value: Literal): string {
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

const NAME = /^\$?[A-Za-z_][A-Za-z0-9_]*$/;

function printName(name: string, what: string): string {
  if (!NAME.test(name))
    throw ruleInvalid(
      `The ${what} "${name}" cannot be written in a rule; use letters, digits and _ (a leading $ is allowed)`,
    );
  return name;
}

function printSource(s: Source): string {
  let out =
    s.fact === "orders"
      ? "orders"
      : `event(${[JSON.stringify(s.event), ...s.filters.map((f) => `${printName(f.property, "property")} ${f.op} ${printLiteral(f.value)}`)].join(", ")})`;
  if (s.field !== undefined) out += `.${printName(s.field, "field")}`;
  if (s.withinDays !== undefined) out += ` within ${s.withinDays}d`;
  return out;
}

/** The text form of an AST (fully parenthesised where precedence could matter). */
export function printRule(expr: Expr): string {
  switch (expr.type) {
    case "literal":
      return printLiteral(expr.value);
    case "and":
    case "or":
      return `(${printRule(expr.left)} ${expr.type} ${printRule(expr.right)})`;
    case "not":
      return `not (${printRule(expr.arg)})`;
    case "compare":
      return `${printRule(expr.left)} ${expr.op} ${printRule(expr.right)}`;
    case "in":
      return `${printRule(expr.value)} in (${expr.list.map(printLiteral).join(", ")})`;
    case "between":
      return `${printRule(expr.value)} between ${printRule(expr.low)} and ${printRule(expr.high)}`;
    case "within":
      return `${printRule(expr.value)} within ${expr.days}d`;
    case "trait":
      return `trait.${printName(expr.name, "trait")}`;
    case "user":
      return `user.${printName(expr.field, "field")}`;
    case "aggregate":
      return `${expr.fn}(${printSource(expr.source)})`;
    case "days_since":
      return `days_since(${printRule(expr.arg)})`;
    case "has_tag":
    case "in_segment":
      return `${expr.type}(${JSON.stringify(expr.key)})`;
    case "in_campaign":
      return `in_campaign(${JSON.stringify(expr.key)})`;
    case "received_campaign":
      return `received_campaign(${JSON.stringify(expr.key)})${expr.withinDays === undefined ? "" : ` within ${expr.withinDays}d`}`;
    case "rfm_segment":
      return "rfm.segment";
    case "top_recommended_category":
      return "recommendations.top_category";
    case "prediction":
      return `predict.${expr.field}`;
    case "send_time":
      return `send_time.${expr.field}`;
  }
}
