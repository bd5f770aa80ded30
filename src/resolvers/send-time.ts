import { Arg, Authorized, Ctx, FieldResolver, Float, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../access/permissions";
import { maskPiiValue } from "../access/pii";
import { DateTime } from "../schema/scalars";
import { BestSendTime, SendTimeDistribution, SendTimeEvaluation } from "../schema/send-time";
import { User } from "../schema/user";
import type { Context } from "../server/context";

/** The shop's best send times: the heat map and the hold-out evaluation. */
@Resolver()
export class SendTimeResolver {
  @Authorized(Permission.READ)
  @Query(() => SendTimeDistribution, {
    description:
      "How best send times spread over the 168 local hours of the week, for a segment's current members or every active user",
  })
  sendTimeDistribution(
    @Arg("segment", () => String, {
      nullable: true,
      description: "A segment key: only its current members; every active user when absent",
    })
    segment: string | undefined,
    @Ctx() ctx: Context,
  ): Promise<SendTimeDistribution> {
    return ctx.services.sendTime.distribution(segment);
  }

  @Authorized(Permission.READ)
  @Query(() => SendTimeEvaluation, {
    description:
      "Trains best send times on activity before `split` and measures how often each user's first later activity falls in the predicted hour, against the shop's single best hour",
  })
  evaluateSendTime(
    @Arg("split", () => DateTime, {
      description: "Activity before it trains, activity at or after it is held out",
    })
    split: Date,
    @Arg("priorStrength", () => Float, {
      nullable: true,
      description: "α to evaluate, above 0 and at most 1,000,000; the configured one when absent",
    })
    priorStrength: number | undefined,
    @Ctx() ctx: Context,
  ): Promise<SendTimeEvaluation> {
    return ctx.services.sendTime.evaluate(split, priorStrength);
  }
}

/**
 * `User.bestSendTime`: batched per request (one statement per page of users). Its time zone is
 * masked for roles without read_pii when the deployment declares the time-zone trait PII.
 */
@Resolver(() => User)
export class UserSendTimeResolver {
  @Authorized(Permission.READ)
  @FieldResolver(() => BestSendTime, {
    nullable: true,
    description:
      "The local hour of the week the user is most likely active, from all their activity smoothed toward the shop's; null only when the shop has no activity",
  })
  async bestSendTime(@Root() user: User, @Ctx() ctx: Context): Promise<BestSendTime | null> {
    const answer = await ctx.loaders.bestSendTime.load(Number(user.id));
    const masked =
      !ctx.pii.seesPii && ctx.services.pii.isPiiTrait(ctx.services.config.sendTime.timezoneTrait);
    return answer && masked ? { ...answer, timezone: maskPiiValue(answer.timezone) } : answer;
  }
}
