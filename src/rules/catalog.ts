import { type SQL, sql } from "drizzle-orm";
import type { ExprType } from "./ast";

/**
 * The names a rule may use and their types. Identifiers in SQL come only from these
 * constants; everything a rule names (event names, property keys, trait keys, values)
 * is bound as a parameter.
 */
export interface FieldSpec {
  type: ExprType;
  sql: SQL;
}

/**
 * A name → spec table without a prototype, so a rule naming `constructor`, `__proto__`
 * or `toString` finds nothing (an unknown name) instead of an Object method.
 */
function lookupTable<T>(entries: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

/** `user.<field>` → a column of the profile (alias `rf` in compiled rules). */
export const USER_FIELDS: Record<string, FieldSpec> = lookupTable({
  first_seen: { type: "timestamp", sql: sql`rf.first_seen_at` },
  last_seen: { type: "timestamp", sql: sql`rf.last_seen_at` },
  created_at: { type: "timestamp", sql: sql`rf.created_at` },
});

/** Profile traits with known types; other trait keys are accepted if some profile has them. */
export const KNOWN_TRAITS: Record<string, ExprType> = lookupTable({
  name: "text",
  gender: "text",
  birth_year: "number",
  age: "number",
  city: "text",
  region: "text",
  signup_channel: "text",
  email: "text",
  phone: "text",
});

/** Event columns (alias `e`); any other field name is a key of `properties`. */
export const EVENT_COLUMNS: Record<string, FieldSpec> = lookupTable({
  ts: { type: "timestamp", sql: sql`e.ts` },
  timestamp: { type: "timestamp", sql: sql`e.ts` },
  channel: { type: "text", sql: sql`e.channel` },
  platform: { type: "text", sql: sql`e.platform` },
  session_id: { type: "text", sql: sql`e.session_id` },
  anonymous_id: { type: "text", sql: sql`e.anonymous_id` },
  utm_source: { type: "text", sql: sql`e.utm_source` },
  utm_medium: { type: "text", sql: sql`e.utm_medium` },
  utm_campaign: { type: "text", sql: sql`e.utm_campaign` },
});

/** Event properties with known types; other property keys have type `any`. */
export const KNOWN_EVENT_PROPERTIES: Record<string, ExprType> = lookupTable({
  product_id: "text",
  category: "text",
  brand: "text",
  url: "text",
  query: "text",
  price: "number",
  dwell_ms: "number",
  quantity: "number",
});

/** Counted-order fields (alias `o`). */
export const ORDER_FIELDS: Record<string, FieldSpec> = lookupTable({
  total: { type: "number", sql: sql`o.total_amount` },
  refunded: { type: "number", sql: sql`o.refunded_amount` },
  placed_at: { type: "timestamp", sql: sql`o.placed_at` },
  status: { type: "text", sql: sql`o.status` },
  channel: { type: "text", sql: sql`o.channel` },
  platform: { type: "text", sql: sql`o.platform` },
  utm_source: { type: "text", sql: sql`o.utm_source` },
  utm_campaign: { type: "text", sql: sql`o.utm_campaign` },
  coupon_code: { type: "text", sql: sql`o.coupon_code` },
  campaign_id: { type: "text", sql: sql`o.campaign_id` },
  order_id: { type: "text", sql: sql`o.order_id` },
});

/**
 * `predict.<field>` → a column of `purchase_scores` under the most recently fitted
 * purchase model (alias `ps` in compiled rules); null for customers it has not scored.
 */
export const PREDICTION_FIELDS: Record<string, { type: ExprType; column: string }> = lookupTable({
  churn_risk: { type: "number", column: "churn_risk" },
  p_alive: { type: "number", column: "p_alive" },
  clv_365d: { type: "number", column: "clv_365d" },
  expected_purchases_90d: { type: "number", column: "expected_purchases_90d" },
  risk_band: { type: "text", column: "risk_band" },
});

/**
 * `send_time.<field>` → a column of the user's best send time (`src/semantic/send-time.ts`
 * `bestSendTimes`) from their activity up to the evaluation time, in their time zone.
 */
export const SEND_TIME_FIELDS: Record<string, { type: ExprType; column: string }> = lookupTable({
  local_hour: { type: "number", column: "local_hour" },
});

/** The values `predict.risk_band` takes. */
export const RISK_BANDS = ["low", "medium", "high"] as const;

export const MAX_WINDOW_DAYS = 36_500;
