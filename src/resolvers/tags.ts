import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { ANALYTICAL_ROOT_FIELD_COST } from "../access/limits";
import { Permission } from "../access/permissions";
import { maskRuleLiterals } from "../rules/pii";
import { DefinitionStatus, DefinitionVersion } from "../schema/definitions";
import { TimeRangeInput } from "../schema/metrics";
import { DateTime } from "../schema/scalars";
import {
  CreateTagInput,
  RealtimeMode,
  RulePreview,
  Tag,
  TagCategory,
  TagOverlap,
  TagSizePoint,
  UpdateTagInput,
} from "../schema/tags";
import { User } from "../schema/user";
import type { Context } from "../server/context";
import { actorOf } from "./actor";
import { RefreshableDefinitionResolver } from "./definitions";

const USER_IDS_DESCRIPTION =
  "At most 100,000 user ids; a merged profile counts as its survivor, an unknown id is refused with BAD_USER_INPUT";

@Resolver(() => Tag)
export class TagResolver extends RefreshableDefinitionResolver({
  name: "Tag",
  type: Tag,
  createInput: CreateTagInput,
  updateInput: UpdateTagInput,
  service: (ctx) => ctx.services.tags,
  history: (ctx) => ctx.loaders.tagHistory,
  createDescription:
    "Creates a tag; a RULE or VALUE tag's members are computed at once. An existing key is a CONFLICT, an invalid rule RULE_INVALID with line and column",
  archiveDescription:
    "Its members are removed (recorded as exits). Refused with CONFLICT, naming them, while active tags or segments refer to it in their rules",
  plural: "Tags",
  refreshDescription: "Recomputes RULE and VALUE tags (all active ones without keys)",
  refresh: (ctx, keys) => ctx.services.tags.refresh(keys),
}) {
  @Authorized(Permission.READ)
  @Query(() => [Tag], { description: "Tags in key order, optionally of one category and status" })
  async tags(
    @Arg("category", () => TagCategory, { nullable: true, description: "Only this category; absent: all" })
    category: TagCategory | undefined,
    @Arg("status", () => DefinitionStatus, { nullable: true, description: "Only this status; absent: both" })
    status: DefinitionStatus | undefined,
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
    @Arg("rule", () => String, {
      description: "The rule as text, or its JSON AST as a string starting with {; a condition or a value",
    })
    rule: string,
    @Arg("asOf", () => DateTime, {
      nullable: true,
      description: "The moment to evaluate at (time windows such as `within 30d` end there); default now",
    })
    asOf: Date | undefined,
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
    @Arg("key", () => String, { description: "An active MANUAL tag's key; other kinds are BAD_USER_INPUT" })
    key: string,
    @Arg("userIds", () => [ID], { description: USER_IDS_DESCRIPTION }) userIds: string[],
    @Ctx() ctx: Context,
  ): Promise<number> {
    return ctx.services.tags.assign(key, userIds, actorOf(ctx));
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => Int, { description: "Removes users from a MANUAL tag; returns how many were members" })
  unassignTag(
    @Arg("key", () => String, { description: "An active MANUAL tag's key; other kinds are BAD_USER_INPUT" })
    key: string,
    @Arg("userIds", () => [ID], { description: USER_IDS_DESCRIPTION }) userIds: string[],
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

  @FieldResolver(() => [TagOverlap], { description: "Pairwise shared members among this tag and `with`" })
  overlap(
    @Root() tag: Tag,
    @Arg("with", () => [String], {
      description: "The other tags' keys; at most 20 tags in all (LIMIT_EXCEEDED beyond)",
    })
    others: string[],
    @Ctx() ctx: Context,
  ): Promise<TagOverlap[]> {
    return ctx.services.tags.overlap(tag.key, others);
  }

  @FieldResolver(() => [TagSizePoint], {
    description: "Member count at the end of each day, from entries and exits",
  })
  sizeHistory(
    @Root() tag: Tag,
    @Arg("timeRange", () => TimeRangeInput, {
      description: "The days to cover, at most 1000 (LIMIT_EXCEEDED beyond)",
    })
    timeRange: TimeRangeInput,
    @Arg("timezone", () => String, {
      nullable: true,
      description: "IANA time zone of the days; defaults to the configured one",
    })
    timezone: string | undefined,
    @Ctx() ctx: Context,
  ): Promise<TagSizePoint[]> {
    return ctx.services.tags.sizeHistory(tag.key, timeRange, timezone ?? ctx.services.config.timezone);
  }

  @FieldResolver(() => RealtimeMode, {
    description: "Whether its members follow ingestion in real time or only the scheduled refresh, and why",
  })
  async realtime(@Root() tag: Tag, @Ctx() ctx: Context): Promise<RealtimeMode> {
    const mode = (await ctx.loaders.realtimeModes()).get(`tag:${tag.key}`);
    return Object.assign(new RealtimeMode(), mode ?? { realtime: false, reason: "unknown tag" });
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
    @Arg("limit", () => Int, { defaultValue: 10, description: "How many users, 0–1000" }) limit: number,
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
