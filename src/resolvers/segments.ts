import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../access/permissions";
import { PageArgs, toConnection } from "../schema/connection";
import { DefinitionStatus } from "../schema/definitions";
import { TimeRangeInput } from "../schema/metrics";
import {
  CreateSegmentInput,
  CreateStaticSegmentInput,
  Segment,
  SegmentOverlap,
  SegmentSizePoint,
  UpdateSegmentInput,
} from "../schema/segments";
import { RealtimeMode } from "../schema/tags";
import { User, UserConnection } from "../schema/user";
import type { Context } from "../server/context";
import { actorOf } from "./actor";
import { RefreshableDefinitionResolver } from "./definitions";
import { visibleRule } from "./tags";

@Resolver(() => Segment)
export class SegmentResolver extends RefreshableDefinitionResolver({
  name: "Segment",
  type: Segment,
  createInput: CreateSegmentInput,
  updateInput: UpdateSegmentInput,
  createDescription:
    "A dynamic segment: members are the users matching the rule, computed at once. An existing key is a CONFLICT, an invalid rule RULE_INVALID with line and column",
  archiveDescription:
    "Its members are removed (recorded as exits). Refused with CONFLICT, naming them, while active tags or segments refer to it in their rules",
  service: (ctx) => ctx.services.segments,
  history: (ctx) => ctx.loaders.segmentHistory,
  plural: "Segments",
  refreshDescription: "Recomputes dynamic segments (all active ones without keys)",
  refresh: (ctx, keys) => ctx.services.segments.refresh(keys),
}) {
  @Authorized(Permission.READ)
  @Query(() => [Segment], { description: "Segments in key order, optionally of one status" })
  async segments(
    @Arg("status", () => DefinitionStatus, { nullable: true, description: "Only this status; absent: both" })
    status: DefinitionStatus | undefined,
    @Ctx() ctx: Context,
  ): Promise<Segment[]> {
    return (await ctx.services.segments.list({ status })).map(Segment.from);
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => Segment, { description: "A static segment from user ids and/or identities" })
  async createStaticSegment(
    @Arg("input", () => CreateStaticSegmentInput, { description: "The new static segment and its members" })
    input: CreateStaticSegmentInput,
    @Ctx() ctx: Context,
  ): Promise<Segment> {
    return Segment.from(await ctx.services.segments.createStatic(input, actorOf(ctx)));
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => Segment, { description: "Freezes the current members of a segment into a new static one" })
  async snapshotSegment(
    @Arg("key", () => String, { description: "The active segment to freeze" }) key: string,
    @Arg("newKey", () => String, {
      description:
        'The new static segment\'s key (named after the source with " (snapshot)"); an existing key is a CONFLICT',
    })
    newKey: string,
    @Ctx() ctx: Context,
  ): Promise<Segment> {
    return Segment.from(await ctx.services.segments.snapshot(key, newKey, actorOf(ctx)));
  }

  @FieldResolver(() => UserConnection, { description: "Members in user id order; first ≤ 1000" })
  async members(
    @Root() segment: Segment,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<UserConnection> {
    const result = await ctx.services.segments.members(segment.key, page);
    return toConnection({ ...result, nodes: result.nodes.map(User.from) }) as UserConnection;
  }

  @FieldResolver(() => [SegmentOverlap], {
    description: "Pairwise shared members among this segment and `with`",
  })
  overlap(
    @Root() segment: Segment,
    @Arg("with", () => [String], {
      description: "The other segments' keys; at most 20 segments in all (LIMIT_EXCEEDED beyond)",
    })
    others: string[],
    @Ctx() ctx: Context,
  ): Promise<SegmentOverlap[]> {
    return ctx.services.segments.overlap(segment.key, others);
  }

  @FieldResolver(() => [SegmentSizePoint], {
    description: "Size at the end of each day, from entries and exits",
  })
  sizeHistory(
    @Root() segment: Segment,
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
  ): Promise<SegmentSizePoint[]> {
    return ctx.services.segments.sizeHistory(
      segment.key,
      timeRange,
      timezone ?? ctx.services.config.timezone,
    );
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "The rule of a DYNAMIC segment; literals compared with PII are masked without read_pii",
  })
  rule(@Root() segment: Segment, @Ctx() ctx: Context): string | null {
    return visibleRule(segment.rule, ctx);
  }

  @FieldResolver(() => RealtimeMode, {
    description: "Whether its members follow ingestion in real time or only the scheduled refresh, and why",
  })
  async realtime(@Root() segment: Segment, @Ctx() ctx: Context): Promise<RealtimeMode> {
    const mode = (await ctx.loaders.realtimeModes()).get(`segment:${segment.key}`);
    return Object.assign(new RealtimeMode(), mode ?? { realtime: false, reason: "unknown segment" });
  }
}
