import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { Permission } from "../access/permissions";
import { maskPiiValue } from "../access/pii";
import {
  CreateDestinationInput,
  CreateTriggerInput,
  Delivery,
  DeliveryAttempt,
  DeliveryConnection,
  DeliveryStatus,
  Destination,
  DestinationTest,
  Trigger,
  UpdateDestinationInput,
  UpdateTriggerInput,
} from "../schema/automation";
import { PageArgs, toConnection } from "../schema/connection";
import { DefinitionStatus } from "../schema/definitions";
import { JSONScalar } from "../schema/scalars";
import type { Context } from "../server/context";
import { DefinitionResolver } from "./definitions";

@Resolver(() => Destination)
export class DestinationResolver extends DefinitionResolver({
  name: "Destination",
  type: Destination,
  createInput: CreateDestinationInput,
  updateInput: UpdateDestinationInput,
  createDescription:
    "Defines a webhook destination: URL, signing secret (never readable back), headers, rate limit and PII permission; an existing key is a CONFLICT",
  archiveDescription: "Refused while an active trigger sends to it",
  service: (ctx) => ctx.services.destinations,
  history: (ctx) => ctx.loaders.destinationHistory,
}) {
  @Authorized(Permission.READ)
  @Query(() => [Destination], { description: "Destinations in key order, optionally of one status" })
  async destinations(
    @Arg("status", () => DefinitionStatus, { nullable: true, description: "Only this status; absent: both" })
    status: DefinitionStatus | undefined,
    @Ctx() ctx: Context,
  ): Promise<Destination[]> {
    return (await ctx.services.destinations.list({ status })).map(Destination.from);
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => DestinationTest, {
    description:
      "POSTs a signed test payload to the destination now (not through the outbox, not retried) and answers what came back",
  })
  async testDestination(
    @Arg("id", () => String, { description: "The destination's key" }) id: string,
    @Ctx() ctx: Context,
  ): Promise<DestinationTest> {
    return Object.assign(new DestinationTest(), await ctx.services.deliveries.test(id));
  }
}

@Resolver(() => Trigger)
export class TriggerResolver extends DefinitionResolver({
  name: "Trigger",
  type: Trigger,
  createInput: CreateTriggerInput,
  updateInput: UpdateTriggerInput,
  createDescription:
    "Defines a trigger: one source (an event with an optional property filter, a segment or tag entry or exit, or a schedule), a destination, an optional frequency cap, quiet hours, best-time delivery and the campaign its sends are touches of. Its deliveries are written to the outbox in the transaction of the fact (of the run, for a schedule)",
  archiveDescription: "It stops firing; deliveries already in the outbox are still sent",
  service: (ctx) => ctx.services.triggers,
  history: (ctx) => ctx.loaders.triggerHistory,
}) {
  @Authorized(Permission.READ)
  @Query(() => [Trigger], { description: "Triggers in key order, optionally of one status" })
  async triggers(
    @Arg("status", () => DefinitionStatus, { nullable: true, description: "Only this status; absent: both" })
    status: DefinitionStatus | undefined,
    @Ctx() ctx: Context,
  ): Promise<Trigger[]> {
    return (await ctx.services.triggers.list({ status })).map(Trigger.from);
  }
}

@ArgsType()
class DeliveriesArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: "Only this trigger's deliveries" })
  trigger?: string;

  @Field(() => DeliveryStatus, { nullable: true, description: "Only this status" })
  status?: DeliveryStatus;
}

@Resolver(() => Delivery)
export class DeliveryResolver {
  @Authorized(Permission.READ)
  @Query(() => DeliveryConnection, { description: "The outbox, newest first" })
  async deliveries(
    @Args(() => DeliveriesArgs) args: DeliveriesArgs,
    @Ctx() ctx: Context,
  ): Promise<DeliveryConnection> {
    const { trigger, status, ...page } = args;
    const result = await ctx.services.deliveries.list({ trigger, status }, page);
    return toConnection({ ...result, nodes: result.nodes.map(Delivery.from) }) as DeliveryConnection;
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => Delivery, {
    description:
      "Sends a DEAD delivery again (or a PENDING one now) with a fresh set of attempts and the same idempotency key; DELIVERED or SUPPRESSED is BAD_USER_INPUT",
  })
  async retryDelivery(
    @Arg("id", () => ID, { description: "The delivery's id" }) id: string,
    @Ctx() ctx: Context,
  ): Promise<Delivery> {
    return Delivery.from(await ctx.services.deliveries.retry(Number(id)));
  }

  @FieldResolver(() => JSONScalar, {
    description:
      "The triggering fact: { type: event, event, messageId, timestamp, properties } or { type: segment_entered | segment_exited, segment, at } or { type: tag_entered | tag_exited, tag, value, at }; without read_pii, event properties are masked as for User.events and tag values always",
  })
  fact(@Root() delivery: Delivery, @Ctx() ctx: Context): Record<string, unknown> {
    const { fact } = delivery;
    if (ctx.pii.seesPii) return fact;
    const masked = { ...fact };
    if (fact.properties && typeof fact.properties === "object")
      masked.properties = ctx.services.pii.maskEventProperties(fact.properties as Record<string, unknown>);
    // A VALUE tag's value may come from PII; which tags read PII is not resolved here, so every
    // tag value is masked for a principal without read_pii.
    if (fact.value != null) masked.value = maskPiiValue(String(fact.value));
    return masked;
  }

  @FieldResolver(() => [DeliveryAttempt], { description: "Every attempt, oldest first" })
  async attemptLog(@Root() delivery: Delivery, @Ctx() ctx: Context): Promise<DeliveryAttempt[]> {
    return (await ctx.loaders.deliveryAttempts.load(Number(delivery.id))).map(DeliveryAttempt.from);
  }
}
