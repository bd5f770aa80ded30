import type { Database } from "../db/client";
import { badInput } from "../errors";
import { type Interval, twoProportionZTest } from "../experiments/statistics";
import { type CampaignResultsRow, compileCampaignResults } from "../semantic/campaigns";
import { explainSql } from "../semantic/sql";
import type { CampaignRecord } from "./definitions";

/** Finds a campaign by key; throws NOT_FOUND when there is none. */
export type LoadCampaign = (key: string) => Promise<CampaignRecord>;

export interface ArmPair {
  treated: number;
  holdout: number;
}

export interface NullableArmPair {
  treated: number | null;
  holdout: number | null;
}

export interface CampaignDay {
  day: string;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  conversions: ArmPair;
}

export interface CampaignResultsRecord {
  key: string;
  launchedAt: Date;
  /** End of the attribution window (exclusive). */
  windowEnd: Date;
  audience: number;
  treated: number;
  holdout: number;
  /** Distinct users with each touch since the launch. */
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  /** Holdout members who were sent the campaign anyway (should be 0). */
  holdoutTouched: number;
  /** opened / sent and clicked / sent; null before anything was sent. */
  openRate: number | null;
  clickRate: number | null;
  conversions: ArmPair;
  conversionRate: NullableArmPair;
  /** Counted-order revenue per unit in the window, per arm. */
  revenuePerUnit: NullableArmPair;
  /** (treated rate − holdout rate) × treated units. */
  incrementalConversions: number | null;
  /** (treated revenue per unit − holdout revenue per unit) × treated units. */
  incrementalRevenue: number | null;
  /** treated rate − holdout rate, and its 95 % interval. */
  absoluteLift: number | null;
  absoluteCi95: Interval | null;
  /** treated rate / holdout rate − 1, and its 95 % interval (delta method). */
  lift: number | null;
  ci95: Interval | null;
  /** Pooled two-proportion z-test, two-sided. */
  pValue: number | null;
  /** fixed + per touch × sent. */
  cost: number;
  /** (incremental revenue − cost) / cost; null when the cost is 0. */
  roi: number | null;
  daily: CampaignDay[];
  sql: string;
  sqlInlined: string;
}

const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;

/**
 * A campaign's figures from its one aggregate row: pure, so the arithmetic is tested without a
 * database. Lift, interval and p-value are the experiments' pooled two-proportion z-test with
 * the holdout as the control.
 */
export function campaignStatistics(
  campaign: Pick<CampaignRecord, "fixedCost" | "costPerTouch">,
  row: Omit<CampaignResultsRow, "window_end" | "daily">,
): Omit<CampaignResultsRecord, "key" | "launchedAt" | "windowEnd" | "daily" | "sql" | "sqlInlined"> {
  const treatedRate = ratio(row.treated_conversions, row.treated);
  const holdoutRate = ratio(row.holdout_conversions, row.holdout);
  const treatedRevenue = ratio(row.treated_revenue, row.treated);
  const holdoutRevenue = ratio(row.holdout_revenue, row.holdout);
  const test = twoProportionZTest(
    { conversions: row.holdout_conversions, units: row.holdout },
    { conversions: row.treated_conversions, units: row.treated },
  );
  const incrementalConversions =
    treatedRate === null || holdoutRate === null ? null : (treatedRate - holdoutRate) * row.treated;
  const incrementalRevenue =
    treatedRevenue === null || holdoutRevenue === null
      ? null
      : (treatedRevenue - holdoutRevenue) * row.treated;
  const cost = campaign.fixedCost + campaign.costPerTouch * row.sent;
  return {
    audience: row.audience,
    treated: row.treated,
    holdout: row.holdout,
    sent: row.sent,
    delivered: row.delivered,
    opened: row.opened,
    clicked: row.clicked,
    holdoutTouched: row.holdout_touched,
    openRate: ratio(row.opened, row.sent),
    clickRate: ratio(row.clicked, row.sent),
    conversions: { treated: row.treated_conversions, holdout: row.holdout_conversions },
    conversionRate: { treated: treatedRate, holdout: holdoutRate },
    revenuePerUnit: { treated: treatedRevenue, holdout: holdoutRevenue },
    incrementalConversions,
    incrementalRevenue,
    absoluteLift: test?.absoluteLift ?? null,
    absoluteCi95: test?.ci95 ?? null,
    lift: test?.relativeLift ?? null,
    ci95: test?.relativeCi95 ?? null,
    pValue: test?.pValue ?? null,
    cost,
    roi: incrementalRevenue === null || cost === 0 ? null : (incrementalRevenue - cost) / cost,
  };
}

/** Campaign results: one statement per request, the statistics in Node on its one row. */
export class CampaignResultsService {
  constructor(
    private readonly db: Database,
    private readonly loadCampaign: LoadCampaign,
    private readonly timezone: string,
  ) {}

  /** BAD_USER_INPUT naming `key` until the campaign is launched (no audience, nothing to measure). */
  async results(key: string): Promise<CampaignResultsRecord> {
    const campaign = await this.loadCampaign(key);
    if (!campaign.launchedAt)
      throw badInput(`Campaign "${key}" has not been launched: launchCampaign freezes its audience`, {
        argument: "key",
      });
    const { statement } = compileCampaignResults({
      campaignKey: campaign.key,
      launchedAt: campaign.launchedAt,
      attributionDays: campaign.attributionDays,
      conversionEvent: campaign.conversionEvent,
      timezone: this.timezone,
    });
    const [row] = await this.db.analyticalQuery<CampaignResultsRow & Record<string, unknown>>(statement);
    const days = row.daily ?? [];
    return {
      key: campaign.key,
      launchedAt: campaign.launchedAt,
      windowEnd: new Date(row.window_end),
      ...campaignStatistics(campaign, row),
      daily: days.map((day) => ({
        day: day.day,
        sent: day.sent,
        delivered: day.delivered,
        opened: day.opened,
        clicked: day.clicked,
        conversions: { treated: day.treated_conversions, holdout: day.holdout_conversions },
      })),
      ...explainSql(statement),
    };
  }
}
