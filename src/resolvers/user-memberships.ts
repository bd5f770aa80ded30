import { Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { Permission } from "../access/permissions";
import { maskPiiValue } from "../access/pii";
import { UserSegment } from "../schema/segments";
import { UserTag } from "../schema/tags";
import { User } from "../schema/user";
import type { Context } from "../server/context";

/**
 * `User.tags` and `User.segments`: batched per request, one statement each per page. They
 * need READ: the INGEST role receives a User from `identify` but may not read labels.
 */
@Resolver(() => User)
export class UserMembershipResolver {
  @Authorized(Permission.READ)
  @FieldResolver(() => [UserTag], {
    description:
      "Current memberships of active tags; values of tags computed from PII are masked without read_pii",
  })
  async tags(@Root() user: User, @Ctx() ctx: Context): Promise<UserTag[]> {
    const memberships = await ctx.loaders.userTags.load(Number(user.id));
    if (ctx.pii.seesPii) return memberships;
    const piiTags = await ctx.loaders.piiValueTags();
    return memberships.map((membership) =>
      membership.value !== null && piiTags.has(membership.key)
        ? { ...membership, value: maskPiiValue(membership.value) }
        : membership,
    );
  }

  @Authorized(Permission.READ)
  @FieldResolver(() => [UserSegment], { description: "Current memberships of active segments" })
  segments(@Root() user: User, @Ctx() ctx: Context): Promise<UserSegment[]> {
    return ctx.loaders.userSegments.load(Number(user.id));
  }
}
