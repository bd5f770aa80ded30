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
    "Moves only forward: CREATED → PAID → SHIPPED → COMPLETED → REFUNDED; CANCELLED only from CREATED",
});

@InputType()
export class UtmInput {
  @Field(() => String, { nullable: true })
  source?: string | null;

  @Field(() => String, { nullable: true })
  medium?: string | null;

  @Field(() => String, { nullable: true })
  campaign?: string | null;
}

@InputType({ description: "One behaviour event; `messageId` is the idempotency key" })
export class EventInput {
  @Field(() => String)
  messageId!: string;

  @Field(() => String, { description: "snake_case name, e.g. product_view" })
  event!: string;

  @Field(() => IngestTimestamp)
  timestamp!: string;

  @Field(() => String, { nullable: true })
  userId?: string | null;

  @Field(() => String, { nullable: true })
  anonymousId?: string | null;

  @Field(() => String, { nullable: true })
  sessionId?: string | null;

  @Field(() => String, { nullable: true })
  channel?: string | null;

  @Field(() => String, { nullable: true })
  platform?: string | null;

  @Field(() => UtmInput, { nullable: true })
  utm?: UtmInput | null;

  @Field(() => JSONScalar, { nullable: true })
  properties?: Record<string, unknown> | null;

  @Field(() => JSONScalar, { nullable: true })
  traits?: Record<string, unknown> | null;
}

@InputType()
export class IdentityInput {
  @Field(() => String, {
    description: "user_id, anonymous_id, email, phone, wechat_unionid, wechat_openid or custom",
  })
  type!: string;

  @Field(() => String)
  value!: string;
}

@InputType()
export class IdentifyInput {
  @Field(() => String, { nullable: true })
  userId?: string | null;

  @Field(() => String, { nullable: true })
  anonymousId?: string | null;

  @Field(() => [IdentityInput], { nullable: true })
  identities?: IdentityInput[] | null;

  @Field(() => JSONScalar, { nullable: true })
  traits?: Record<string, unknown> | null;
}

@InputType()
export class OrderItemInput {
  @Field(() => String)
  productId!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Float)
  unitPrice!: number;
}

@InputType({ description: "An order record; `orderId` is the idempotency key, later records update it" })
export class OrderInput {
  @Field(() => String)
  orderId!: string;

  @Field(() => String, { nullable: true })
  userId?: string | null;

  @Field(() => String, { nullable: true })
  anonymousId?: string | null;

  @Field(() => IngestTimestamp)
  placedAt!: string;

  @Field(() => OrderStatus)
  status!: OrderStatus;

  @Field(() => Float)
  totalAmount!: number;

  @Field(() => Float, { nullable: true })
  refundedAmount?: number | null;

  @Field(() => String, { nullable: true })
  channel?: string | null;

  @Field(() => String, { nullable: true })
  platform?: string | null;

  @Field(() => String, { nullable: true })
  couponCode?: string | null;

  @Field(() => String, { nullable: true })
  campaignId?: string | null;

  @Field(() => [OrderItemInput], { nullable: true })
  items?: OrderItemInput[] | null;
}

@InputType()
export class ProductInput {
  @Field(() => String)
  productId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: "Category path, e.g. 服装/女装" })
  category?: string | null;

  @Field(() => String, { nullable: true })
  brand?: string | null;

  @Field(() => Float, { nullable: true })
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

  @Field(() => String)
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

  @Field(() => [RejectedItem])
  rejected!: RejectedItem[];
}

@ObjectType({ description: "One event of a profile (including events of profiles merged into it)" })
export class UserEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  messageId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => DateTime)
  timestamp!: Date;

  @Field(() => String, { nullable: true })
  anonymousId!: string | null;

  @Field(() => String, { nullable: true })
  sessionId!: string | null;

  @Field(() => String, { nullable: true })
  channel!: string | null;

  @Field(() => String, { nullable: true })
  platform!: string | null;

  @Field(() => String, { nullable: true })
  utmSource!: string | null;

  @Field(() => String, { nullable: true })
  utmMedium!: string | null;

  @Field(() => String, { nullable: true })
  utmCampaign!: string | null;

  @Field(() => JSONScalar)
  properties!: Record<string, unknown>;
}

@ObjectType()
export class UserEventConnection extends Connection(UserEvent) {}

@ObjectType()
export class UserOrderItem {
  @Field(() => String)
  productId!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Float)
  unitPrice!: number;
}

@ObjectType({ description: "One order of a profile (including orders of profiles merged into it)" })
export class UserOrder {
  @Field(() => String)
  orderId!: string;

  @Field(() => DateTime)
  placedAt!: Date;

  @Field(() => OrderStatus)
  status!: OrderStatus;

  @Field(() => Boolean, { description: "Paid at some point (PAID, SHIPPED, COMPLETED or REFUNDED)" })
  counted!: boolean;

  @Field(() => Float)
  totalAmount!: number;

  @Field(() => Float)
  refundedAmount!: number;

  @Field(() => String, { nullable: true })
  channel!: string | null;

  @Field(() => String, { nullable: true })
  platform!: string | null;

  @Field(() => String, { nullable: true })
  couponCode!: string | null;

  @Field(() => String, { nullable: true })
  campaignId!: string | null;

  @Field(() => [UserOrderItem])
  items!: UserOrderItem[];
}

@ObjectType()
export class UserOrderConnection extends Connection(UserOrder) {}

@ObjectType({ description: "A profile merged into this one" })
export class UserMerge {
  @Field(() => ID, { description: "The merged-away profile" })
  userId!: string;

  @Field(() => DateTime)
  mergedAt!: Date;

  @Field(() => JSONScalar, { description: "Why: the rule and the identity the two profiles shared" })
  reason!: Record<string, unknown>;
}
