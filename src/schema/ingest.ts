import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { Connection } from "./connection";
import { DateTime, IngestTimestamp, JSONScalar } from "./scalars";

export enum OrderStatus {
  CREATED = "CREATED",
  PAID = "PAID",
  SHIPPED = "SHIPPED",
  COMPLETED = "COMPLETED",
  CANCELLED = "CANCELLED",
  REFUNDED = "REFUNDED",
}
registerEnumType(OrderStatus, {
  name: "OrderStatus",
  description:
    "Moves only forward: CREATED → PAID → SHIPPED → COMPLETED → REFUNDED; CANCELLED only from CREATED. A record asking for an unreachable status keeps the stored one. Orders once paid are counted (metrics, RFM, rules)",
  valuesConfig: {
    CREATED: { description: "Placed, not paid yet (not counted)" },
    PAID: { description: "Paid (counted)" },
    SHIPPED: { description: "Shipped (counted)" },
    COMPLETED: { description: "Delivered and closed (counted)" },
    CANCELLED: { description: "Cancelled before payment (never counted); final" },
    REFUNDED: { description: "Refunded wholly or in part, see refundedAmount (still counted); final" },
  },
});

@InputType({ description: "Campaign attribution (UTM parameters) of an event" })
export class UtmInput {
  @Field(() => String, { nullable: true, description: "utm_source, e.g. newsletter; up to 1,024 characters" })
  source?: string | null;

  @Field(() => String, { nullable: true, description: "utm_medium, e.g. email; up to 1,024 characters" })
  medium?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "utm_campaign, e.g. spring_sale; up to 1,024 characters",
  })
  campaign?: string | null;
}

@InputType({
  description:
    "One behaviour event; `messageId` is the idempotency key. Needs userId or anonymousId; the event belongs to the profile they resolve to",
})
export class EventInput {
  @Field(() => String, {
    description:
      "Unique id of the event (up to 256 characters): resending it is a duplicate, never a second event",
  })
  messageId!: string;

  @Field(() => String, { description: "snake_case name, e.g. product_view" })
  event!: string;

  @Field(() => IngestTimestamp, { description: "When it happened (ISO 8601, 1970 to 2100)" })
  timestamp!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "The shop's account id of the person (identity user_id); blocked values such as 'null' or '0' do not count",
  })
  userId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Device or cookie id (identity anonymous_id)",
  })
  anonymousId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Session the event belongs to, as the sender defines it",
  })
  sessionId?: string | null;

  @Field(() => String, { nullable: true, description: "Sales channel, e.g. web, app, mini_program" })
  channel?: string | null;

  @Field(() => String, { nullable: true, description: "Device platform, e.g. ios, android" })
  platform?: string | null;

  @Field(() => UtmInput, { nullable: true, description: "Campaign attribution" })
  utm?: UtmInput | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description: 'Event properties as a JSON object, e.g. {"product_id": "sku-1"}; at most 32 KB',
  })
  properties?: Record<string, unknown> | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description:
      "Traits to set on the profile as of the event's timestamp (a more recent stored value wins); a JSON object, at most 32 KB",
  })
  traits?: Record<string, unknown> | null;
}

@InputType({ description: "An identifier of a person" })
export class IdentityInput {
  @Field(() => String, {
    description: "user_id, anonymous_id, email, phone, wechat_unionid, wechat_openid or custom",
  })
  type!: string;

  @Field(() => String, {
    description:
      "The identifier (up to 256 characters, trimmed; emails lower-cased); blocked values such as 'null' or '0' do not count",
  })
  value!: string;
}

@InputType({
  description:
    "Links identifiers of one person and sets traits: profiles sharing an identifier are merged, under the identity rules (two different user_ids never merge)",
})
export class IdentifyInput {
  @Field(() => String, {
    nullable: true,
    description: "The shop's account id of the person (identity user_id)",
  })
  userId?: string | null;

  @Field(() => String, { nullable: true, description: "Device or cookie id (identity anonymous_id)" })
  anonymousId?: string | null;

  @Field(() => [IdentityInput], { nullable: true, description: "More identifiers, at most 50" })
  identities?: IdentityInput[] | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description: "Traits to set on the profile as of now; a JSON object, at most 32 KB",
  })
  traits?: Record<string, unknown> | null;
}

@InputType({ description: "One line of an order" })
export class OrderItemInput {
  @Field(() => String, { description: "The product's id (as upsertProducts stores it)" })
  productId!: string;

  @Field(() => Int, { description: "Units, 1 to 1,000,000" })
  quantity!: number;

  @Field(() => Float, { description: "Price of one unit, ≥ 0, in the deployment's currency" })
  unitPrice!: number;
}

@InputType({
  description:
    "An order record; `orderId` is the idempotency key, later records update it. Needs userId or anonymousId. The first time an order is counted, one order_paid event is written for it",
})
export class OrderInput {
  @Field(() => String, { description: "The shop's order id (up to 256 characters)" })
  orderId!: string;

  @Field(() => String, {
    nullable: true,
    description: "The buyer's account id (identity user_id); the first record of an order fixes its buyer",
  })
  userId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The buyer's device or cookie id (identity anonymous_id)",
  })
  anonymousId?: string | null;

  @Field(() => IngestTimestamp, {
    description: "When the order was placed (ISO 8601); the first record of an order fixes it",
  })
  placedAt!: string;

  @Field(() => OrderStatus, { description: "The order's status now" })
  status!: OrderStatus;

  @Field(() => Float, { description: "What the buyer paid, ≥ 0, in the deployment's currency" })
  totalAmount!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "Refunded so far, ≤ totalAmount, in the deployment's currency; it only grows. A record moving the order to REFUNDED without it refunds the total",
  })
  refundedAmount?: number | null;

  @Field(() => String, { nullable: true, description: "Sales channel, e.g. web, app, mini_program" })
  channel?: string | null;

  @Field(() => String, { nullable: true, description: "Device platform, e.g. ios, android" })
  platform?: string | null;

  @Field(() => String, { nullable: true, description: "Coupon used, if any" })
  couponCode?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Marketing campaign the order is attributed to, if any",
  })
  campaignId?: string | null;

  @Field(() => [OrderItemInput], {
    nullable: true,
    description: "The order's lines; they replace the stored ones, and leaving them out keeps them",
  })
  items?: OrderItemInput[] | null;
}

@InputType({ description: "A product of the catalog; `productId` is its key, later records update it" })
export class ProductInput {
  @Field(() => String, { description: "The shop's product id (up to 256 characters)" })
  productId!: string;

  @Field(() => String, { description: "Display name" })
  name!: string;

  @Field(() => String, { nullable: true, description: "Category path, e.g. 服装/女装" })
  category?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Brand; the brand dimension of metrics and repurchaseCycle(by: "brand") group by it',
  })
  brand?: string | null;

  @Field(() => Float, { nullable: true, description: "List price, ≥ 0, in the deployment's currency" })
  price?: number | null;
}

@ObjectType({ description: "An item that was not stored, and why" })
export class RejectedItem {
  @Field(() => Int, { description: "Position in the batch, from 0" })
  index!: number;

  @Field(() => String, {
    nullable: true,
    description: "The item's messageId / orderId / productId when it had one",
  })
  id?: string | null;

  @Field(() => String, { description: "Machine-readable reason, e.g. INVALID_TIMESTAMP" })
  code!: string;

  @Field(() => String, { description: "What was wrong, for people" })
  message!: string;
}

@ObjectType({ description: "What happened to every item of a batch" })
export class IngestResult {
  @Field(() => Int, { description: "New items stored" })
  accepted!: number;

  @Field(() => Int, { description: "Existing items changed (orders, products, profiles)" })
  updated!: number;

  @Field(() => Int, { description: "Items already stored unchanged (same messageId / orderId)" })
  duplicates!: number;

  @Field(() => [RejectedItem], { description: "Items not stored, each with its position and reason" })
  rejected!: RejectedItem[];
}

@ObjectType({ description: "One event of a profile (including events of profiles merged into it)" })
export class UserEvent {
  @Field(() => ID, { description: "Stratum's id of the event" })
  id!: string;

  @Field(() => String, {
    description: "The sender's idempotency key (order_paid events of orders: order_paid:<orderId>)",
  })
  messageId!: string;

  @Field(() => String, { description: "snake_case event name, e.g. product_view" })
  name!: string;

  @Field(() => DateTime, { description: "When it happened (ISO 8601), as sent" })
  timestamp!: Date;

  @Field(() => String, {
    nullable: true,
    description:
      "The anonymous id it was sent with; masked without PII access when anonymous ids are declared PII",
  })
  anonymousId!: string | null;

  @Field(() => String, { nullable: true, description: "Session id, as sent" })
  sessionId!: string | null;

  @Field(() => String, { nullable: true, description: "Sales channel, e.g. web, app, mini_program" })
  channel!: string | null;

  @Field(() => String, { nullable: true, description: "Device platform, e.g. ios, android" })
  platform!: string | null;

  @Field(() => String, { nullable: true, description: "utm_source of the event" })
  utmSource!: string | null;

  @Field(() => String, { nullable: true, description: "utm_medium of the event" })
  utmMedium!: string | null;

  @Field(() => String, { nullable: true, description: "utm_campaign of the event" })
  utmCampaign!: string | null;

  @Field(() => JSONScalar, {
    description: "Event properties (JSON object); PII properties masked without PII access",
  })
  properties!: Record<string, unknown>;
}

@ObjectType({ description: "A page of a profile's events, newest first" })
export class UserEventConnection extends Connection(UserEvent) {}

@ObjectType({ description: "One line of an order" })
export class UserOrderItem {
  @Field(() => String, { description: "The product's id" })
  productId!: string;

  @Field(() => Int, { description: "Units" })
  quantity!: number;

  @Field(() => Float, { description: "Price of one unit, in the deployment's currency" })
  unitPrice!: number;
}

@ObjectType({ description: "One order of a profile (including orders of profiles merged into it)" })
export class UserOrder {
  @Field(() => String, { description: "The shop's order id" })
  orderId!: string;

  @Field(() => DateTime, { description: "When the order was placed (ISO 8601)" })
  placedAt!: Date;

  @Field(() => OrderStatus, { description: "The order's current status" })
  status!: OrderStatus;

  @Field(() => Boolean, { description: "Paid at some point (PAID, SHIPPED, COMPLETED or REFUNDED)" })
  counted!: boolean;

  @Field(() => Float, { description: "What the buyer paid, in the deployment's currency" })
  totalAmount!: number;

  @Field(() => Float, { description: "Refunded so far, in the deployment's currency (0 when nothing)" })
  refundedAmount!: number;

  @Field(() => String, { nullable: true, description: "Sales channel, e.g. web, app, mini_program" })
  channel!: string | null;

  @Field(() => String, { nullable: true, description: "Device platform, e.g. ios, android" })
  platform!: string | null;

  @Field(() => String, { nullable: true, description: "Coupon used, if any" })
  couponCode!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Marketing campaign the order is attributed to, if any",
  })
  campaignId!: string | null;

  @Field(() => [UserOrderItem], { description: "The order's lines in their original order" })
  items!: UserOrderItem[];
}

@ObjectType({ description: "A page of a profile's orders, newest first" })
export class UserOrderConnection extends Connection(UserOrder) {}

@ObjectType({ description: "A profile merged into this one" })
export class UserMerge {
  @Field(() => ID, { description: "The merged-away profile" })
  userId!: string;

  @Field(() => DateTime, { description: "When it was merged (ISO 8601)" })
  mergedAt!: Date;

  @Field(() => JSONScalar, { description: "Why: the rule and the identity the two profiles shared" })
  reason!: Record<string, unknown>;
}
