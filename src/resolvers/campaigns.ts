import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { Permission } from "../access/permissions";
import {
  Campaign,
  CampaignLaunch,
  CampaignResults,
  CreateCampaignInput,
  UpdateCampaignInput,
} from "../schema/campaigns";
import { DefinitionStatus } from "../schema/definitions";
import type { Context } from "../server/context";
import { actorOf } from "./actor";
import { DefinitionResolver } from "./definitions";

@Resolver(() => Campaign)
export class CampaignResolver extends DefinitionResolver({
  name: "Campaign",
  type: Campaign,
  createInput: CreateCampaignInput,
  updateInput: UpdateCampaignInput,
  createDescription:
    "Defines a campaign: channel, target segment, holdout share, cost and attribution window. launchCampaign freezes its audience; an existing key is a CONFLICT",
  archiveDescription: "A launched campaign keeps its frozen audience, so its results stay readable",
  service: (ctx) => ctx.services.campaigns,
  history: (ctx) => ctx.loaders.campaignHistory,
}) {
  @Authorized(Permission.READ)
  @Query(() => [Campaign], { description: "Campaigns in key order, optionally of one status" })
  async campaigns(
    @Arg("status", () => DefinitionStatus, { nullable: true, description: "Only this status; absent: both" })
    status: DefinitionStatus | undefined,
    @Ctx() ctx: Context,
  ): Promise<Campaign[]> {
    return (await ctx.services.campaigns.list({ status })).map(Campaign.from);
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => CampaignLaunch, {
    description:
      "Freezes the audience: the target segment's members now, split into treatment and holdout by GrowthBook's hash (seed = the key). Touches are then tracked as campaign_sent / campaign_delivered / campaign_opened / campaign_clicked events with a campaign property. A launched campaign is a CONFLICT",
  })
  async launchCampaign(
    @Arg("key", () => String, { description: "The campaign's key" }) key: string,
    @Ctx() ctx: Context,
  ): Promise<CampaignLaunch> {
    const report = await ctx.services.campaigns.launch(key, actorOf(ctx));
    return Object.assign(new CampaignLaunch(), report, { campaign: Campaign.from(report.campaign) });
  }

  @Authorized(Permission.READ)
  @Query(() => CampaignResults, {
    description:
      "A launched campaign against its holdout: touches, conversions per arm in the attribution window, incremental conversions and revenue, lift, ROI and a daily series",
  })
  async campaignResults(
    @Arg("key", () => String, { description: "The campaign's key" }) key: string,
    @Ctx() ctx: Context,
  ): Promise<CampaignResults> {
    return CampaignResults.from(await ctx.services.campaignResults.results(key));
  }
}
