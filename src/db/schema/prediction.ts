import {
  bigint,
  date,
  doublePrecision,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * Fitted purchase models (a small reference table). Every fit of a key is a new version;
 * the newest version is the model in use. Parameters are stored, never scores: a user's
 * prediction is computed from them and the user's current purchase summary.
 */
export const purchaseModels = pgTable(
  "purchase_models",
  {
    key: text("key").notNull(),
    version: integer("version").notNull(),
    fittedAt: timestamp("fitted_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    fittedBy: text("fitted_by").notNull(),
    calibrationEnd: date("calibration_end", { mode: "string" }).notNull(),
    timezone: text("timezone").notNull(),
    /** Days per model time unit: 7 (weeks) or 1 (days). */
    unitDays: integer("unit_days").notNull(),
    segment: text("segment"),
    customers: integer("customers").notNull(),
    repeatCustomers: integer("repeat_customers").notNull(),
    /** `{ r, alpha, a, b, logLikelihood, iterations, converged }` */
    bgnbd: jsonb("bgnbd").$type<Record<string, number | boolean>>().notNull(),
    /** `{ p, q, gamma, logLikelihood, iterations, converged }` */
    gammaGamma: jsonb("gamma_gamma").$type<Record<string, number | boolean>>().notNull(),
    riskMedium: doublePrecision("risk_medium").notNull(),
    riskHigh: doublePrecision("risk_high").notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.version] })],
);

/**
 * Each customer's scores under the newest version of each model, as of `scored_at`:
 * what rules (`predict.*`) and the `risk_band` metric dimension read. Rewritten whole per
 * model by a fit and by every refresh; keyed by `user_id` first (Citus co-location).
 */
export const purchaseScores = pgTable(
  "purchase_scores",
  {
    userId: bigint("user_id", { mode: "number" }).notNull(),
    modelKey: text("model_key").notNull(),
    version: integer("version").notNull(),
    pAlive: doublePrecision("p_alive").notNull(),
    churnRisk: doublePrecision("churn_risk").notNull(),
    riskBand: text("risk_band").notNull(),
    expectedPurchases90d: doublePrecision("expected_purchases_90d").notNull(),
    expectedAvgSpend: doublePrecision("expected_avg_spend").notNull(),
    clv365d: doublePrecision("clv_365d").notNull(),
    scoredAt: timestamp("scored_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.modelKey] })],
);
