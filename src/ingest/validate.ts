import { calendarDateExists, DATE_ONLY, DATE_TIME } from "../dates";
import { ORDER_STATUSES, type OrderStatus } from "../db/schema/core";
import { UNSTORABLE_MESSAGES, unstorable, unstorableString } from "../text";
import type {
  EventInput,
  IdentifyInput,
  IdentityInput,
  OrderInput,
  ProductInput,
  RejectedItem,
} from "./contract";

/** Machine-readable codes of rejected items. */
export const RejectCode = {
  MISSING_FIELD: "MISSING_FIELD",
  MISSING_IDENTIFIER: "MISSING_IDENTIFIER",
  INVALID_TIMESTAMP: "INVALID_TIMESTAMP",
  INVALID_STATUS: "INVALID_STATUS",
  INVALID_AMOUNT: "INVALID_AMOUNT",
  NEGATIVE_AMOUNT: "NEGATIVE_AMOUNT",
  REFUND_EXCEEDS_TOTAL: "REFUND_EXCEEDS_TOTAL",
  ID_TOO_LONG: "ID_TOO_LONG",
  TEXT_TOO_LONG: "TEXT_TOO_LONG",
  INVALID_TEXT: "INVALID_TEXT",
  INVALID_JSON: "INVALID_JSON",
  PROPERTIES_TOO_LARGE: "PROPERTIES_TOO_LARGE",
  INVALID_EVENT_NAME: "INVALID_EVENT_NAME",
  INVALID_IDENTITY_TYPE: "INVALID_IDENTITY_TYPE",
  INVALID_ITEM: "INVALID_ITEM",
  TOO_MANY_IDENTITIES: "TOO_MANY_IDENTITIES",
  /** A tracking API call whose `type` Stratum does not take (Segment's `group`). */
  UNSUPPORTED_TYPE: "UNSUPPORTED_TYPE",
} as const;
export type RejectCode = (typeof RejectCode)[keyof typeof RejectCode];

export const MAX_ID_LENGTH = 256;
export const MAX_TEXT_LENGTH = 1024;
export const MAX_JSON_BYTES = 32 * 1024;
/** Identities one identify call may carry; a profile holds far fewer (at most 100 anonymous ids). */
export const MAX_IDENTITIES_PER_CALL = 50;
/** Amounts fit numeric(14,2). */
export const MAX_AMOUNT = 999_999_999_999.99;
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);
const EVENT_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const IDENTITY_TYPE = /^[a-z][a-z0-9_]{0,63}$/;

/** Thrown while validating one item; the service turns it into a `RejectedItem`. */
export class ItemRejection extends Error {
  constructor(
    readonly code: RejectCode,
    message: string,
  ) {
    super(message);
  }
}

const reject = (code: RejectCode, message: string): never => {
  throw new ItemRejection(code, message);
};

export function rejectionOf(index: number, id: string | null | undefined, error: unknown): RejectedItem {
  if (error instanceof ItemRejection)
    return { index, id: id ?? null, code: error.code, message: error.message };
  throw error;
}

function text(value: unknown, field: string, max: number, code: RejectCode): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") return reject(RejectCode.INVALID_TEXT, `${field} must be a string`);
  if (value.length > max) return reject(code, `${field} is longer than ${max} characters`);
  const reason = unstorableString(value);
  if (reason) return reject(RejectCode.INVALID_TEXT, `${field} ${UNSTORABLE_MESSAGES[reason]}`);
  return value;
}

const optionalId = (value: unknown, field: string) =>
  text(value, field, MAX_ID_LENGTH, RejectCode.ID_TOO_LONG);
const optionalText = (value: unknown, field: string) =>
  text(value, field, MAX_TEXT_LENGTH, RejectCode.TEXT_TOO_LONG);

function requiredId(value: unknown, field: string): string {
  const id = optionalId(value, field);
  if (id === null || id.trim() === "") return reject(RejectCode.MISSING_FIELD, `${field} is required`);
  return id;
}

export function timestampOf(value: unknown, field: string): Date {
  if (value === undefined || value === null || value === "")
    return reject(RejectCode.MISSING_FIELD, `${field} is required`);
  const text = typeof value === "string" ? value.trim() : null;
  const date =
    value instanceof Date
      ? value
      : text !== null && (DATE_TIME.test(text) || DATE_ONLY.test(text))
        ? new Date(text.charCodeAt(10) === 32 ? `${text.slice(0, 10)}T${text.slice(11)}` : text)
        : new Date(Number.NaN);
  const time = date.getTime();
  if (text !== null && !Number.isNaN(time) && !calendarDateExists(text))
    return reject(RejectCode.INVALID_TIMESTAMP, `${field} names a day that does not exist`);
  if (Number.isNaN(time))
    return reject(RejectCode.INVALID_TIMESTAMP, `${field} is not an ISO 8601 date-time`);
  if (time < EARLIEST || time >= LATEST)
    return reject(RejectCode.INVALID_TIMESTAMP, `${field} is outside 1970-01-01 … 2100-01-01`);
  return date;
}

/** A JSON object of at most 32 KB; anything else (array, scalar, cycle) is INVALID_JSON. */
export function jsonObject(value: unknown, field: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || Array.isArray(value))
    return reject(RejectCode.INVALID_JSON, `${field} must be a JSON object`);
  const reason = unstorable(value);
  if (reason) return reject(RejectCode.INVALID_JSON, `${field} ${UNSTORABLE_MESSAGES[reason]}`);
  let serialised: string;
  try {
    serialised = JSON.stringify(value);
  } catch {
    return reject(RejectCode.INVALID_JSON, `${field} is not serialisable JSON`);
  }
  // A UTF-16 unit is at most 3 bytes of UTF-8: short texts need no byte count.
  if (serialised.length * 3 > MAX_JSON_BYTES && Buffer.byteLength(serialised, "utf8") > MAX_JSON_BYTES)
    return reject(RejectCode.PROPERTIES_TOO_LARGE, `${field} is larger than 32 KB`);
  return value as Record<string, unknown>;
}

export function amountOf(value: unknown, field: string, required: boolean): number | null {
  if (value === undefined || value === null || value === "") {
    return required ? reject(RejectCode.MISSING_FIELD, `${field} is required`) : null;
  }
  const amount = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (!Number.isFinite(amount)) return reject(RejectCode.INVALID_AMOUNT, `${field} is not a number`);
  if (amount < 0) return reject(RejectCode.NEGATIVE_AMOUNT, `${field} must not be negative`);
  if (amount > MAX_AMOUNT) return reject(RejectCode.INVALID_AMOUNT, `${field} is too large`);
  return Math.round(amount * 100) / 100;
}

export interface ValidEvent {
  index: number;
  messageId: string;
  name: string;
  ts: Date;
  userId: string | null;
  anonymousId: string | null;
  sessionId: string | null;
  channel: string | null;
  platform: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | null;
}

export function validateEvent(input: EventInput, index: number): ValidEvent {
  if (!input || typeof input !== "object")
    return reject(RejectCode.INVALID_JSON, "an event must be an object");
  const messageId = requiredId(input.messageId, "messageId");
  const name = optionalId(input.event, "event");
  if (!name) return reject(RejectCode.MISSING_FIELD, "event is required");
  if (!EVENT_NAME.test(name))
    return reject(RejectCode.INVALID_EVENT_NAME, `event "${name}" is not a snake_case name`);
  const ts = timestampOf(input.timestamp, "timestamp");
  const userId = optionalId(input.userId, "userId");
  const anonymousId = optionalId(input.anonymousId, "anonymousId");
  const utm = input.utm ?? {};
  if (typeof utm !== "object") return reject(RejectCode.INVALID_JSON, "utm must be an object");
  return {
    index,
    messageId,
    name,
    ts,
    userId,
    anonymousId,
    sessionId: optionalId(input.sessionId, "sessionId"),
    channel: optionalText(input.channel, "channel"),
    platform: optionalText(input.platform, "platform"),
    utmSource: optionalText(utm.source, "utm.source"),
    utmMedium: optionalText(utm.medium, "utm.medium"),
    utmCampaign: optionalText(utm.campaign, "utm.campaign"),
    properties: jsonObject(input.properties, "properties") ?? {},
    traits: jsonObject(input.traits, "traits"),
  };
}

export interface ValidOrderItem {
  productId: string;
  quantity: number;
  unitPrice: number;
}

export interface ValidOrder {
  index: number;
  orderId: string;
  userId: string | null;
  anonymousId: string | null;
  placedAt: Date;
  paidAt: Date | null;
  status: OrderStatus;
  totalAmount: number;
  refundedAmount: number | null;
  channel: string | null;
  platform: string | null;
  couponCode: string | null;
  campaignId: string | null;
  items: ValidOrderItem[] | null;
}

export function statusOf(value: unknown): OrderStatus {
  const status = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (!(ORDER_STATUSES as readonly string[]).includes(status))
    return reject(
      RejectCode.INVALID_STATUS,
      `status "${String(value)}" is not one of ${ORDER_STATUSES.join(", ")}`,
    );
  return status as OrderStatus;
}

export function validateOrder(input: OrderInput, index: number): ValidOrder {
  if (!input || typeof input !== "object")
    return reject(RejectCode.INVALID_JSON, "an order must be an object");
  const orderId = requiredId(input.orderId, "orderId");
  const placedAt = timestampOf(input.placedAt, "placedAt");
  const status = statusOf(input.status);
  const totalAmount = amountOf(input.totalAmount, "totalAmount", true) as number;
  const refundedAmount = amountOf(input.refundedAmount, "refundedAmount", false);
  if (refundedAmount !== null && refundedAmount > totalAmount)
    return reject(RejectCode.REFUND_EXCEEDS_TOTAL, "refundedAmount is larger than totalAmount");
  const items = input.items == null ? null : input.items.map((item, line) => validateOrderItem(item, line));
  return {
    index,
    orderId,
    userId: optionalId(input.userId, "userId"),
    anonymousId: optionalId(input.anonymousId, "anonymousId"),
    placedAt,
    paidAt: input.paidAt == null ? null : timestampOf(input.paidAt, "paidAt"),
    status,
    totalAmount,
    refundedAmount,
    channel: optionalText(input.channel, "channel"),
    platform: optionalText(input.platform, "platform"),
    couponCode: optionalId(input.couponCode, "couponCode"),
    campaignId: optionalId(input.campaignId, "campaignId"),
    items,
  };
}

function validateOrderItem(
  item: OrderInput["items"] extends (infer T)[] | null | undefined ? T : never,
  line: number,
) {
  if (!item || typeof item !== "object")
    return reject(RejectCode.INVALID_ITEM, `items[${line}] must be an object`);
  const quantity = item.quantity;
  if (!Number.isInteger(quantity) || quantity <= 0 || quantity > 1_000_000)
    return reject(RejectCode.INVALID_ITEM, `items[${line}].quantity must be a positive integer`);
  return {
    productId: requiredId(item.productId, `items[${line}].productId`),
    quantity,
    unitPrice: amountOf(item.unitPrice, `items[${line}].unitPrice`, true) as number,
  };
}

export interface ValidProduct {
  index: number;
  productId: string;
  name: string;
  category: string | null;
  brand: string | null;
  price: number | null;
}

export function validateProduct(input: ProductInput, index: number): ValidProduct {
  if (!input || typeof input !== "object")
    return reject(RejectCode.INVALID_JSON, "a product must be an object");
  const productId = requiredId(input.productId, "productId");
  const name = optionalText(input.name, "name");
  if (!name) return reject(RejectCode.MISSING_FIELD, "name is required");
  return {
    index,
    productId,
    name,
    category: optionalText(input.category, "category"),
    brand: optionalText(input.brand, "brand"),
    price: amountOf(input.price, "price", false),
  };
}

export interface ValidIdentify {
  index: number;
  identities: IdentityInput[];
  traits: Record<string, unknown> | null;
  ts: Date;
}

/** Identities of an identify call: userId and anonymousId become typed identities. */
export function validateIdentify(input: IdentifyInput, index: number, now: Date): ValidIdentify {
  if (!input || typeof input !== "object")
    return reject(RejectCode.INVALID_JSON, "an identify call must be an object");
  const identities: IdentityInput[] = [];
  const userId = optionalId(input.userId, "userId");
  if (userId !== null) identities.push({ type: "user_id", value: userId });
  const anonymousId = optionalId(input.anonymousId, "anonymousId");
  if (anonymousId !== null) identities.push({ type: "anonymous_id", value: anonymousId });
  const given = input.identities ?? [];
  if (given.length > MAX_IDENTITIES_PER_CALL)
    return reject(
      RejectCode.TOO_MANY_IDENTITIES,
      `identities holds ${given.length}; one identify call takes at most ${MAX_IDENTITIES_PER_CALL}`,
    );
  for (const [i, identity] of given.entries()) {
    const type = optionalId(identity?.type, `identities[${i}].type`);
    if (!type || !IDENTITY_TYPE.test(type))
      return reject(RejectCode.INVALID_IDENTITY_TYPE, `identities[${i}].type must be a snake_case type`);
    const value = optionalId(identity.value, `identities[${i}].value`);
    if (value === null) return reject(RejectCode.MISSING_FIELD, `identities[${i}].value is required`);
    identities.push({ type, value: type === "email" ? value.trim().toLowerCase() : value.trim() });
  }
  return {
    index,
    identities,
    traits: jsonObject(input.traits, "traits"),
    ts: input.timestamp == null ? now : timestampOf(input.timestamp, "timestamp"),
  };
}
