import {
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
