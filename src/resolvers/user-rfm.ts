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
    description: "Null without a counted order in the last 365 days",
  })
  rfm(@Root() user: User, @Ctx() ctx: Context): Promise<UserRfm | null> {
    return ctx.loaders.rfm.load(Number(user.id));
  }
}
