import { Args, ArgsType, Authorized, Ctx, Field, FieldResolver, Resolver, Root } from "type-graphql";
import { Permission } from "../access/permissions";
import { canSeePii } from "../access/pii";
import { PageArgs, toConnection } from "../schema/connection";
import { UserEventConnection, UserMerge, UserOrderConnection } from "../schema/ingest";
import { User } from "../schema/user";
import type { Context } from "../server/context";

@ArgsType()
class UserEventsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: "Only events of this name" })
  name?: string;
}

/** A profile's behaviour, orders and merge history; merged-away profiles' facts count as the survivor's. */
@Resolver(() => User)
export class UserActivityResolver {
  @Authorized(Permission.READ)
  @FieldResolver(() => UserEventConnection, {
    description:
      "The person's events (those of merged profiles included), newest first; PII properties masked without PII access",
  })
  async events(
    @Root() user: User,
    @Args(() => UserEventsArgs) args: UserEventsArgs,
    @Ctx() ctx: Context,
  ): Promise<UserEventConnection> {
    const page = await ctx.loaders.userEvents.load({
      userId: Number(user.id),
      first: args.first,
      after: args.after,
      last: args.last,
      before: args.before,
      name: args.name,
    });
    return toConnection({
      ...page,
      nodes: page.nodes.map((event) =>
        ctx.pii.seesPii
          ? { ...event, id: String(event.id) }
          : {
              ...event,
              id: String(event.id),
              anonymousId:
                event.anonymousId === null
                  ? null
                  : ctx.services.pii.maskIdentityValue("anonymous_id", event.anonymousId),
              properties: ctx.services.pii.maskEventProperties(event.properties),
            },
      ),
    }) as UserEventConnection;
  }

  @Authorized(Permission.READ)
  @FieldResolver(() => UserOrderConnection, {
    description:
      "The person's orders of every status (those of merged profiles included), newest placedAt first",
  })
  async orders(
    @Root() user: User,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<UserOrderConnection> {
    const page = await ctx.loaders.userOrders.load({
      userId: Number(user.id),
      first: args.first,
      after: args.after,
      last: args.last,
      before: args.before,
    });
    return toConnection({
      ...page,
      nodes: page.nodes.map((order) => ({ ...order, status: order.status.toUpperCase() })),
    }) as UserOrderConnection;
  }

  @Authorized(Permission.READ)
  @FieldResolver(() => [UserMerge], {
    description:
      "Profiles merged into this one, with when and why (PII identity values masked without read_pii)",
  })
  async mergedFrom(@Root() user: User, @Ctx() ctx: Context): Promise<UserMerge[]> {
    const merges = await ctx.loaders.userMerges.load(Number(user.id));
    const pii = canSeePii(ctx.principal);
    return merges.map((merge) => ({
      ...merge,
      userId: String(merge.userId),
      reason: pii ? merge.reason : (ctx.services.pii.maskPayload(merge.reason) as Record<string, unknown>),
    }));
  }
}
