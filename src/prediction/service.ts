import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/service";
import type { Database } from "../db/client";
import { badInput, notFound } from "../errors";
import { assertSegmentExists } from "../segments";
import { bigintArray } from "../semantic/arrays";
import { segmentRestriction } from "../semantic/membership";
import { holdoutByHistory, holdoutTransactions, purchaseSummary } from "../semantic/prediction";
import { compileSql } from "../semantic/sql";
import { assertTimeZone } from "../semantic/time";
import { type Actor, validateKey } from "../tags/definition";
import {
  type BgNbdParameters,
  conditionalExpectedPurchases,
  fitBgNbd,
  type PurchaseHistory,
  probabilityAlive,
} from "./bgnbd";
import { expectedAverageSpend, fitGammaGamma, type GammaGammaParameters } from "./gamma-gamma";
import {
  customerLifetimeValue,
  DEFAULT_RISK_THRESHOLDS,
  discountedExpectedPurchases,
  type RiskBand,
  type RiskThresholds,
  riskBand,
} from "./value";

export type ModelUnit = "WEEK" | "DAY";
const UNIT_DAYS: Record<ModelUnit, number> = { WEEK: 7, DAY: 1 };

export type FitStage = "summarise" | "bgnbd" | "gamma_gamma" | "score";

export interface FitPurchaseModelInput {
  key: string;
  /** Last day of the calibration period (YYYY-MM-DD), purchases on it included. */
  calibrationEnd: string;
  timezone?: string | null;
  unit?: ModelUnit | null;
  segment?: string | null;
  riskThresholds?: RiskThresholds | null;
}

interface FitDiagnostics {
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

export interface PurchaseModelRecord {
  key: string;
  version: number;
  fittedAt: Date;
  fittedBy: string;
  calibrationEnd: string;
  timezone: string;
  unit: ModelUnit;
  segment: string | null;
  customers: number;
  repeatCustomers: number;
  bgnbd: BgNbdParameters & FitDiagnostics;
  gammaGamma: GammaGammaParameters & FitDiagnostics;
  riskThresholds: RiskThresholds;
}

export interface HoldoutPeriod {
  /** First day of the period (YYYY-MM-DD). */
  start: string;
  predicted: number;
  actual: number;
}

/** Calibration customers of one churn-risk band (as of the calibration end) over the holdout. */
export interface HoldoutBand {
  band: RiskBand;
  customers: number;
  predicted: number;
  actual: number;
}

export interface HoldoutComparison {
  periods: HoldoutPeriod[];
  predictedTotal: number;
  actualTotal: number;
  riskBands: HoldoutBand[];
}

const RISK_BANDS: readonly RiskBand[] = ["low", "medium", "high"];

/** One user's scores under a model, from their purchase summary as of today. */
export interface UserPrediction {
  pAlive: number;
  churnRisk: number;
  riskBand: RiskBand;
  expectedAvgSpend: number;
  expectedPurchases(days: number): number;
  clv(days: number, monthlyDiscountRate: number): number;
}

type SummaryRow = {
  user_id: string | number;
  x: number;
  tx_days: number;
  t_days: number;
  repeat_value: number;
};

const DAY_MS = 86_400_000;

/** Horizons and discount of the materialised scores (`predict.expected_purchases_90d`, `predict.clv_365d`). */
export const SCORE_PURCHASE_DAYS = 90;
export const SCORE_CLV_DAYS = 365;
export const SCORE_DISCOUNT_RATE = 0.01;
const SCORE_COLUMNS = [
  "user_id",
  "model_key",
  "version",
  "p_alive",
  "churn_risk",
  "risk_band",
  "expected_purchases_90d",
  "expected_avg_spend",
  "clv_365d",
  "scored_at",
];
/** Holdout periods a comparison may produce (one per model unit). */
export const MAX_HOLDOUT_PERIODS = 520;

function isoDate(value: string, argument: string): string {
  const parsed = new Date(`${value}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(parsed.getTime()) ||
    parsed.toISOString().slice(0, 10) !== value
  ) {
    throw badInput(`${argument} "${value}" is not a calendar date (YYYY-MM-DD)`, { argument });
  }
  return value;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function todayIn(timezone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone }).format(new Date());
}

/**
 * Fits BG/NBD + Gamma-Gamma purchase models on per-customer summaries computed in the
 * database, stores their parameters as versioned definitions, and scores users from
 * them. The optimisation sees one row per distinct (x, tx, T), never raw events.
 */
export class PredictionService {
  constructor(
    private readonly db: Database,
    private readonly defaultTimezone: string,
  ) {}

  /** The summary statement of a fit, for `sql` (explain). */
  summarySql(model: Pick<PurchaseModelRecord, "calibrationEnd" | "timezone" | "segment">): string {
    const restriction = model.segment ? segmentRestriction(model.segment, sql`o.user_id`) : undefined;
    return compileSql(
      sql`select * from ${purchaseSummary(model.calibrationEnd, model.timezone, restriction)} s`,
    ).sql;
  }

  /** `onProgress` hears each stage as it starts (the CLI prints them). */
  async fit(
    input: FitPurchaseModelInput,
    actor: Actor,
    onProgress: (stage: FitStage, detail?: string) => void = () => {},
  ): Promise<PurchaseModelRecord> {
    const key = validateKey(input.key);
    const calibrationEnd = isoDate(input.calibrationEnd, "calibrationEnd");
    const timezone = assertTimeZone(input.timezone ?? this.defaultTimezone);
    const unit = input.unit ?? "WEEK";
    const thresholds = input.riskThresholds ?? DEFAULT_RISK_THRESHOLDS;
    if (!(thresholds.medium > 0 && thresholds.medium <= thresholds.high && thresholds.high < 1)) {
      throw badInput("riskThresholds must satisfy 0 < medium ≤ high < 1", { argument: "riskThresholds" });
    }
    if (input.segment) await assertSegmentExists(this.db, input.segment);
    const restriction = input.segment ? segmentRestriction(input.segment, sql`o.user_id`) : undefined;
    onProgress("summarise");
    const rows = await this.db.query<SummaryRow>(
      sql`select x, tx_days, t_days, repeat_value from ${purchaseSummary(calibrationEnd, timezone, restriction)} s`,
    );
    const repeat = rows.filter((row) => row.x > 0);
    if (rows.length < 10 || repeat.length < 3) {
      throw badInput(
        `A purchase model needs at least 10 customers and 3 repeat customers before calibrationEnd; found ${rows.length} and ${repeat.length}`,
        { argument: "calibrationEnd" },
      );
    }
    const unitDays = UNIT_DAYS[unit];
    const histories = groupHistories(rows, unitDays);
    onProgress("bgnbd", `${rows.length} customers, ${histories.length} distinct histories`);
    const bgnbd = fitBgNbd(histories);
    onProgress("gamma_gamma", `${repeat.length} repeat customers`);
    const gammaGamma = fitGammaGamma(repeat.map((row) => ({ x: row.x, m: row.repeat_value / row.x })));
    const record = await this.db.transaction(async (tx) => {
      // One writer per key at a time, so concurrent fits get consecutive versions.
      await tx.query(sql`select pg_advisory_xact_lock(hashtext(${`purchase_model:${key}`}))`);
      const [inserted] = await tx.query<{ version: number; fitted_at: Date }>(sql`
        insert into purchase_models (key, version, fitted_by, calibration_end, timezone, unit_days, segment,
          customers, repeat_customers, bgnbd, gamma_gamma, risk_medium, risk_high)
        select ${key}, coalesce(max(version), 0) + 1, ${actor.name}, ${calibrationEnd}::date, ${timezone}, ${unitDays},
          ${input.segment ?? null}, ${rows.length}, ${repeat.length},
          ${JSON.stringify({ ...bgnbd.parameters, logLikelihood: bgnbd.logLikelihood, iterations: bgnbd.iterations, converged: bgnbd.converged })}::jsonb,
          ${JSON.stringify({ ...gammaGamma.parameters, logLikelihood: gammaGamma.logLikelihood, iterations: gammaGamma.iterations, converged: gammaGamma.converged })}::jsonb,
          ${thresholds.medium}, ${thresholds.high}
        from purchase_models where key = ${key}
        returning version, fitted_at`);
      const model: PurchaseModelRecord = {
        key,
        version: inserted.version,
        fittedAt: new Date(inserted.fitted_at),
        fittedBy: actor.name,
        calibrationEnd,
        timezone,
        unit,
        segment: input.segment ?? null,
        customers: rows.length,
        repeatCustomers: repeat.length,
        bgnbd: { ...bgnbd.parameters, ...diagnostics(bgnbd) },
        gammaGamma: { ...gammaGamma.parameters, ...diagnostics(gammaGamma) },
        riskThresholds: thresholds,
      };
      await recordAudit(tx, {
        actor: actor.name,
        action: "fit",
        entityType: "purchase_model",
        entityKey: key,
        after: { ...model, fittedAt: model.fittedAt.toISOString() },
        requestId: actor.requestId,
      });
      return model;
    });
    onProgress("score");
    await this.score(record);
    return record;
  }

  /** The newest version of `key`, or of the most recently fitted model when `key` is absent. */
  async get(key?: string | null): Promise<PurchaseModelRecord | null> {
    const rows = await this.db.query<ModelRow>(sql`
      select * from purchase_models
      ${key ? sql`where key = ${key}` : sql``}
      order by ${key ? sql`version desc` : sql`fitted_at desc, version desc`} limit 1`);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async require(key?: string | null): Promise<PurchaseModelRecord> {
    const model = await this.get(key);
    if (!model) {
      throw notFound(
        key ? `Purchase model "${key}" has not been fitted` : "No purchase model has been fitted",
        {
          argument: "model",
        },
      );
    }
    return model;
  }

  /**
   * Predicted against actual repeat transactions in each model-unit period after the
   * calibration end, up to `end`, for the model's calibration customers.
   */
  async holdout(model: PurchaseModelRecord, end: string): Promise<HoldoutComparison> {
    const holdoutEnd = isoDate(end, "end");
    const unitDays = UNIT_DAYS[model.unit];
    const days = (Date.parse(holdoutEnd) - Date.parse(model.calibrationEnd)) / DAY_MS;
    if (days < 1) throw badInput("end must be after the model's calibrationEnd", { argument: "end" });
    const periodCount = Math.ceil(days / unitDays);
    if (periodCount > MAX_HOLDOUT_PERIODS) {
      throw badInput(`The holdout may span at most ${MAX_HOLDOUT_PERIODS} periods`, { argument: "end" });
    }
    const restriction = model.segment ? segmentRestriction(model.segment, sql`o.user_id`) : undefined;
    const [groups, actualRows] = await Promise.all([
      this.db.query<{ x: number; tx_days: number; t_days: number; customers: number; actual: number }>(
        holdoutByHistory(model.calibrationEnd, holdoutEnd, model.timezone, restriction),
      ),
      this.db.query<{ period: number; transactions: number }>(
        holdoutTransactions(model.calibrationEnd, holdoutEnd, unitDays, model.timezone, restriction),
      ),
    ]);
    const histories: PurchaseHistory[] = groups.map((group) => ({
      x: group.x,
      tx: group.tx_days / unitDays,
      T: group.t_days / unitDays,
      count: group.customers,
    }));
    const actual = new Map(actualRows.map((row) => [row.period, row.transactions]));
    const periods: HoldoutPeriod[] = [];
    let previous = 0;
    for (let k = 0; k < periodCount; k++) {
      const t = Math.min((k + 1) * unitDays, days) / unitDays;
      let cumulative = 0;
      for (const h of histories)
        cumulative += (h.count ?? 1) * conditionalExpectedPurchases(model.bgnbd, h, t);
      periods.push({
        start: addDays(model.calibrationEnd, 1 + k * unitDays),
        predicted: cumulative - previous,
        actual: actual.get(k) ?? 0,
      });
      previous = cumulative;
    }
    // Each band: customers by their churn risk at the calibration end, over the whole holdout.
    const bands = new Map(RISK_BANDS.map((band) => [band, { band, customers: 0, predicted: 0, actual: 0 }]));
    const horizon = days / unitDays;
    histories.forEach((history, i) => {
      const band = bands.get(riskBand(1 - probabilityAlive(model.bgnbd, history), model.riskThresholds));
      if (!band) return;
      band.customers += groups[i].customers;
      band.predicted += groups[i].customers * conditionalExpectedPurchases(model.bgnbd, history, horizon);
      band.actual += groups[i].actual;
    });
    return {
      periods,
      predictedTotal: previous,
      actualTotal: periods.reduce((sum, p) => sum + p.actual, 0),
      riskBands: [...bands.values()],
    };
  }

  /**
   * Rewrites `purchase_scores` for `model` from every customer's summary up to today: the
   * fixed-horizon scores rules and metric slices read. Customers sharing (x, tx, T) share
   * the purchase-process terms, computed once. Returns the number of customers scored.
   */
  async score(model: PurchaseModelRecord): Promise<number> {
    const unitDays = UNIT_DAYS[model.unit];
    const rows = await this.db.query<SummaryRow>(sql`
      select user_id, x, tx_days, t_days, repeat_value from ${purchaseSummary(todayIn(model.timezone), model.timezone)} s`);
    const shared = new Map<string, { pAlive: number; expected90: number; discountedPurchases: number }>();
    const scoredAt = new Date();
    const out = rows.map((row) => {
      const id = `${row.x}:${row.tx_days}:${row.t_days}`;
      const history = {
        x: row.x,
        tx: row.tx_days / unitDays,
        T: row.t_days / unitDays,
        m: row.x > 0 ? row.repeat_value / row.x : 0,
      };
      let terms = shared.get(id);
      if (!terms) {
        terms = {
          pAlive: probabilityAlive(model.bgnbd, history),
          expected90: conditionalExpectedPurchases(model.bgnbd, history, SCORE_PURCHASE_DAYS / unitDays),
          // CLV = these discounted purchases × the customer's own expected spend (below).
          discountedPurchases: discountedExpectedPurchases(
            model.bgnbd,
            history,
            SCORE_CLV_DAYS,
            SCORE_DISCOUNT_RATE,
            unitDays,
          ),
        };
        shared.set(id, terms);
      }
      const spend = expectedAverageSpend(model.gammaGamma, history);
      return [
        Number(row.user_id),
        model.key,
        model.version,
        terms.pAlive,
        1 - terms.pAlive,
        riskBand(1 - terms.pAlive, model.riskThresholds),
        terms.expected90,
        spend,
        terms.discountedPurchases * spend,
        scoredAt.toISOString(),
      ];
    });
    await this.db.transaction(async (tx) => {
      await tx.query(sql`delete from purchase_scores where model_key = ${model.key}`);
      await tx.copyRows("purchase_scores", SCORE_COLUMNS, out);
    });
    return out.length;
  }

  /** Rescores the newest version of every model (before each refresh, so `predict.*` rules see today's scores). */
  async rescoreAll(): Promise<void> {
    const rows = await this.db.query<ModelRow>(sql`
      select distinct on (key) * from purchase_models order by key, version desc`);
    for (const row of rows) await this.score(toRecord(row));
  }

  /**
   * Scores of each user under `model` (null for a user without counted orders), from
   * their purchase summary up to today in the model's time zone: one statement.
   */
  async predictionsOf(
    model: PurchaseModelRecord,
    userIds: readonly number[],
  ): Promise<(UserPrediction | null)[]> {
    const rows = await this.db.query<SummaryRow>(sql`
      select user_id, x, tx_days, t_days, repeat_value
      from ${purchaseSummary(todayIn(model.timezone), model.timezone, sql`o.user_id = any(${bigintArray(userIds)})`)} s`);
    const byUser = new Map(rows.map((row) => [Number(row.user_id), row]));
    return userIds.map((id) => {
      const row = byUser.get(Number(id));
      return row ? predictionFrom(model, row) : null;
    });
  }
}

function predictionFrom(model: PurchaseModelRecord, row: SummaryRow): UserPrediction {
  const unitDays = UNIT_DAYS[model.unit];
  const history = {
    x: row.x,
    tx: row.tx_days / unitDays,
    T: row.t_days / unitDays,
    m: row.x > 0 ? row.repeat_value / row.x : 0,
  };
  const pAlive = probabilityAlive(model.bgnbd, history);
  return {
    pAlive,
    churnRisk: 1 - pAlive,
    riskBand: riskBand(1 - pAlive, model.riskThresholds),
    expectedAvgSpend: expectedAverageSpend(model.gammaGamma, history),
    expectedPurchases: (days) => conditionalExpectedPurchases(model.bgnbd, history, days / unitDays),
    clv: (days, rate) => customerLifetimeValue(model.bgnbd, model.gammaGamma, history, days, rate, unitDays),
  };
}

/** Customers sharing (x, tx, T) contribute identical likelihood terms: fit on the distinct ones. */
function groupHistories(rows: SummaryRow[], unitDays: number): PurchaseHistory[] {
  const groups = new Map<string, PurchaseHistory>();
  for (const row of rows) {
    const id = `${row.x}:${row.tx_days}:${row.t_days}`;
    const group = groups.get(id);
    if (group) group.count = (group.count ?? 1) + 1;
    else groups.set(id, { x: row.x, tx: row.tx_days / unitDays, T: row.t_days / unitDays, count: 1 });
  }
  return [...groups.values()];
}

function diagnostics(fit: FitDiagnostics): FitDiagnostics {
  return { logLikelihood: fit.logLikelihood, iterations: fit.iterations, converged: fit.converged };
}

type ModelRow = {
  key: string;
  version: number;
  fitted_at: Date | string;
  fitted_by: string;
  calibration_end: string | Date;
  timezone: string;
  unit_days: number;
  segment: string | null;
  customers: number;
  repeat_customers: number;
  bgnbd: PurchaseModelRecord["bgnbd"];
  gamma_gamma: PurchaseModelRecord["gammaGamma"];
  risk_medium: number;
  risk_high: number;
};

function toRecord(row: ModelRow): PurchaseModelRecord {
  const end = row.calibration_end;
  return {
    key: row.key,
    version: row.version,
    fittedAt: new Date(row.fitted_at),
    fittedBy: row.fitted_by,
    calibrationEnd: typeof end === "string" ? end.slice(0, 10) : end.toISOString().slice(0, 10),
    timezone: row.timezone,
    unit: row.unit_days === 1 ? "DAY" : "WEEK",
    segment: row.segment,
    customers: row.customers,
    repeatCustomers: row.repeat_customers,
    bgnbd: row.bgnbd,
    gammaGamma: row.gamma_gamma,
    riskThresholds: { medium: Number(row.risk_medium), high: Number(row.risk_high) },
  };
}
