import { Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { Permission } from "../access/permissions";
import { UserRfm } from "../schema/analytics";
import { User } from "../schema/user";
import type { Context } from "../server/context";

/** `User.rfm`: batched per request (one statement per page); needs READ, like every label. */
@Resolver(() => User)
export class UserRfmResolver {
  @Authorized(Permission.READ)
  @FieldResolver(() => UserRfm, {
    nullable: true,
    description:
      "RFM scores as of now over the last 365 days, ranked among all customers; null without a counted order in them",
  })
  rfm(@Root() user: User, @Ctx() ctx: Context): Promise<UserRfm | null> {
    return ctx.loaders.rfm.load(Number(user.id));
  }
}
