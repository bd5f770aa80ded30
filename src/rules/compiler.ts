import { type SQL, sql } from "drizzle-orm";
import { ErrorCode, StratumError } from "../errors";
import { bigintArray } from "../semantic/arrays";
import { CAMPAIGN_PROPERTY, CAMPAIGN_TOUCH_EVENTS, campaignTreatmentIds } from "../semantic/campaigns";
import { countedOrders, countedOrdersOf, resolvedEvents, resolvedEventsOf } from "../semantic/facts";
import { segmentMemberIds, tagMemberIds } from "../semantic/membership";
import { currentPurchaseScores } from "../semantic/prediction";
import { rfmScores } from "../semantic/rfm";
import { bestSendTimes, type SendTimeModel, type SendTimeUsers } from "../semantic/send-time";
import { joinSql } from "../semantic/sql";
import {
  type AggregateFn,
  children,
  type Expr,
  type ExprType,
  type Literal,
  type Source,
  type TypedExpr,
} from "./ast";
import {
  EVENT_COLUMNS,
  KNOWN_EVENT_PROPERTIES,
  ORDER_FIELDS,
  PREDICTION_FIELDS,
  SEND_TIME_FIELDS,
  USER_FIELDS,
} from "./catalog";
import { sourceFieldType } from "./checker";

/**
 * Compiles checked rules to set-based SQL. All rules compiled together share ONE pass
 * over events and ONE over counted orders: every distinct aggregate (fact, filters,
 * field, window) becomes a column `f<n>` of a per-user feature row, computed with
 * `filter (where …)` in a single GROUP BY per fact. A rule is then an expression over
 * that row (alias `rf`). Rule text reaches SQL only as bound parameters.
 *
 * Semantics: `within Nd` is (t − N×24h, t]; count/sum over nothing are 0;
 * avg/min/max/first/last/most_frequent over nothing are null; every comparison is
 * `coalesce(…, false)` so a comparison with null is false even under `not`.
 */
export interface CompileOptions {
  /** The evaluation time t. */
  asOf: Date;
  /**
   * Restricts the population to these surviving profiles (one user's preview, a realtime
   * re-evaluation of a batch's users): the fact scans read only their events and orders
   * (and those of profiles merged into them), so the cost follows the list, not the table.
   */
  userIds?: readonly number[];
  /** The configured best-send-time model, for `send_time.*` terms (a rule using one fails without it). */
  sendTime?: SendTimeModel;
}

export interface RuleCompilation {
  /** `select user_id, traits, first_seen_at, last_seen_at, created_at, f0, … [, rfm_segment]`. */
  features: SQL;
  /** A rule's value (boolean condition or computed value) over the feature row `rf`. */
  expression(expr: TypedExpr): SQL;
  /** A VALUE tag's value as text (null = not a member). */
  valueText(expr: TypedExpr): SQL;
}

interface Feature {
  column: string;
  fn: AggregateFn;
  source: Source;
}

const DAY_HOURS = 24;

function canonicalSource(source: Source): unknown {
  return source.fact === "orders"
    ? ["orders", source.field ?? null, source.withinDays ?? null]
    : [
        "event",
        source.event,
        source.filters.map((f) => [f.property, f.op, f.value]),
        source.field ?? null,
        source.withinDays ?? null,
      ];
}

/** `exists` reads the same column as `count`. */
const featureFn = (fn: AggregateFn): AggregateFn => (fn === "exists" ? "count" : fn);

function numericOf(text: SQL): SQL {
  return sql`(case when ${text} ~ '^\\s*-?[0-9]+(\\.[0-9]+)?\\s*$' then (${text})::numeric end)`;
}

function eventPropertyText(name: string): SQL {
  return sql`(e.properties ->> ${name}::text)`;
}

/**
 * Event properties used by the rules, each extracted from the JSON once per event row in
 * the scan (`e.p<n>`) rather than once per aggregate that reads it.
 */
type Projections = Map<string, { alias: string; expr: SQL }>;

/** An event field as SQL of the wanted kind (numeric or text); `ts` and columns map directly. */
function eventField(name: string, as: "number" | "text" | "native", projections: Projections): SQL {
  const column = EVENT_COLUMNS[name];
  if (column) return column.sql;
  const type = KNOWN_EVENT_PROPERTIES[name] ?? "any";
  const numeric = as === "number" || (as === "native" && type === "number");
  const key = JSON.stringify([name, numeric]);
  let projection = projections.get(key);
  if (!projection) {
    const text = eventPropertyText(name);
    projection = { alias: `p${projections.size}`, expr: numeric ? numericOf(text) : text };
    projections.set(key, projection);
  }
  return sql.raw(`e.${projection.alias}`);
}

function literalSql(value: Literal, as: ExprType): SQL {
  if (value === null) return sql`null`;
  if (as === "number" || typeof value === "number") return sql`${value}::numeric`;
  if (typeof value === "boolean")
    return as === "boolean" ? sql`${value}::boolean` : sql`${String(value)}::text`;
  return sql`${value}::text`;
}

/** t − N×24 h, computed here so the database compares with a constant, not an expression per row. */
function windowStart(asOf: Date, days: number): SQL {
  return sql`${new Date(asOf.getTime() - days * DAY_HOURS * 3_600_000).toISOString()}::timestamptz`;
}

function eventCondition(
  source: Extract<Source, { fact: "event" }>,
  asOf: Date,
  projections: Projections,
): SQL {
  const parts = [sql`e.name = ${source.event}::text`];
  if (source.withinDays !== undefined) parts.push(sql`e.ts > ${windowStart(asOf, source.withinDays)}`);
  for (const filter of source.filters) {
    const numeric = typeof filter.value === "number";
    const left = eventField(filter.property, numeric ? "number" : "text", projections);
    parts.push(
      sql`coalesce(${left} ${sql.raw(filter.op)} ${literalSql(filter.value, numeric ? "number" : "text")}, false)`,
    );
  }
  return joinSql(parts, sql` and `);
}

function orderCondition(source: Source, asOf: Date): SQL {
  return source.withinDays !== undefined
    ? sql`o.placed_at > ${windowStart(asOf, source.withinDays)}`
    : sql`true`;
}

/** The aggregate of one feature inside its fact's GROUP BY. */
function aggregateSql(feature: Feature, asOf: Date, projections: Projections): SQL {
  const { source } = feature;
  const isEvent = source.fact === "event";
  const condition = isEvent ? eventCondition(source, asOf, projections) : orderCondition(source, asOf);
  const timeColumn = isEvent ? sql`e.ts` : sql`o.placed_at`;
  const tieBreak = isEvent ? sql`e.id` : sql`o.order_id`;
  const fieldType = sourceFieldType(source);
  const field = (as: "number" | "text" | "native"): SQL =>
    source.field === undefined
      ? sql`null`
      : isEvent
        ? eventField(source.field, as, projections)
        : (ORDER_FIELDS[source.field] as { sql: SQL }).sql;
  switch (feature.fn) {
    case "count":
    case "exists":
      return source.field === undefined
        ? sql`count(*) filter (where ${condition})`
        : sql`count(${field("native")}) filter (where ${condition})`;
    case "sum":
      return sql`sum(${field("number")}) filter (where ${condition})`;
    case "avg":
      return sql`avg(${field("number")}) filter (where ${condition})`;
    case "min":
    case "max": {
      const fn = sql.raw(feature.fn);
      return sql`${fn}(${field(fieldType === "timestamp" ? "native" : "number")}) filter (where ${condition})`;
    }
    case "first":
    case "last": {
      const value = field("native");
      const direction = sql.raw(feature.fn === "last" ? "desc" : "asc");
      if (fieldType === "timestamp") {
        // The first/last value of the ordering time itself is its min/max.
        return sql`${sql.raw(feature.fn === "last" ? "max" : "min")}(${value}) filter (where ${condition})`;
      }
      return sql`(array_agg(${value} order by ${timeColumn} ${direction}, ${tieBreak} ${direction}) filter (where ${condition} and ${value} is not null))[1]`;
    }
    case "most_frequent":
      // mode() keeps the first value in sort order among equally frequent ones: ties → alphabetically first.
      return sql`mode() within group (order by (${field("text")})::text collate "C") filter (where ${condition})`;
  }
}

/** The identity of an aggregate: two rules asking for the same one share its feature column. */
const aggregateKey = (expr: Extract<Expr, { type: "aggregate" }>): string =>
  JSON.stringify([featureFn(expr.fn), canonicalSource(expr.source)]);

/** `received_campaign(k) within Nd` is `exists(event("campaign_sent", campaign = k) within Nd)`. */
function receivedCampaignAggregate(
  expr: Extract<Expr, { type: "received_campaign" }>,
): Extract<Expr, { type: "aggregate" }> {
  return {
    type: "aggregate",
    fn: "exists",
    source: {
      fact: "event",
      event: CAMPAIGN_TOUCH_EVENTS.sent,
      filters: [{ property: CAMPAIGN_PROPERTY, op: "=", value: expr.key }],
      withinDays: expr.withinDays,
    },
  };
}

/** Calls `visit` with every leaf of a rule that needs a feature column (aggregates, RFM, predictions, send times). */
function visitFeatureLeaves(expr: Expr, visit: (leaf: Expr) => void): void {
  if (expr.type === "received_campaign") visit(receivedCampaignAggregate(expr));
  else if (
    expr.type === "aggregate" ||
    expr.type === "rfm_segment" ||
    expr.type === "prediction" ||
    expr.type === "send_time" ||
    expr.type === "top_recommended_category"
  )
    visit(expr);
  else for (const child of children(expr)) visitFeatureLeaves(child, visit);
}

/** The distinct aggregates of a rule, by identity (the feature columns it needs). */
export function aggregateKeys(expr: Expr): Set<string> {
  const keys = new Set<string>();
  visitFeatureLeaves(expr, (leaf) => {
    if (leaf.type === "aggregate") keys.add(aggregateKey(leaf));
  });
  return keys;
}

/** `rules` as the checker typed them (`checkRule`, `typed`): the compiler reads each node's `valueType`. */
export function compileRules(rules: readonly TypedExpr[], options: CompileOptions): RuleCompilation {
  const asOf = sql`${options.asOf.toISOString()}::timestamptz`;
  const features = new Map<string, Feature>();
  let usesRfm = false;
  let usesRecommendations = false;
  const predictionFields = new Set<string>();
  const sendTimeFields = new Set<string>();

  for (const rule of rules) {
    visitFeatureLeaves(rule, (leaf) => {
      if (leaf.type === "aggregate") {
        const key = aggregateKey(leaf);
        if (!features.has(key))
          features.set(key, { column: `f${features.size}`, fn: featureFn(leaf.fn), source: leaf.source });
      } else if (leaf.type === "rfm_segment") usesRfm = true;
      else if (leaf.type === "top_recommended_category") usesRecommendations = true;
      else if (leaf.type === "prediction") predictionFields.add(leaf.field);
      else if (leaf.type === "send_time") sendTimeFields.add(leaf.field);
    });
  }

  const columnOf = (expr: Extract<Expr, { type: "aggregate" }>): string =>
    (features.get(aggregateKey(expr)) as Feature).column;

  const all = [...features.values()];
  const eventFeatures = all.filter((f) => f.source.fact === "event");
  const orderFeatures = all.filter((f) => f.source.fact === "orders");
  const userFilter = options.userIds ? sql`u.id = any(${bigintArray(options.userIds)})` : sql`true`;
  const events = options.userIds ? resolvedEventsOf(bigintArray(options.userIds)) : resolvedEvents;
  const orders = options.userIds ? countedOrdersOf(bigintArray(options.userIds)) : countedOrders;

  const factScan = (kind: "event" | "orders", list: Feature[]): SQL | null => {
    if (list.length === 0) return null;
    const windows = list.map((f) => f.source.withinDays);
    const widest = windows.some((w) => w === undefined) ? undefined : Math.max(...(windows as number[]));
    const projections: Projections = new Map();
    const aggregates = joinSql(
      list.map((f) => sql`${aggregateSql(f, options.asOf, projections)} as ${sql.raw(f.column)}`),
    );
    if (kind === "event") {
      const names = [...new Set(list.map((f) => (f.source as { event: string }).event))];
      const lower = widest === undefined ? sql`` : sql` and e.ts > ${windowStart(options.asOf, widest)}`;
      const extracted = [...projections.values()].map((p) => sql`, ${p.expr} as ${sql.raw(p.alias)}`);
      // `offset 0` keeps the subquery from being flattened, so each property is extracted once per row.
      return sql`(select e.user_id, ${aggregates} from (
          select e.*${sql.join(extracted)} from ${events} e
          where e.name in (${joinSql(names.map((name) => sql`${name}::text`))}) and e.ts <= ${asOf}${lower}
          offset 0) e
        group by e.user_id)`;
    }
    const lower = widest === undefined ? sql`` : sql` and o.placed_at > ${windowStart(options.asOf, widest)}`;
    return sql`(select o.user_id, ${aggregates} from ${orders} o
      where o.placed_at <= ${asOf}${lower} group by o.user_id)`;
  };

  const selectOf = (feature: Feature, alias: string): SQL => {
    const ref = sql.raw(`${alias}.${feature.column}`);
    const zeroWhenNone = feature.fn === "count" || feature.fn === "sum";
    return sql`${zeroWhenNone ? sql`coalesce(${ref}, 0)` : ref} as ${sql.raw(feature.column)}`;
  };

  const eventScan = factScan("event", eventFeatures);
  const orderScan = factScan("orders", orderFeatures);
  const columns = [
    sql`u.id as user_id, u.traits, u.first_seen_at, u.last_seen_at, u.created_at`,
    ...eventFeatures.map((f) => selectOf(f, "ea")),
    ...orderFeatures.map((f) => selectOf(f, "oa")),
  ];
  const joins: SQL[] = [];
  if (eventScan) joins.push(sql` left join ${eventScan} ea on ea.user_id = u.id`);
  if (orderScan) joins.push(sql` left join ${orderScan} oa on oa.user_id = u.id`);
  if (usesRfm) {
    // the RFM segment as of t over the default lookback; null for users without orders in it.
    columns.push(sql`rfm.segment as rfm_segment`);
    joins.push(sql` left join ${rfmScores(asOf)} rfm on rfm.user_id = u.id`);
  }
  if (usesRecommendations) {
    // As of the last recommendations refresh; null for shoppers with no candidate.
    columns.push(sql`trc.category as top_recommended_category`);
    joins.push(sql` left join user_recommended_categories trc on trc.user_id = u.id`);
  }
  if (predictionFields.size > 0) {
    const fields = [...predictionFields].sort();
    for (const field of fields) {
      columns.push(
        sql`ps.${sql.identifier(PREDICTION_FIELDS[field].column)} as ${sql.identifier(`predict_${field}`)}`,
      );
    }
    // Scores of the most recently fitted model; customers it has not scored get nulls.
    joins.push(sql` left join ${currentPurchaseScores} ps on ps.user_id = u.id`);
  }
  if (sendTimeFields.size > 0) {
    if (!options.sendTime)
      throw new StratumError(ErrorCode.INTERNAL, "send_time terms were compiled without the send-time model");
    for (const field of [...sendTimeFields].sort()) {
      columns.push(
        sql`st.${sql.identifier(SEND_TIME_FIELDS[field].column)} as ${sql.identifier(`send_time_${field}`)}`,
      );
    }
    // Activity up to t, like every aggregate; one user's evaluation reads only that user's events.
    const users: SendTimeUsers = options.userIds ? { ids: bigintArray(options.userIds) } : {};
    joins.push(
      sql` left join ${bestSendTimes(options.sendTime, users, sql`e.ts <= ${asOf}`)} st on st.user_id = u.id`,
    );
  }
  const featuresSql = sql`select ${joinSql(columns)} from users u${sql.join(joins)}
    where u.merged_into is null and ${userFilter}`;

  /**
   * The type a node compares as: its checked type, except that a boolean literal compares as
   * text (the other side of such a comparison is a trait or property, read as text).
   */
  const comparedAs = (expr: TypedExpr): ExprType =>
    expr.type === "literal" && typeof expr.value === "boolean" ? "text" : expr.valueType;

  /** Value of an operand, coerced to numeric when `as` is number. */
  const operand = (expr: TypedExpr, as: ExprType): SQL => {
    if (expr.type === "literal") return literalSql(expr.value, as);
    if (expr.type === "trait") {
      const text = sql`(rf.traits ->> ${expr.name}::text)`;
      return as === "number" ? numericOf(text) : text;
    }
    const value = compile(expr);
    if (as === "text" && expr.type === "aggregate" && expr.valueType === "any") return sql`(${value})::text`;
    return value;
  };

  /** The comparison type of two sides: numeric when either is numeric, else their own. */
  const sideType = (...nodes: TypedExpr[]): ExprType => {
    const types = nodes.map(comparedAs);
    if (types.includes("number")) return "number";
    if (types.includes("timestamp")) return "timestamp";
    if (types.includes("text") || types.includes("any")) return "text";
    return "boolean";
  };

  const compile = (expr: TypedExpr): SQL => {
    switch (expr.type) {
      case "literal":
        return typeof expr.value === "boolean" ? sql`${expr.value}::boolean` : literalSql(expr.value, "text");
      case "and":
        return sql`(${compile(expr.left)} and ${compile(expr.right)})`;
      case "or":
        return sql`(${compile(expr.left)} or ${compile(expr.right)})`;
      case "not":
        return sql`(not ${compile(expr.arg)})`;
      case "compare": {
        const as = sideType(expr.left, expr.right);
        return sql`coalesce(${operand(expr.left, as)} ${sql.raw(expr.op)} ${operand(expr.right, as)}, false)`;
      }
      case "in": {
        const as = expr.list.some((item) => typeof item === "number") ? "number" : sideType(expr.value);
        const items = expr.list.filter((item) => item !== null).map((item) => literalSql(item, as));
        if (items.length === 0) return sql`false`;
        return sql`coalesce(${operand(expr.value, as)} in (${joinSql(items)}), false)`;
      }
      case "between":
        return sql`coalesce(${operand(expr.value, "number")} between ${operand(expr.low, "number")} and ${operand(expr.high, "number")}, false)`;
      case "within": {
        const value = compile(expr.value);
        return sql`coalesce(${value} > ${windowStart(options.asOf, expr.days)} and ${value} <= ${asOf}, false)`;
      }
      case "trait":
        return sql`(rf.traits ->> ${expr.name}::text)`;
      case "user":
        return (USER_FIELDS[expr.field] as { sql: SQL }).sql;
      case "aggregate": {
        const ref = sql.raw(`rf.${columnOf(expr)}`);
        return expr.fn === "exists" ? sql`(${ref} > 0)` : ref;
      }
      case "days_since":
        return sql`floor(extract(epoch from (${asOf} - ${compile(expr.arg)})) / 86400)::int`;
      case "has_tag":
        return sql`(rf.user_id in ${tagMemberIds(expr.key)})`;
      case "in_segment":
        return sql`(rf.user_id in ${segmentMemberIds(expr.key)})`;
      case "in_campaign":
        return sql`(rf.user_id in ${campaignTreatmentIds(expr.key)})`;
      case "received_campaign":
        return sql`(${sql.raw(`rf.${columnOf(receivedCampaignAggregate(expr))}`)} > 0)`;
      case "rfm_segment":
        return sql`rf.rfm_segment`;
      case "top_recommended_category":
        return sql`rf.top_recommended_category`;
      case "prediction":
        return sql`rf.${sql.identifier(`predict_${expr.field}`)}`;
      case "send_time":
        return sql`rf.${sql.identifier(`send_time_${expr.field}`)}`;
    }
  };

  return {
    features: featuresSql,
    expression: compile,
    valueText(expr) {
      const value = compile(expr);
      if (expr.valueType === "timestamp") {
        return sql`to_char((${value}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
      }
      return sql`(${value})::text`;
    },
  };
}
