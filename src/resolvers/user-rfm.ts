import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { UserRfm } from "../schema/analytics";
import { User } from "../schema/user";
import type { Context } from "../server/context";

/** `User.rfm`: batched per request through the `rfm` DataLoader (one statement per page). */
@Resolver(() => User)
export class UserRfmResolver {
  @FieldResolver(() => UserRfm, {
    nullable: true,
    description: "Null without a counted order in the last 365 days",
  })
  rfm(@Root() user: User, @Ctx() ctx: Context): Promise<UserRfm | null> {
    return ctx.loaders.rfm.load(Number(user.id));
  }
}
