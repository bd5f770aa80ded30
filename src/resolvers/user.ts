import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../access/permissions";
import { canSeePii } from "../access/pii";
import { PageArgs, toConnection } from "../schema/connection";
import { JSONScalar } from "../schema/scalars";
import { Identity, User, UserConnection, UserErasure } from "../schema/user";
import type { Context } from "../server/context";
import { actorOf } from "./actor";

@Resolver(() => User)
export class UserResolver {
  @Authorized(Permission.READ)
  @Query(() => UserConnection, {
    description: "Profiles in id order; profiles merged into others are left out",
  })
  async users(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: Context): Promise<UserConnection> {
    const result = await ctx.services.users.list(page);
    return toConnection({ ...result, nodes: result.nodes.map(User.from) }) as UserConnection;
  }

  @Authorized(Permission.READ)
  @Query(() => User, {
    nullable: true,
    description:
      "A profile by id; a merged-away id answers with the profile it was merged into; null when none",
  })
  async user(
    @Arg("id", () => ID, { description: "A profile id" }) id: string,
    @Ctx() ctx: Context,
  ): Promise<User | null> {
    if (!/^\d{1,15}$/.test(id)) return null;
    const record = await ctx.loaders.user.load(Number(id));
    return record ? User.from(record) : null;
  }

  @Authorized(Permission.READ)
  @Query(() => User, {
    nullable: true,
    description:
      "The profile holding an identifier; null when none. A PII type (email, phone …) needs PII access",
  })
  async userByIdentity(
    @Arg("type", () => String, { description: "Identity type, e.g. user_id, email, phone, anonymous_id" })
    type: string,
    @Arg("value", () => String, {
      description: "The identifier, matched exactly (emails are stored trimmed and lower-cased)",
    })
    value: string,
    @Ctx() ctx: Context,
  ): Promise<User | null> {
    // Looking a profile up by a phone or email would reveal PII to roles that see it masked.
    ctx.pii.assertMayUse({ identityTypes: [type] }, "type");
    const record = await ctx.services.users.byIdentity(type, value);
    return record ? User.from(record) : null;
  }

  @Authorized(Permission.ADMIN)
  @Mutation(() => UserErasure, {
    description:
      "Right to erasure: removes the person's PII (traits, identities, PII event properties, merge reasons, audit values) and memberships, of the profile and every profile merged into it; events and orders stay, anonymous. Idempotent; audited without PII",
  })
  async deleteUser(
    @Arg("id", () => ID, {
      description: "A profile id; a merged-away id erases the profile it was merged into",
    })
    id: string,
    @Ctx() ctx: Context,
  ): Promise<UserErasure> {
    return UserErasure.from(await ctx.services.erasure.erase(id, actorOf(ctx)));
  }

  /** PII traits are masked for roles without `read_pii`. */
  @FieldResolver(() => JSONScalar)
  traits(@Root() user: User, @Ctx() ctx: Context): Record<string, unknown> {
    return canSeePii(ctx.principal) ? user.traits : ctx.services.pii.maskTraits(user.traits);
  }

  /** Identity values of PII types are masked for roles without `read_pii`. */
  @FieldResolver(() => [Identity], {
    description: "Every identifier of the profile (merged profiles' included), by type then value",
  })
  async identities(@Root() user: User, @Ctx() ctx: Context): Promise<Identity[]> {
    const identities = await ctx.loaders.identities.load(Number(user.id));
    if (canSeePii(ctx.principal)) return identities;
    return identities.map(({ type, value }) => ({
      type,
      value: ctx.services.pii.maskIdentityValue(type, value),
    }));
  }
}
