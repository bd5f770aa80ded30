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
  @Query(() => FunnelResult, { complexity: ANALYTICAL_ROOT_FIELD_COST })
  funnel(@Arg("input", () => FunnelInput) input: FunnelInput, @Ctx() ctx: Context): Promise<FunnelResult> {
    return ctx.services.analytics.funnel(input, ctx.pii);
  }

  @Authorized(Permission.READ)
  @Query(() => RetentionResult, { complexity: ANALYTICAL_ROOT_FIELD_COST })
  retention(
    @Arg("input", () => RetentionInput) input: RetentionInput,
    @Ctx() ctx: Context,
  ): Promise<RetentionResult> {
    return ctx.services.analytics.retention(input);
  }

  @Authorized(Permission.READ)
  @Query(() => PathsResult, { complexity: ANALYTICAL_ROOT_FIELD_COST })
  paths(@Arg("input", () => PathsInput) input: PathsInput, @Ctx() ctx: Context): Promise<PathsResult> {
    return ctx.services.analytics.paths(input);
  }

  @Authorized(Permission.READ)
  @Query(() => LifecycleResult, { complexity: ANALYTICAL_ROOT_FIELD_COST })
  lifecycle(
    @Arg("input", () => LifecycleInput) input: LifecycleInput,
    @Ctx() ctx: Context,
  ): Promise<LifecycleResult> {
    return ctx.services.analytics.lifecycle(input);
  }

  @Authorized(Permission.READ)
  @Query(() => RfmResult, { complexity: ANALYTICAL_ROOT_FIELD_COST })
  rfm(
    @Ctx() ctx: Context,
    @Arg("asOf", () => DateTime, { nullable: true, description: "Evaluation time; now when absent" })
    asOf?: Date,
    @Arg("lookbackDays", () => Int, { nullable: true, defaultValue: 365 }) lookbackDays?: number,
    @Arg("segment", () => String, { nullable: true }) segment?: string,
  ): Promise<RfmResult> {
    return ctx.services.analytics.rfm({ asOf, lookbackDays, segment });
  }

  @Authorized(Permission.READ)
  @Query(() => RepurchaseCycleResult, { complexity: ANALYTICAL_ROOT_FIELD_COST })
  repurchaseCycle(
    @Arg("timeRange", () => TimeRangeInput) timeRange: TimeRangeInput,
    @Ctx() ctx: Context,
    @Arg("by", () => String, { nullable: true, description: "category or brand" }) by?: string,
    @Arg("segment", () => String, { nullable: true }) segment?: string,
    @Arg("timezone", () => String, { nullable: true }) timezone?: string,
  ): Promise<RepurchaseCycleResult> {
    return ctx.services.analytics.repurchaseCycle({ timeRange, by, segment, timezone });
  }
}
