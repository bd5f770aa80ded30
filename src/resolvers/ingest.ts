import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import { Permission } from "../access/permissions";
import { notFound } from "../errors";
import type { EventInput as EventContract, IdentifyInput as IdentifyContract } from "../ingest/contract";
import { EventInput, IdentifyInput, IngestResult, OrderInput, ProductInput } from "../schema/ingest";
import { User } from "../schema/user";
import type { Context } from "../server/context";

const who = (ctx: Context) => ({ actor: ctx.principal?.name ?? "anonymous", requestId: ctx.requestId });

/** Ingestion: thin wrappers over `IngestService`, which answers per item. */
@Resolver()
export class IngestResolver {
  @Authorized(Permission.INGEST)
  @Mutation(() => IngestResult, {
    description: "Up to 1,000 events; each is accepted, a duplicate or rejected",
  })
  track(
    @Arg("events", () => [EventInput], { description: "The events, at most 1,000" }) events: EventInput[],
    @Ctx() ctx: Context,
  ): Promise<IngestResult> {
    return ctx.services.ingest.track(events as EventContract[], who(ctx));
  }

  @Authorized(Permission.INGEST)
  @Mutation(() => User, {
    description: "Links identities and traits; returns the unified profile after resolution",
  })
  async identify(
    @Arg("input", () => IdentifyInput, {
      description: "The person's identifiers and traits; a bad one is BAD_USER_INPUT",
    })
    input: IdentifyInput,
    @Ctx() ctx: Context,
  ): Promise<User> {
    const userId = await ctx.services.ingest.identify(input as IdentifyContract, who(ctx));
    const [record] = await ctx.services.users.byIds([userId]);
    if (!record) throw notFound(`profile ${userId} not found`);
    return User.from(record);
  }

  @Authorized(Permission.INGEST)
  @Mutation(() => IngestResult, { description: "Up to 1,000 order records, idempotent by orderId" })
  recordOrders(
    @Arg("orders", () => [OrderInput], {
      description: "Order records, at most 1,000; several records of one order apply in order",
    })
    orders: OrderInput[],
    @Ctx() ctx: Context,
  ): Promise<IngestResult> {
    return ctx.services.ingest.recordOrders(orders, who(ctx));
  }

  @Authorized(Permission.INGEST)
  @Mutation(() => IngestResult, { description: "Up to 1,000 products, upserted by productId" })
  upsertProducts(
    @Arg("products", () => [ProductInput], { description: "The products, at most 1,000" })
    products: ProductInput[],

    @Ctx() ctx: Context,
  ): Promise<IngestResult> {
    return ctx.services.ingest.upsertProducts(products);
  }
}
