import { describe, expect, it } from "vitest";
import {
  callTime,
  canonicalEventName,
  contextProperties,
  derivedMessageId,
  translateCall,
} from "../../src/ingest/tracking";
import { ItemRejection } from "../../src/ingest/validate";

const RECEIVED = new Date("2026-03-01T12:00:15.000Z");

const rejectionCode = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof ItemRejection) return error.code;
    throw error;
  }
};

describe("canonicalEventName", () => {
  it("maps Segment's e-commerce spec names (v2 and v1) to this project's event names", () => {
    expect(
      Object.fromEntries(
        [
          "Products Searched",
          "Searched Products",
          "Product Viewed",
          "Viewed Product",
          "Product Added",
          "Added Product",
          "Checkout Started",
          "Started Order",
          "Order Completed",
          "Completed Order",
          "Application Opened",
        ].map((name) => [name, canonicalEventName(name)]),
      ),
    ).toEqual({
      "Products Searched": "search",
      "Searched Products": "search",
      "Product Viewed": "product_view",
      "Viewed Product": "product_view",
      "Product Added": "add_to_cart",
      "Added Product": "add_to_cart",
      "Checkout Started": "checkout_start",
      "Started Order": "checkout_start",
      "Order Completed": "order_paid",
      "Completed Order": "order_paid",
      "Application Opened": "app_open",
    });
  });

  it("snake_cases every other name, whatever its spelling", () => {
    expect(canonicalEventName("Product List Viewed")).toBe("product_list_viewed");
    expect(canonicalEventName("Product Clicked")).toBe("product_clicked");
    expect(canonicalEventName("Product Removed")).toBe("product_removed");
    expect(canonicalEventName("Cart Viewed")).toBe("cart_viewed");
    expect(canonicalEventName("Order Refunded")).toBe("order_refunded");
    expect(canonicalEventName("Song Played")).toBe("song_played");
    expect(canonicalEventName("productViewed")).toBe("product_view");
    expect(canonicalEventName("product-added")).toBe("add_to_cart");
    expect(canonicalEventName("  Café   Visited! ")).toBe("cafe_visited");
    expect(canonicalEventName("add_to_cart")).toBe("add_to_cart");
    expect(canonicalEventName("Signed Up 2FA")).toBe("signed_up_2fa");
    expect(canonicalEventName("APIKeyCreated")).toBe("api_key_created");
  });

  it("keeps a name with nothing to snake_case as given, and ignores prototype names", () => {
    expect(canonicalEventName("加入购物车")).toBe("加入购物车");
    expect(canonicalEventName("!!!")).toBe("!!!");
    expect(canonicalEventName("constructor")).toBe("constructor");
    expect(canonicalEventName("__proto__")).toBe("proto");
  });
});

describe("derivedMessageId", () => {
  const call = { userId: "u1", event: "Product Viewed", properties: { a: 1, b: [1, { c: 2 }] } };

  it("is a SHA-256 of the payload, independent of key order, sentAt and writeKey", () => {
    const id = derivedMessageId(call, "track");
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const reordered = {
      properties: { b: [1, { c: 2 }], a: 1 },
      event: "Product Viewed",
      userId: "u1",
      sentAt: "2026-03-01T12:00:00Z",
      writeKey: "k",
    };
    expect(derivedMessageId(reordered, "track")).toBe(id);
  });

  it("differs when anything else differs, including the call type", () => {
    const id = derivedMessageId(call, "track");
    expect(derivedMessageId({ ...call, properties: { a: 2, b: [1, { c: 2 }] } }, "track")).not.toBe(id);
    expect(derivedMessageId({ ...call, timestamp: "2026-03-01T12:00:00Z" }, "track")).not.toBe(id);
    expect(derivedMessageId(call, "page")).not.toBe(id);
  });
});

describe("callTime", () => {
  it("takes timestamp, else originalTimestamp corrected by the client's clock skew, else nothing", () => {
    expect(
      callTime({ timestamp: "2026-03-01T08:00:00Z", originalTimestamp: "2020-01-01T00:00:00Z" }, RECEIVED),
    ).toEqual(new Date("2026-03-01T08:00:00Z"));
    // The client's clock is 10 s behind: sent at 12:00:05 by its clock, received at 12:00:15.
    expect(
      callTime({ originalTimestamp: "2026-03-01T12:00:00Z", sentAt: "2026-03-01T12:00:05Z" }, RECEIVED),
    ).toEqual(new Date("2026-03-01T12:00:10Z"));
    expect(callTime({ originalTimestamp: "2026-03-01T11:00:00+01:00" }, RECEIVED)).toEqual(
      new Date("2026-03-01T10:00:00Z"),
    );
    expect(callTime({}, RECEIVED)).toBeNull();
  });

  it("rejects a time that is not ISO 8601 or not on the calendar", () => {
    expect(rejectionCode(() => callTime({ timestamp: "yesterday" }, RECEIVED))).toBe("INVALID_TIMESTAMP");
    expect(rejectionCode(() => callTime({ timestamp: "2026-02-30T00:00:00Z" }, RECEIVED))).toBe(
      "INVALID_TIMESTAMP",
    );
  });
});

describe("translateCall", () => {
  it("turns a track call into an event with UTM columns, context properties and a derived id", () => {
    const translated = translateCall(
      {
        anonymousId: "a-1",
        event: "Product Viewed",
        properties: { product_id: "sku-1", price: 18.99 },
        context: {
          ip: "24.5.68.47",
          userAgent: "Mozilla/5.0",
          locale: "en-US",
          timezone: "Europe/Berlin",
          campaign: { name: "spring", source: "newsletter", medium: "email", term: "tea", content: "banner" },
          page: { path: "/p/sku-1", url: "https://shop.example/p/sku-1", referrer: null },
          traits: { ignored: true },
        },
        originalTimestamp: "2026-03-01T12:00:00Z",
      },
      "track",
      RECEIVED,
      { device: { type: "iOS", model: "iPhone16,1" }, locale: "de-DE" },
    );
    expect(translated).toEqual({
      kind: "event",
      messageId: expect.stringMatching(/^sha256:/),
      input: {
        messageId: translated.messageId,
        event: "product_view",
        timestamp: new Date("2026-03-01T12:00:00Z"),
        userId: undefined,
        anonymousId: "a-1",
        channel: "web",
        platform: "ios",
        utm: { source: "newsletter", medium: "email", campaign: "spring" },
        properties: {
          context_user_agent: "Mozilla/5.0",
          context_locale: "en-US",
          context_timezone: "Europe/Berlin",
          context_page_path: "/p/sku-1",
          context_page_url: "https://shop.example/p/sku-1",
          context_device_type: "iOS",
          context_device_model: "iPhone16,1",
          utm_term: "tea",
          utm_content: "banner",
          product_id: "sku-1",
          price: 18.99,
        },
      },
    });
  });

  it("makes page and screen calls page_view events, stamped with the arrival time when untimed", () => {
    const page = translateCall(
      { userId: 42, name: "Home", category: "Landing", properties: { path: "/" }, messageId: "m-page" },
      "page",
      RECEIVED,
    );
    expect(page).toMatchObject({
      kind: "event",
      messageId: "m-page",
      input: {
        event: "page_view",
        userId: "42",
        timestamp: RECEIVED,
        channel: "web",
        properties: { name: "Home", category: "Landing", path: "/" },
      },
    });
    const screen = translateCall(
      { userId: "u", name: "Cart", context: { app: { version: "2.1" } } },
      "screen",
      RECEIVED,
    );
    expect(screen).toMatchObject({
      input: { event: "page_view", channel: "app", properties: { name: "Cart", context_app_version: "2.1" } },
    });
  });

  it("turns identify into an identify call whose email and phone traits are identities", () => {
    expect(
      translateCall(
        {
          userId: "u-1",
          anonymousId: "a-1",
          traits: { email: "P@Example.com", phone: "13812345678", plan: "pro" },
        },
        "identify",
        RECEIVED,
      ),
    ).toEqual({
      kind: "identify",
      messageId: expect.stringMatching(/^sha256:/),
      input: {
        userId: "u-1",
        anonymousId: "a-1",
        identities: [
          { type: "email", value: "P@Example.com" },
          { type: "phone", value: "13812345678" },
        ],
        traits: { email: "P@Example.com", phone: "13812345678", plan: "pro" },
        timestamp: null,
      },
    });
  });

  it("turns alias into an identify call linking previousId to userId", () => {
    expect(
      translateCall(
        { previousId: "anon-9", userId: "u-9", timestamp: "2026-03-01T00:00:00Z", messageId: "m-alias" },
        "alias",
        RECEIVED,
      ),
    ).toEqual({
      kind: "identify",
      messageId: "m-alias",
      input: { userId: "u-9", anonymousId: "anon-9", timestamp: new Date("2026-03-01T00:00:00Z") },
    });
    expect(rejectionCode(() => translateCall({ userId: "u-9" }, "alias", RECEIVED))).toBe("MISSING_FIELD");
    expect(rejectionCode(() => translateCall({ previousId: "a" }, "alias", RECEIVED))).toBe("MISSING_FIELD");
  });

  it("turns a tracked purchase into a paid order record with its products as items", () => {
    const order = translateCall(
      {
        userId: "u-1",
        event: "Order Completed",
        timestamp: "2026-03-01T10:00:00Z",
        properties: {
          order_id: 50314,
          total: 27.5,
          revenue: 25,
          coupon: "hasbros",
          products: [
            { product_id: "507f1f77", price: 19, quantity: 1 },
            { sku: "46493-32", price: 3, quantity: 2 },
            { product_id: "x", price: 1 },
          ],
        },
        context: { campaign: { name: "spring" } },
      },
      "track",
      RECEIVED,
    );
    expect(order).toEqual({
      kind: "order",
      messageId: expect.stringMatching(/^sha256:/),
      input: {
        orderId: "50314",
        userId: "u-1",
        anonymousId: undefined,
        placedAt: new Date("2026-03-01T10:00:00Z"),
        status: "PAID",
        totalAmount: 27.5,
        couponCode: "hasbros",
        campaignId: "spring",
        channel: null,
        platform: null,
        items: [
          { productId: "507f1f77", quantity: 1, unitPrice: 19 },
          { productId: "46493-32", quantity: 2, unitPrice: 3 },
          { productId: "x", quantity: 1, unitPrice: 1 },
        ],
      },
    });
    expect(
      rejectionCode(() =>
        translateCall({ userId: "u", event: "Order Completed", properties: { total: 1 } }, "track", RECEIVED),
      ),
    ).toBe("MISSING_FIELD");
  });

  it("rejects what the contract cannot express with item codes", () => {
    expect(rejectionCode(() => translateCall({ type: "group", groupId: "g" }, null, RECEIVED))).toBe(
      "UNSUPPORTED_TYPE",
    );
    expect(rejectionCode(() => translateCall({ userId: "u" }, null, RECEIVED))).toBe("MISSING_FIELD");
    expect(rejectionCode(() => translateCall([1], null, RECEIVED))).toBe("INVALID_JSON");
    expect(rejectionCode(() => translateCall({ userId: "u" }, "track", RECEIVED))).toBe("MISSING_FIELD");
    expect(rejectionCode(() => translateCall({ userId: "u", event: 7 }, "track", RECEIVED))).toBe(
      "INVALID_TEXT",
    );
    expect(
      rejectionCode(() => translateCall({ userId: "u", event: "e", context: [] }, "track", RECEIVED)),
    ).toBe("INVALID_JSON");
    expect(
      rejectionCode(() => translateCall({ userId: "u", event: "e", properties: [1, 2] }, "track", RECEIVED)),
    ).toBe("INVALID_JSON");
    expect(
      rejectionCode(() => translateCall({ userId: "u", event: "e", messageId: 5 }, "track", RECEIVED)),
    ).toBe("INVALID_TEXT");
  });

  it("lets the route's type win over the body's", () => {
    expect(translateCall({ type: "identify", userId: "u", event: "Signed Up" }, "track", RECEIVED).kind).toBe(
      "event",
    );
  });
});

describe("contextProperties", () => {
  it("keeps scalars only, snake_cases nested keys and drops the IP address (personal data)", () => {
    expect(
      contextProperties({
        ip: "1.2.3.4",
        userAgent: { nested: true },
        device: { adTrackingEnabled: false, id: "d-1", extra: { deep: 1 } },
        os: { name: "iOS" },
      }),
    ).toEqual({ context_device_ad_tracking_enabled: false, context_device_id: "d-1" });
  });
});
