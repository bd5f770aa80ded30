import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { ANALYTICAL_ROOT_FIELD_COST } from "../access/limits";
import { Permission } from "../access/permissions";
import { maskRuleLiterals } from "../rules/pii";
import { DefinitionStatus, DefinitionVersion } from "../schema/definitions";
import { DateTime } from "../schema/scalars";
import { CreateTagInput, RulePreview, Tag, TagCategory, UpdateTagInput } from "../schema/tags";
import { User } from "../schema/user";
import type { Context } from "../server/context";
import { actorOf } from "./actor";
import { RefreshableDefinitionResolver } from "./definitions";

@Resolver(() => Tag)
export class TagResolver extends RefreshableDefinitionResolver({
  name: "Tag",
  type: Tag,
  createInput: CreateTagInput,
  updateInput: UpdateTagInput,
  service: (ctx) => ctx.services.tags,
  history: (ctx) => ctx.loaders.tagHistory,
  plural: "Tags",
  refreshDescription: "Recomputes RULE and VALUE tags (all active ones without keys)",
  refresh: (ctx, keys) => ctx.services.tags.refresh(keys),
}) {
  @Authorized(Permission.READ)
  @Query(() => [Tag])
  async tags(
    @Arg("category", () => TagCategory, { nullable: true }) category: TagCategory | undefined,
    @Arg("status", () => DefinitionStatus, { nullable: true }) status: DefinitionStatus | undefined,
    @Ctx() ctx: Context,
  ): Promise<Tag[]> {
    return (await ctx.services.tags.list({ category, status })).map(Tag.from);
  }

  @Authorized(Permission.READ)
  @Query(() => RulePreview, {
    description: "Checks and evaluates a rule as of asOf (default now), saving nothing",
    complexity: ANALYTICAL_ROOT_FIELD_COST,
  })
  async previewRule(
    @Arg("rule", () => String) rule: string,
    @Arg("asOf", () => DateTime, { nullable: true }) asOf: Date | undefined,
    @Ctx() ctx: Context,
  ): Promise<RulePreview> {
    const result = await ctx.services.rules.preview(rule, asOf ?? new Date(), ctx.pii);
    return Object.assign(new RulePreview(), result, {
      ast: result.checked ? stripPositions(result.checked.expr) : null,
    });
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => Int, { description: "Adds users to a MANUAL tag; returns how many were not members yet" })
  assignTag(
    @Arg("key", () => String) key: string,
    @Arg("userIds", () => [ID]) userIds: string[],
    @Ctx() ctx: Context,
  ): Promise<number> {
    return ctx.services.tags.assign(key, userIds, actorOf(ctx));
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => Int, { description: "Removes users from a MANUAL tag; returns how many were members" })
  unassignTag(
    @Arg("key", () => String) key: string,
    @Arg("userIds", () => [ID]) userIds: string[],
    @Ctx() ctx: Context,
  ): Promise<number> {
    return ctx.services.tags.assign(key, userIds, actorOf(ctx), true);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The rule in text form (RULE and VALUE tags); literals compared with PII are masked without read_pii",
  })
  rule(@Root() tag: Tag, @Ctx() ctx: Context): string | null {
    return visibleRule(tag.rule, ctx);
  }
}

/** A stored rule as the principal may read it: literals compared with PII masked without read_pii. */
export function visibleRule(rule: string | null | undefined, ctx: Context): string | null {
  if (rule == null) return null;
  return ctx.pii.seesPii ? rule : maskRuleLiterals(rule, ctx.services.pii);
}

@Resolver(() => DefinitionVersion)
export class DefinitionVersionResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: "The rule of this version; literals compared with PII are masked without read_pii",
  })
  rule(@Root() version: DefinitionVersion, @Ctx() ctx: Context): string | null {
    return visibleRule(version.rule, ctx);
  }
}

@Resolver(() => RulePreview)
export class RulePreviewResolver {
  @FieldResolver(() => [User], { description: "Matching users in id order" })
  async sampleUsers(
    @Root() preview: RulePreview,
    @Arg("limit", () => Int, { defaultValue: 10 }) limit: number,
    @Ctx() ctx: Context,
  ): Promise<User[]> {
    if (!preview.checked) return [];
    const ids = await ctx.services.rules.sample(preview.checked, preview.asOf, limit);
    const users = await ctx.loaders.user.loadMany(ids);
    return users
      .filter((u): u is Exclude<typeof u, Error | null> => !!u && !(u instanceof Error))
      .map(User.from);
  }
}

function stripPositions(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === "at" ? undefined : v)));
}
