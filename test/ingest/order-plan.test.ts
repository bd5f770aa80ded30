import { describe, expect, it } from "vitest";
import type { OrderStatus } from "../../src/db/schema/core";
import { type OrderPlan, planOrder, type StoredOrder } from "../../src/ingest/order-plan";
import type { ValidOrder } from "../../src/ingest/validate";

const placedAt = new Date("2026-03-01T08:00:00Z");
const now = new Date("2026-03-05T12:00:00Z");
const paidAt = new Date("2026-03-01T08:05:00Z");
const items = [{ productId: "sku-1", quantity: 2, unitPrice: 50 }];

const record = (status: OrderStatus, fields: Partial<ValidOrder> = {}): ValidOrder => ({
  index: 0,
  orderId: "o-1",
  userId: "u-1",
  anonymousId: null,
  placedAt,
  paidAt: null,
  status,
  totalAmount: 100,
  refundedAmount: null,
  channel: null,
  platform: null,
  couponCode: null,
  campaignId: null,
  items: null,
  ...fields,
});

const stored = (status: OrderStatus, fields: Partial<StoredOrder> = {}): StoredOrder => ({
  placedAt,
  status,
  totalAmount: "100.00",
  refundedAmount: "0.00",
  counted: ["paid", "shipped", "completed", "refunded"].includes(status),
  items: null,
  ...fields,
});

/** The plan of a record that changes nothing but `write`/`status`/amounts given. */
const plan = (fields: Partial<OrderPlan>): OrderPlan => ({
  write: "update",
  status: "created",
  placedAt,
  totalAmount: 100,
  refundedAmount: 0,
  counted: false,
  paidAt: null,
  writeItems: false,
  replaceItems: false,
  ...fields,
});

describe("planOrder", () => {
  it("inserts a new order; one first seen paid is paid when placed and writes its items", () => {
    expect(planOrder(null, record("created"), now)).toEqual(plan({ write: "insert" }));
    expect(planOrder(null, record("paid", { items }), now)).toEqual(
      plan({ write: "insert", status: "paid", counted: true, paidAt: placedAt, writeItems: true }),
    );
    // The record's own paidAt wins over placedAt.
    expect(planOrder(null, record("shipped", { paidAt }), now)).toEqual(
      plan({ write: "insert", status: "shipped", counted: true, paidAt }),
    );
  });

  it("moves the status forward and emits order_paid the first time the order counts", () => {
    // created → paid without a paidAt: paid now (after placedAt).
    expect(planOrder(stored("created"), record("paid"), now)).toEqual(
      plan({ status: "paid", counted: true, paidAt: now }),
    );
    // A clock behind placedAt never pays an order before it was placed.
    const early = new Date("2026-02-28T00:00:00Z");
    expect(planOrder(stored("created"), record("paid"), early).paidAt).toEqual(placedAt);
    // paid → shipped: already counted, so no second order_paid.
    expect(planOrder(stored("paid"), record("shipped"), now)).toEqual(
      plan({ status: "shipped", counted: true }),
    );
  });

  it("refuses a status moving backwards but keeps the record's other changes", () => {
    // Shipped then a late PAID record: nothing changes, a duplicate.
    expect(planOrder(stored("shipped"), record("paid"), now)).toEqual(
      plan({ write: "unchanged", status: "shipped", counted: true }),
    );
    // A late CREATED record with a corrected total: the status stays, the total applies.
    expect(planOrder(stored("completed"), record("created", { totalAmount: 120 }), now)).toEqual(
      plan({ status: "completed", counted: true, totalAmount: 120 }),
    );
    // cancelled is terminal.
    expect(planOrder(stored("cancelled"), record("paid"), now)).toEqual(
      plan({ write: "unchanged", status: "cancelled" }),
    );
  });

  it("refunds after completion and never loses a refund", () => {
    expect(planOrder(stored("completed"), record("refunded", { refundedAmount: 30 }), now)).toEqual(
      plan({ status: "refunded", counted: true, refundedAmount: 30 }),
    );
    // A REFUNDED record without an amount refunds the total.
    expect(planOrder(stored("completed"), record("refunded"), now)).toEqual(
      plan({ status: "refunded", counted: true, refundedAmount: 100 }),
    );
    // A late COMPLETED record after a partial refund keeps status and refund: a duplicate.
    const partlyRefunded = stored("refunded", { refundedAmount: "30.00" });
    expect(planOrder(partlyRefunded, record("completed"), now)).toEqual(
      plan({ write: "unchanged", status: "refunded", counted: true, refundedAmount: 30 }),
    );
    // A smaller refund arriving later does not shrink the stored one.
    expect(planOrder(partlyRefunded, record("refunded", { refundedAmount: 10 }), now)).toEqual(
      plan({ write: "unchanged", status: "refunded", counted: true, refundedAmount: 30 }),
    );
    // A REFUNDED record of a cancelled order applies no status, so it refunds nothing.
    expect(planOrder(stored("cancelled"), record("refunded"), now)).toEqual(
      plan({ write: "unchanged", status: "cancelled" }),
    );
  });

  it("emits no second order_paid for a repeated paid record", () => {
    expect(planOrder(stored("paid"), record("paid"), now)).toEqual(
      plan({ write: "unchanged", status: "paid", counted: true }),
    );
    // Paid again with new items: an update, still no second order_paid.
    expect(planOrder(stored("paid"), record("paid", { items }), now)).toEqual(
      plan({ status: "paid", counted: true, writeItems: true, replaceItems: true }),
    );
  });

  it("replaces items only when a record gives different ones", () => {
    const withItems = stored("paid", { items: [{ productId: "sku-1", quantity: 2, unitPrice: 50 }] });
    // Absent items keep the stored ones; the same items are no change.
    expect(planOrder(withItems, record("paid"), now).write).toBe("unchanged");
    expect(planOrder(withItems, record("paid", { items }), now).write).toBe("unchanged");
    expect(
      planOrder(
        withItems,
        record("paid", { items: [{ productId: "sku-1", quantity: 3, unitPrice: 50 }] }),
        now,
      ),
    ).toEqual(plan({ status: "paid", counted: true, writeItems: true, replaceItems: true }));
  });
});
