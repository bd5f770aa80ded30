/**
 * The one AST of the rule language. The text form parses to it and the
 * structured JSON form IS it (validated by `fromJson`), so both compile the same way.
 * `at` (line, column; 1-based) points error messages at the text.
 */
export interface Position {
  line: number;
  column: number;
}

export type Literal = string | number | boolean | null;
export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";
export const COMPARE_OPS: readonly CompareOp[] = ["=", "!=", "<", "<=", ">", ">="];

/** A property condition inside `event("name", prop = value, …)`. */
export interface EventFilter {
  property: string;
  op: CompareOp;
  value: Literal;
  at?: Position;
}

/** A fact the aggregates read: events of one name, or counted orders. */
export type Source =
  | {
      fact: "event";
      event: string;
      filters: EventFilter[];
      field?: string;
      withinDays?: number;
      at?: Position;
    }
  | { fact: "orders"; field?: string; withinDays?: number; at?: Position };

export const AGGREGATES = [
  "count",
  "exists",
  "sum",
  "avg",
  "min",
  "max",
  "first",
  "last",
  "most_frequent",
] as const;
export type AggregateFn = (typeof AGGREGATES)[number];

export type Expr =
  | { type: "literal"; value: Literal; at?: Position }
  | { type: "and" | "or"; left: Expr; right: Expr; at?: Position }
  | { type: "not"; arg: Expr; at?: Position }
  | { type: "compare"; op: CompareOp; left: Expr; right: Expr; at?: Position }
  | { type: "in"; value: Expr; list: Literal[]; at?: Position }
  | { type: "between"; value: Expr; low: Expr; high: Expr; at?: Position }
  /** A timestamp inside (t − N days, t]. */
  | { type: "within"; value: Expr; days: number; at?: Position }
  | { type: "trait"; name: string; at?: Position }
  | { type: "user"; field: string; at?: Position }
  | { type: "aggregate"; fn: AggregateFn; source: Source; at?: Position }
  | { type: "days_since"; arg: Expr; at?: Position }
  | { type: "has_tag"; key: string; at?: Position }
  | { type: "in_segment"; key: string; at?: Position }
  /** In the treatment arm of the campaign's audience frozen at launch. */
  | { type: "in_campaign"; key: string; at?: Position }
  /** Had a `campaign_sent` event whose `campaign` property is the key (within the last N days). */
  | { type: "received_campaign"; key: string; withinDays?: number; at?: Position }
  | { type: "rfm_segment"; at?: Position }
  /** The category of the shopper's strongest recommendations (`recommendations.top_category`). */
  | { type: "top_recommended_category"; at?: Position }
  /** A score of the most recently fitted purchase model (`predict.churn_risk` …). */
  | { type: "prediction"; field: string; at?: Position }
  /** The user's best send time as of the evaluation time (`send_time.local_hour`). */
  | { type: "send_time"; field: string; at?: Position };

/** `any` is a trait or event property of unknown type: compared as text or as a number. */
export type ExprType = "boolean" | "number" | "text" | "timestamp" | "null" | "any";

/**
 * A checked rule: every node carries `valueType`, the type the checker gave it
 * (`checker.ts` `checkRule`), so the compiler reads types instead of recomputing them.
 */
export type TypedExpr = Annotated<Expr>;
type Annotated<N> = N extends Expr
  ? { [K in keyof N]: N[K] extends Expr ? TypedExpr : N[K] } & { valueType: ExprType }
  : never;

/** The direct subexpressions of a node, left to right (what every walk of a rule descends into). */
export function children<E extends Expr>(expr: E): E[];
export function children(expr: Expr): Expr[] {
  switch (expr.type) {
    case "and":
    case "or":
    case "compare":
      return [expr.left, expr.right];
    case "not":
    case "days_since":
      return [expr.arg];
    case "in":
    case "within":
      return [expr.value];
    case "between":
      return [expr.value, expr.low, expr.high];
    default:
      return [];
  }
}

/** Every tag and segment key a rule refers to (for existence checks and cycle detection). */
export function references(expr: Expr): { tags: string[]; segments: string[] } {
  const tags = new Set<string>();
  const segments = new Set<string>();
  const visit = (node: Expr): void => {
    if (node.type === "has_tag") tags.add(node.key);
    else if (node.type === "in_segment") segments.add(node.key);
    else children(node).forEach(visit);
  };
  visit(expr);
  return { tags: [...tags], segments: [...segments] };
}
