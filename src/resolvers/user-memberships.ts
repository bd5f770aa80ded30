import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { UserSegment } from "../schema/segments";
import { UserTag } from "../schema/tags";
import { User } from "../schema/user";
import type { Context } from "../server/context";

/** `User.tags` and `User.segments`: batched per request, one statement each per page. */
@Resolver(() => User)
export class UserMembershipResolver {
  @FieldResolver(() => [UserTag], { description: "Current memberships of active tags" })
  tags(@Root() user: User, @Ctx() ctx: Context): Promise<UserTag[]> {
    return ctx.loaders.userTags.load(Number(user.id));
  }

  @FieldResolver(() => [UserSegment], { description: "Current memberships of active segments" })
  segments(@Root() user: User, @Ctx() ctx: Context): Promise<UserSegment[]> {
    return ctx.loaders.userSegments.load(Number(user.id));
  }
}
