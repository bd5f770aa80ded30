import { bigint, doublePrecision, index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { definitionColumns, tstz, versionColumns } from "./definitions";

/** What a campaign defines beyond the shared definition columns; every version keeps all of it. */
const campaignColumns = () => ({
  /** sms, push, email, wechat … (lower-case key). */
  channel: text("channel").notNull(),
  /** The segment whose members form the audience at launch. */
  segment: text("segment").notNull(),
  /** Share of the audience held out (never touched), in (0, 1). */
  holdoutShare: doublePrecision("holdout_share").notNull(),
  fixedCost: doublePrecision("fixed_cost").notNull().default(0),
  costPerTouch: doublePrecision("cost_per_touch").notNull().default(0),
  /** Conversions count from the launch for this many days. */
  attributionDays: integer("attribution_days").notNull().default(7),
  /** An event name whose occurrence converts; null: a counted order. */
  conversionEvent: text("conversion_event"),
});

/** A campaign definition (channel, audience, holdout, cost, attribution) and when it launched. */
export const campaigns = pgTable("campaigns", {
  ...definitionColumns(),
  ...campaignColumns(),
  /** Set once by launchCampaign, when the audience was frozen; not a version of the definition. */
  launchedAt: tstz("launched_at"),
});

/** Every version of a campaign definition, with who wrote it and when. */
export const campaignVersions = pgTable(
  "campaign_versions",
  {
    campaignKey: text("campaign_key").notNull(),
    ...versionColumns(),
    ...campaignColumns(),
  },
  (t) => [primaryKey({ columns: [t.campaignKey, t.version] })],
);

/**
 * The audience a campaign froze at launch: the target segment's members then, each in the
 * `treatment` or the `holdout` arm by GrowthBook's hash (seed = the campaign key). Written once,
 * by one insert … select; keyed by `user_id` first like the membership tables.
 */
export const campaignAudience = pgTable(
  "campaign_audience",
  {
    campaignKey: text("campaign_key").notNull(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    /** `treatment` or `holdout`. */
    arm: text("arm").notNull(),
    /** The unit's GrowthBook hash in [0, 1): below the holdout share is the holdout. */
    bucket: doublePrecision("bucket").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.campaignKey] }),
    index("campaign_audience_campaign_arm_idx").on(t.campaignKey, t.arm),
  ],
);
