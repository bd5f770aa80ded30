import { createHash } from "node:crypto";
import {
  type EventInput,
  type IdentifyInput,
  type IdentityInput,
  ORDER_PAID_EVENT,
  type OrderInput,
} from "./contract";
import { ItemRejection, jsonObject, RejectCode, timestampOf } from "./validate";

/**
 * Segment-compatible tracking calls translated to the ingestion contract: pure functions,
 * no I/O. The HTTP routes (`src/server/tracking.ts`) and `TrackingService` use them; what
 * is written is decided by `IngestService` alone.
 */

/** The Segment call types Stratum takes (`group` has no counterpart here). */
export const TRACKING_CALL_TYPES = ["track", "identify", "page", "screen", "alias"] as const;
export type TrackingCallType = (typeof TRACKING_CALL_TYPES)[number];

/** A Segment message as sent: a JSON object, not yet checked. */
export type TrackingCall = Record<string, unknown>;

/** What one call becomes: an event, an identify call or an order record. */
export type TranslatedCall =
  | { kind: "event"; messageId: string; input: EventInput }
  | { kind: "identify"; messageId: string; input: IdentifyInput }
  | { kind: "order"; messageId: string; input: OrderInput };

/**
 * Segment's e-commerce spec names (v2, and their v1 aliases), snake_cased, mapped to
 * the event names this project's metrics, funnels and rules use. Names not listed keep
 * their snake_case form ("Product Removed" → `product_removed`).
 */
export const SEGMENT_EVENT_SYNONYMS: Readonly<Record<string, string>> = Object.freeze({
  products_searched: "search",
  searched_products: "search",
  product_viewed: "product_view",
  viewed_product: "product_view",
  product_added: "add_to_cart",
  added_product: "add_to_cart",
  checkout_started: "checkout_start",
  started_order: "checkout_start",
  order_completed: ORDER_PAID_EVENT,
  completed_order: ORDER_PAID_EVENT,
  application_opened: "app_open",
});

/** "Product Viewed", "productViewed", "product-viewed" → `product_viewed`; "APIKeyCreated" → `api_key_created`; accents dropped. */
export function snakeCase(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/**
 * The canonical name of a Segment event: its spec synonym if it has one, else its
 * snake_case form. A name with nothing left (only symbols or non-Latin letters) is
 * returned as given, so validation rejects it naming what the caller sent.
 */
export function canonicalEventName(name: string): string {
  const snake = snakeCase(name);
  if (snake === "") return name;
  return Object.hasOwn(SEGMENT_EVENT_SYNONYMS, snake) ? SEGMENT_EVENT_SYNONYMS[snake] : snake;
}

const reject = (code: RejectCode, message: string): never => {
  throw new ItemRejection(code, message);
};

/** JSON with keys sorted at every level: equal payloads give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The idempotency key of a call without a `messageId`: a SHA-256 of its payload. `sentAt`
 * and `writeKey` are left out, so a client retrying the same call gets the same key.
 */
export function derivedMessageId(call: TrackingCall, type: TrackingCallType): string {
  const { sentAt: _sentAt, writeKey: _writeKey, messageId: _messageId, ...payload } = call;
  const digest = createHash("sha256")
    .update(canonicalJson({ ...payload, type }), "utf8")
    .digest("hex");
  return `sha256:${digest}`;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Ids as Segment libraries send them: strings, and numbers (a shop's numeric user ids) as their text. */
const idOf = (value: unknown): unknown =>
  typeof value === "number" && Number.isFinite(value) ? String(value) : value;

const stringOf = (value: unknown): string | null =>
  typeof value === "string" && value.trim() !== "" ? value : null;

/**
 * When the call happened, as Segment computes it: `timestamp` if given; else
 * `originalTimestamp` corrected by the client's clock skew (`receivedAt − sentAt`) when
 * `sentAt` is given; else `originalTimestamp`; else `receivedAt`. Null only for the last case.
 */
export function callTime(call: TrackingCall, receivedAt: Date): Date | null {
  if (call.timestamp != null) return timestampOf(call.timestamp, "timestamp");
  if (call.originalTimestamp == null) return null;
  const original = timestampOf(call.originalTimestamp, "originalTimestamp");
  if (call.sentAt == null) return original;
  const sentAt = timestampOf(call.sentAt, "sentAt");
  return new Date(original.getTime() + (receivedAt.getTime() - sentAt.getTime()));
}

/**
 * Context fields kept on events, flattened under the prefix Segment's warehouses use.
 * `context.ip` is not kept: event properties are shown unmasked to roles without
 * `read_pii`, and an IP address is personal data.
 */
const CONTEXT_SCALARS: Readonly<Record<string, string>> = {
  userAgent: "context_user_agent",
  locale: "context_locale",
  timezone: "context_timezone",
};
const CONTEXT_OBJECTS = ["page", "device", "app"] as const;

/** `context` as event properties: scalars of userAgent, locale, timezone, page.*, device.*, app.*. */
export function contextProperties(context: Record<string, unknown>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const scalar = (value: unknown) => ["string", "number", "boolean"].includes(typeof value);
  for (const [field, key] of Object.entries(CONTEXT_SCALARS)) {
    if (scalar(context[field])) properties[key] = context[field];
  }
  for (const group of CONTEXT_OBJECTS) {
    const inner = context[group];
    if (!isObject(inner)) continue;
    for (const [field, value] of Object.entries(inner)) {
      const name = snakeCase(field);
      if (name !== "" && scalar(value)) properties[`context_${group}_${name}`] = value;
    }
  }
  return properties;
}

/** `context.campaign` (Segment's names for the UTM parameters) as columns and properties. */
function campaignOf(context: Record<string, unknown>) {
  const campaign = isObject(context.campaign) ? context.campaign : {};
  const extra: Record<string, unknown> = {};
  if (campaign.term != null) extra.utm_term = campaign.term;
  if (campaign.content != null) extra.utm_content = campaign.content;
  return {
    utm: { source: campaign.source, medium: campaign.medium, campaign: campaign.name } as EventInput["utm"],
    extra,
  };
}

/**
 * Channel and platform in this project's vocabulary: a screen call or an app context is
 * `app`, a page call or a page context is `web`; the platform is `context.device.type`
 * (Segment's mobile libraries send `ios` / `android`).
 */
function channelOf(type: TrackingCallType, context: Record<string, unknown>) {
  const channel =
    type === "screen" || isObject(context.app)
      ? "app"
      : type === "page" || isObject(context.page)
        ? "web"
        : null;
  const device = isObject(context.device) ? context.device : {};
  const platform = stringOf(device.type)?.toLowerCase() ?? null;
  return { channel, platform };
}

/** Identities Segment carries in identify traits: `email` and `phone`. */
function traitIdentities(traits: unknown): IdentityInput[] {
  if (!isObject(traits)) return [];
  const identities: IdentityInput[] = [];
  for (const type of ["email", "phone"]) {
    const value = stringOf(traits[type]);
    if (value) identities.push({ type, value });
  }
  return identities;
}

/** A tracked purchase ("Order Completed") as a paid order record, from Segment's order properties. */
function purchaseOrder(
  call: TrackingCall,
  properties: Record<string, unknown>,
  at: Date,
  context: Record<string, unknown>,
  channel: { channel: string | null; platform: string | null },
): OrderInput {
  const orderId = properties.order_id;
  if (orderId == null || orderId === "")
    return reject(RejectCode.MISSING_FIELD, "properties.order_id is required for a purchase event");
  const total = properties.total ?? properties.revenue;
  if (total == null || total === "")
    return reject(RejectCode.MISSING_FIELD, "properties.total (or revenue) is required for a purchase event");
  const products = properties.products;
  const campaign = isObject(context.campaign) ? stringOf(context.campaign.name) : null;
  return {
    orderId: idOf(orderId) as string,
    userId: idOf(call.userId) as string | null | undefined,
    anonymousId: idOf(call.anonymousId) as string | null | undefined,
    placedAt: at,
    status: "PAID",
    totalAmount: total as number,
    couponCode: (properties.coupon as string | undefined) ?? null,
    campaignId: campaign,
    channel: channel.channel,
    platform: channel.platform,
    items: Array.isArray(products)
      ? products.map((product) =>
          isObject(product)
            ? {
                productId: (product.product_id ?? product.sku) as string,
                quantity: (product.quantity ?? 1) as number,
                unitPrice: product.price as number,
              }
            : product,
        )
      : null,
  };
}

/**
 * One Segment call in the ingestion contract. Throws `ItemRejection` for what the
 * contract cannot express (unknown type, missing alias ids, a purchase without an order
 * id); everything else is checked by `IngestService` with its usual codes.
 * `batchContext` is the `context` of a `/v1/batch` body, under each call's own context.
 */
export function translateCall(
  call: unknown,
  routeType: TrackingCallType | null,
  receivedAt: Date,
  batchContext: Record<string, unknown> = {},
): TranslatedCall {
  if (!isObject(call)) return reject(RejectCode.INVALID_JSON, "a call must be a JSON object");
  const type = routeType ?? call.type;
  if (type == null || type === "") return reject(RejectCode.MISSING_FIELD, "type is required");
  if (!(TRACKING_CALL_TYPES as readonly unknown[]).includes(type))
    return reject(
      RejectCode.UNSUPPORTED_TYPE,
      `type "${String(type)}" is not one of ${TRACKING_CALL_TYPES.join(", ")}`,
    );
  const callType = type as TrackingCallType;
  if (call.context != null && !isObject(call.context))
    return reject(RejectCode.INVALID_JSON, "context must be a JSON object");
  const context = { ...batchContext, ...((call.context as Record<string, unknown> | undefined) ?? {}) };
  const merged = { ...call, context };
  if (call.messageId != null && typeof call.messageId !== "string")
    return reject(RejectCode.INVALID_TEXT, "messageId must be a string");
  const messageId = call.messageId ? call.messageId : derivedMessageId(merged, callType);
  const at = callTime(call, receivedAt);

  if (callType === "identify" || callType === "alias") {
    const input: IdentifyInput =
      callType === "identify"
        ? {
            userId: idOf(call.userId) as string | null | undefined,
            anonymousId: idOf(call.anonymousId) as string | null | undefined,
            identities: traitIdentities(call.traits),
            traits: call.traits as Record<string, unknown> | null | undefined,
            timestamp: at,
          }
        : aliasIdentify(call, at);
    return { kind: "identify", messageId, input };
  }

  const given = jsonObject(call.properties, "properties") ?? {};
  const { utm, extra } = campaignOf(context);
  const channel = channelOf(callType, context);
  const time = at ?? receivedAt;
  let name: string;
  let pageFields: Record<string, unknown> = {};
  if (callType === "track") {
    if (call.event == null || call.event === "") return reject(RejectCode.MISSING_FIELD, "event is required");
    if (typeof call.event !== "string") return reject(RejectCode.INVALID_TEXT, "event must be a string");
    name = canonicalEventName(call.event);
    if (name === ORDER_PAID_EVENT)
      return { kind: "order", messageId, input: purchaseOrder(call, given, time, context, channel) };
  } else {
    // Page and screen calls are this project's page_view; their name and category are properties.
    name = "page_view";
    pageFields = Object.fromEntries(
      Object.entries({ name: call.name, category: call.category }).filter(([, value]) => value != null),
    );
  }
  return {
    kind: "event",
    messageId,
    input: {
      messageId,
      event: name,
      timestamp: time,
      userId: idOf(call.userId) as string | null | undefined,
      anonymousId: idOf(call.anonymousId) as string | null | undefined,
      channel: channel.channel,
      platform: channel.platform,
      utm,
      properties: { ...contextProperties(context), ...extra, ...pageFields, ...given },
    },
  };
}

/** Alias: `previousId` (the id used before, usually the anonymous id) joins `userId`'s profile. */
function aliasIdentify(call: TrackingCall, at: Date | null): IdentifyInput {
  if (call.userId == null || call.userId === "")
    return reject(RejectCode.MISSING_FIELD, "userId is required for alias");
  if (call.previousId == null || call.previousId === "")
    return reject(RejectCode.MISSING_FIELD, "previousId is required for alias");
  return { userId: idOf(call.userId) as string, anonymousId: idOf(call.previousId) as string, timestamp: at };
}
