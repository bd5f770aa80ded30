import { Arg, Authorized, Ctx, Int, Query, Resolver } from "type-graphql";
import { ANALYTICAL_ROOT_FIELD_COST } from "../access/limits";
import { Permission } from "../access/permissions";
import {
  FunnelInput,
  FunnelResult,
  LifecycleInput,
  LifecycleResult,
  PathsInput,
  PathsResult,
  RepurchaseCycleResult,
  RetentionInput,
  RetentionResult,
  RfmResult,
} from "../schema/analytics";
import { TimeRangeInput } from "../schema/metrics";
import { DateTime } from "../schema/scalars";
import type { Context } from "../server/context";

/** Behaviour analytics; all the work is in `AnalyticsService`. */
@Resolver()
export class AnalyticsResolver {
  @Authorized(Permission.READ)
  @Query(() => FunnelResult, {
    description: "How many users go through a sequence of steps within a conversion window, step by step",
    complexity: ANALYTICAL_ROOT_FIELD_COST,
  })
  funnel(
    @Arg("input", () => FunnelInput, { description: "The funnel's steps, window, range and options" })
    input: FunnelInput,
    @Ctx() ctx: Context,
  ): Promise<FunnelResult> {
    return ctx.services.analytics.funnel(input, ctx.pii);
  }

  @Authorized(Permission.READ)
  @Query(() => RetentionResult, {
    description:
      "Cohort retention: of the users who started in a period, how many came back in each later one",
    complexity: ANALYTICAL_ROOT_FIELD_COST,
  })
  retention(
    @Arg("input", () => RetentionInput, {
      description: "The cohorts' start and return events, periods and range",
    })
    input: RetentionInput,
    @Ctx() ctx: Context,
  ): Promise<RetentionResult> {
    return ctx.services.analytics.retention(input);
  }

  @Authorized(Permission.READ)
  @Query(() => PathsResult, {
    description: "The most common paths users take through events within a session",
    complexity: ANALYTICAL_ROOT_FIELD_COST,
  })
  paths(
    @Arg("input", () => PathsInput, { description: "Where paths start and end, their length and range" })
    input: PathsInput,
    @Ctx() ctx: Context,
  ): Promise<PathsResult> {
    return ctx.services.analytics.paths(input);
  }

  @Authorized(Permission.READ)
  @Query(() => LifecycleResult, {
    description: "New, returning, resurrecting and dormant users of an event, per bucket",
    complexity: ANALYTICAL_ROOT_FIELD_COST,
  })
  lifecycle(
    @Arg("input", () => LifecycleInput, { description: "The event, bucket size and range" })
    input: LifecycleInput,
    @Ctx() ctx: Context,
  ): Promise<LifecycleResult> {
    return ctx.services.analytics.lifecycle(input);
  }

  @Authorized(Permission.READ)
  @Query(() => RfmResult, {
    description: "The RFM report: the recency × frequency grid and the size of each named RFM segment",
    complexity: ANALYTICAL_ROOT_FIELD_COST,
  })
  rfm(
    @Ctx() ctx: Context,
    @Arg("asOf", () => DateTime, { nullable: true, description: "Evaluation time; now when absent" })
    asOf?: Date,
    @Arg("lookbackDays", () => Int, {
      nullable: true,
      defaultValue: 365,
      description: "Days of counted orders scored: the window (asOf − lookbackDays days, asOf]; 1 to 3650",
    })
    lookbackDays?: number,
    @Arg("segment", () => String, {
      nullable: true,
      description:
        "Count only this active segment's current members (scores stay ranked among all customers)",
    })
    segment?: string,
  ): Promise<RfmResult> {
    return ctx.services.analytics.rfm({ asOf, lookbackDays, segment });
  }

  @Authorized(Permission.READ)
  @Query(() => RepurchaseCycleResult, {
    description: "How many days customers take to place their next counted order: quartiles and a histogram",
    complexity: ANALYTICAL_ROOT_FIELD_COST,
  })
  repurchaseCycle(
    @Arg("timeRange", () => TimeRangeInput, {
      description: "Orders placed in this range are measured (the previous order may be older)",
    })
    timeRange: TimeRangeInput,
    @Ctx() ctx: Context,
    @Arg("by", () => String, {
      nullable: true,
      description:
        "`category` or `brand`: also one distribution per value, over orders containing an item of it",
    })
    by?: string,
    @Arg("segment", () => String, {
      nullable: true,
      description: "Only the current members of this active segment (its key); an unknown key is NOT_FOUND",
    })
    segment?: string,
    @Arg("timezone", () => String, {
      nullable: true,
      description: "IANA time zone of the range's dates; default from config",
    })
    timezone?: string,
  ): Promise<RepurchaseCycleResult> {
    return ctx.services.analytics.repurchaseCycle({ timeRange, by, segment, timezone });
  }
}
