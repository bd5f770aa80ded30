import { Field, Float, InputType, Int, ObjectType } from "type-graphql";
import type { CampaignRecord } from "../campaigns/definitions";
import type { CampaignResultsRecord } from "../campaigns/results";
import { CreateDefinitionInput, Definition, UpdateDefinitionInput } from "./definitions";
import { ConfidenceInterval } from "./experiment-results";
import { DateTime } from "./scalars";

@ObjectType({
  description:
    "A marketing action measured against a holdout: channel, audience, holdout share, cost and attribution",
})
export class Campaign extends Definition {
  @Field(() => String, { description: "sms, push, email, wechat …" })
  channel!: string;

  @Field(() => String, { description: "The segment whose members formed the audience at launch" })
  segment!: string;

  @Field(() => Float, {
    description:
      "Share of the audience held out (never to be touched), by GrowthBook's hash with the key as seed",
  })
  holdoutShare!: number;

  @Field(() => Float, { description: "Cost independent of the number of touches" })
  fixedCost!: number;

  @Field(() => Float, { description: "Cost per user sent the campaign" })
  costPerTouch!: number;

  @Field(() => Int, { description: "Conversions count from the launch for this many days (× 24 h)" })
  attributionDays!: number;

  @Field(() => String, {
    nullable: true,
    description: "The event whose occurrence converts; null: a counted order (the default)",
  })
  conversionEvent!: string | null;

  @Field(() => DateTime, {
    nullable: true,
    description: "When launchCampaign froze the audience; null before the launch",
  })
  launchedAt!: Date | null;

  static from(record: CampaignRecord): Campaign {
    return Object.assign(new Campaign(), record);
  }
}

@InputType({ description: "A new campaign; any invalid field is refused with BAD_USER_INPUT naming it" })
export class CreateCampaignInput extends CreateDefinitionInput {
  @Field(() => String, { description: "1–32 lower-case letters, digits or _: sms, push, email, wechat …" })
  channel!: string;

  @Field(() => String, { description: "An active segment's key: its members at launch are the audience" })
  segment!: string;

  @Field(() => Float, { description: "Share of the audience held out, strictly between 0 and 1" })
  holdoutShare!: number;

  @Field(() => Float, {
    nullable: true,
    description: "Cost independent of the touches, at least 0; default 0",
  })
  fixedCost?: number;

  @Field(() => Float, {
    nullable: true,
    description: "Cost per user sent the campaign, at least 0; default 0",
  })
  costPerTouch?: number;

  @Field(() => Int, {
    nullable: true,
    description: "Attribution window in days from the launch, 1–365; default 7",
  })
  attributionDays?: number;

  @Field(() => String, {
    nullable: true,
    description: "An event name that counts as the conversion; absent: a counted order",
  })
  conversionEvent?: string;
}

@InputType({
  description:
    "Absent fields stay as they are; after the launch segment and holdoutShare are frozen (BAD_USER_INPUT)",
})
export class UpdateCampaignInput extends UpdateDefinitionInput {
  @Field(() => String, { nullable: true, description: "A new channel" })
  channel?: string;

  @Field(() => String, { nullable: true, description: "A new audience segment (before the launch only)" })
  segment?: string;

  @Field(() => Float, { nullable: true, description: "A new holdout share (before the launch only)" })
  holdoutShare?: number;

  @Field(() => Float, { nullable: true, description: "A new fixed cost, at least 0" })
  fixedCost?: number;

  @Field(() => Float, { nullable: true, description: "A new cost per touch, at least 0" })
  costPerTouch?: number;

  @Field(() => Int, { nullable: true, description: "A new attribution window in days, 1–365" })
  attributionDays?: number;

  @Field(() => String, { nullable: true, description: "A new conversion event name" })
  conversionEvent?: string;
}

@ObjectType({ description: "The frozen audience of a launch" })
export class CampaignLaunch {
  @Field(() => Campaign, { description: "The campaign, with its launch time" })
  campaign!: Campaign;

  @Field(() => Int, { description: "Members of the target segment at launch" })
  audience!: number;

  @Field(() => Int, { description: "Audience members in the treatment arm (to be touched)" })
  treated!: number;

  @Field(() => Int, { description: "Audience members held out (never to be touched)" })
  holdout!: number;
}

@ObjectType({ description: "An integer per arm" })
export class ArmCounts {
  @Field(() => Int, { description: "In the treatment arm" })
  treated!: number;

  @Field(() => Int, { description: "In the holdout" })
  holdout!: number;
}

@ObjectType({ description: "A rate per arm; null for an arm without units" })
export class ArmRates {
  @Field(() => Float, { nullable: true, description: "Of the treatment arm" })
  treated!: number | null;

  @Field(() => Float, { nullable: true, description: "Of the holdout" })
  holdout!: number | null;
}

@ObjectType({ description: "One day of a campaign, for charts" })
export class CampaignDay {
  @Field(() => String, { description: "The day (YYYY-MM-DD) in the server's time zone" })
  day!: string;

  @Field(() => Int, { description: "Users first sent the campaign that day" })
  sent!: number;

  @Field(() => Int, { description: "Users with a first delivery that day" })
  delivered!: number;

  @Field(() => Int, { description: "Users first opening that day" })
  opened!: number;

  @Field(() => Int, { description: "Users first clicking that day" })
  clicked!: number;

  @Field(() => ArmCounts, { description: "Units whose first conversion in the window fell on that day" })
  conversions!: ArmCounts;
}

@ObjectType({
  description:
    "A launched campaign against its holdout: touches, conversions per arm, incremental conversions and revenue, lift and ROI",
})
export class CampaignResults {
  @Field(() => String, { description: "The campaign's key" })
  key!: string;

  @Field(() => DateTime, { description: "When the audience was frozen; conversions count from here" })
  launchedAt!: Date;

  @Field(() => DateTime, { description: "End of the attribution window (exclusive)" })
  windowEnd!: Date;

  @Field(() => Int, { description: "Members of the frozen audience (merged profiles once)" })
  audience!: number;

  @Field(() => Int, { description: "Audience members in the treatment arm" })
  treated!: number;

  @Field(() => Int, { description: "Audience members held out" })
  holdout!: number;

  @Field(() => Int, { description: "Users with a campaign_sent event of this campaign since the launch" })
  sent!: number;

  @Field(() => Int, { description: "Users with a campaign_delivered event" })
  delivered!: number;

  @Field(() => Int, { description: "Users with a campaign_opened event" })
  opened!: number;

  @Field(() => Int, { description: "Users with a campaign_clicked event" })
  clicked!: number;

  @Field(() => Int, {
    description: "Holdout members sent the campaign anyway; anything but 0 biases the lift",
  })
  holdoutTouched!: number;

  @Field(() => Float, { nullable: true, description: "opened / sent; null before anything was sent" })
  openRate!: number | null;

  @Field(() => Float, { nullable: true, description: "clicked / sent; null before anything was sent" })
  clickRate!: number | null;

  @Field(() => ArmCounts, { description: "Units converting within the attribution window, per arm" })
  conversions!: ArmCounts;

  @Field(() => ArmRates, { description: "conversions / units, per arm" })
  conversionRate!: ArmRates;

  @Field(() => ArmRates, { description: "Counted-order revenue in the window per unit, per arm" })
  revenuePerUnit!: ArmRates;

  @Field(() => Float, {
    nullable: true,
    description: "(treated rate − holdout rate) × treated units; null while an arm has no units",
  })
  incrementalConversions!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "(treated − holdout revenue per unit) × treated units; null while an arm has no units",
  })
  incrementalRevenue!: number | null;

  @Field(() => Float, { nullable: true, description: "treated rate − holdout rate" })
  absoluteLift!: number | null;

  @Field(() => ConfidenceInterval, { nullable: true, description: "95 % interval of the absolute lift" })
  absoluteCi95!: ConfidenceInterval | null;

  @Field(() => Float, {
    nullable: true,
    description: "treated rate / holdout rate − 1; null when the holdout rate is 0",
  })
  lift!: number | null;

  @Field(() => ConfidenceInterval, {
    nullable: true,
    description: "95 % interval of the lift (delta method)",
  })
  ci95!: ConfidenceInterval | null;

  @Field(() => Float, {
    nullable: true,
    description: "Two-sided p-value of the pooled two-proportion z-test, holdout as control",
  })
  pValue!: number | null;

  @Field(() => Float, { description: "fixed cost + cost per touch × sent" })
  cost!: number;

  @Field(() => Float, {
    nullable: true,
    description: "(incremental revenue − cost) / cost; null when the cost is 0",
  })
  roi!: number | null;

  @Field(() => [CampaignDay], {
    description: "Every day from the launch day to the later of the window's last day and the last touch",
  })
  daily!: CampaignDay[];

  @Field(() => String, { description: "The compiled, parameterised SQL (one statement)" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;

  static from(record: CampaignResultsRecord): CampaignResults {
    return Object.assign(new CampaignResults(), record);
  }
}
