import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CATEGORIES, CITIES } from "../../src/generator/catalog";
import { DAY_MS, generateShop, type ShopOptions } from "../../src/generator/shop";

const END = new Date("2026-11-25T00:00:00Z");
const SMALL: ShopOptions = { users: 300, days: 14, seed: 42, end: END };

/** A digest of everything the generator emits, in order. */
function digestOf(options: ShopOptions): string {
  const shop = generateShop(options);
  const hash = createHash("sha256").update(JSON.stringify(shop.products));
  for (const day of shop.days()) hash.update(JSON.stringify(day));
  return hash.digest("hex");
}

describe("demo shop stream", () => {
  it("is the same for the same seed and different for another seed", () => {
    const first = digestOf(SMALL);
    expect(digestOf(SMALL)).toBe(first);
    expect(digestOf({ ...SMALL, seed: 43 })).not.toBe(first);
    // The end moves the period, not the behaviour: a later end is another data set.
    expect(digestOf({ ...SMALL, end: new Date(END.getTime() + DAY_MS) })).not.toBe(first);
  });

  it("floors the end to midnight UTC, so a time of day does not change the data", () => {
    expect(digestOf({ ...SMALL, end: new Date("2026-11-25T17:45:00Z") })).toBe(digestOf(SMALL));
  });

  it("rejects bad options with the field named", () => {
    expect(() => generateShop({ ...SMALL, users: 0 })).toThrow(
      expect.objectContaining({ code: "BAD_USER_INPUT" }),
    );
    expect(() => generateShop({ ...SMALL, days: 1.5 })).toThrow(/days/);
    expect(() => generateShop({ ...SMALL, seed: -1 })).toThrow(/seed/);
    expect(() => generateShop({ ...SMALL, end: new Date("nope") })).toThrow(/end/);
  });

  it("emits a consistent stream: unique ids, known products, identities before use, times in their day", () => {
    const options = { ...SMALL, users: 1_000, days: 30 };
    const shop = generateShop(options);
    const productIds = new Set(shop.products.map((p) => p.productId));
    expect(productIds.size).toBe(shop.products.length);
    for (const product of shop.products) {
      expect(CATEGORIES.map((c) => c.path)).toContain(product.category);
      expect(product.price).toBeGreaterThan(0);
    }
    const messageIds = new Set<string>();
    const identified = new Set<string>();
    const orders = new Map<string, string>();
    const anonymousOwners = new Map<string, string>();
    let batches = 0;
    for (const day of shop.days()) {
      batches++;
      expect(day.date.getTime()).toBe(shop.options.start.getTime() + day.day * DAY_MS);
      const dayEnd = day.date.getTime() + DAY_MS;
      for (const call of day.identifies) {
        expect(call.userId).toMatch(/^C\d{7}$/);
        identified.add(call.userId!);
        const owner = anonymousOwners.get(call.anonymousId!) ?? call.userId!;
        expect(owner).toBe(call.userId); // a device never changes hands
        anonymousOwners.set(call.anonymousId!, owner);
        if (call.traits) {
          expect(Object.keys(call.traits).sort()).toEqual(
            ["birth_year", "city", "gender", "name", "province", "region", "signup_channel"].sort(),
          );
          expect(CITIES.map((c) => c.city)).toContain(call.traits.city);
        }
      }
      for (const event of day.events) {
        expect(messageIds.has(event.messageId)).toBe(false);
        messageIds.add(event.messageId);
        const at = new Date(event.timestamp).getTime();
        expect(at).toBeGreaterThanOrEqual(day.date.getTime());
        expect(at).toBeLessThan(dayEnd);
        expect(event.anonymousId).toBeTruthy();
        if (event.userId) expect(identified.has(event.userId)).toBe(true);
        if (event.event === "product_view" || event.event === "add_to_cart") {
          expect(productIds.has(event.properties!.product_id as string)).toBe(true);
        }
        expect(["app", "web", "mini_program"]).toContain(event.channel);
      }
      for (const order of day.orders) {
        expect(identified.has(order.userId!)).toBe(true);
        for (const item of order.items ?? []) expect(productIds.has(item.productId)).toBe(true);
        const before = orders.get(order.orderId);
        if (before === undefined) {
          expect(["PAID", "CREATED"]).toContain(order.status);
          expect(new Date(order.placedAt).getTime()).toBeLessThan(dayEnd);
        } else {
          // Updates only move forward: created → cancelled, paid → shipped → completed | refunded.
          const allowed: Record<string, string[]> = {
            CREATED: ["CANCELLED"],
            PAID: ["SHIPPED"],
            SHIPPED: ["COMPLETED", "REFUNDED"],
          };
          expect(allowed[before]).toContain(order.status);
        }
        orders.set(order.orderId, order.status);
      }
    }
    expect(batches).toBe(options.days);
    expect(messageIds.size).toBeGreaterThan(1_000);
    const statuses = new Set(orders.values());
    expect([...statuses].sort()).toEqual([
      "CANCELLED",
      "COMPLETED",
      "CREATED",
      "PAID",
      "REFUNDED",
      "SHIPPED",
    ]);
  });
});
