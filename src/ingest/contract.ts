/**
 * What ingestion accepts and answers, independent of GraphQL. The API, the CLI loaders
 * and the demo generator all speak these types to the same ingestion service.
 */
export interface UtmInput {
  source?: string | null;
  medium?: string | null;
  campaign?: string | null;
}

export interface EventInput {
  messageId: string;
  event: string;
  timestamp: Date | string;
  userId?: string | null;
  anonymousId?: string | null;
  sessionId?: string | null;
  channel?: string | null;
  platform?: string | null;
  utm?: UtmInput | null;
  properties?: Record<string, unknown> | null;
  traits?: Record<string, unknown> | null;
}

export interface IdentityInput {
  type: string;
  value: string;
}

export interface IdentifyInput {
  userId?: string | null;
  anonymousId?: string | null;
  identities?: IdentityInput[] | null;
  traits?: Record<string, unknown> | null;
  /** When the traits were observed; defaults to now. Lets replays keep "most recent wins". */
  timestamp?: Date | string | null;
}

export type OrderStatusInput = "CREATED" | "PAID" | "SHIPPED" | "COMPLETED" | "CANCELLED" | "REFUNDED";

export interface OrderItemInput {
  productId: string;
  quantity: number;
  unitPrice: number;
}

export interface OrderInput {
  orderId: string;
  userId?: string | null;
  anonymousId?: string | null;
  placedAt: Date | string;
  /** When the order was paid; defaults to placedAt when it arrives counted, else the time of the update. */
  paidAt?: Date | string | null;
  /** Case-insensitive; the API sends the upper-case enum. */
  status: OrderStatusInput | Lowercase<OrderStatusInput>;
  totalAmount: number;
  refundedAmount?: number | null;
  channel?: string | null;
  platform?: string | null;
  couponCode?: string | null;
  campaignId?: string | null;
  items?: OrderItemInput[] | null;
}

export interface ProductInput {
  productId: string;
  name: string;
  category?: string | null;
  brand?: string | null;
  price?: number | null;
}

export interface RejectedItem {
  index: number;
  id?: string | null;
  code: string;
  message: string;
}

export interface IngestResult {
  accepted: number;
  updated: number;
  duplicates: number;
  rejected: RejectedItem[];
}

export const MAX_BATCH_SIZE = 1000;

/** The event an order writes once, when it first counts (paid); metrics, funnels and tracking name it. */
export const ORDER_PAID_EVENT = "order_paid";
