import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import type { OrderInput } from "../../src/ingest/contract";
import { ORDER_TRANSITIONS } from "../../src/ingest/order-plan";
import { IngestService } from "../../src/ingest/service";
import { describeEachDatabase } from "../helpers/db";

const placedAt = "2026-03-01T08:00:00Z";
const order = (orderId: string, status: string, fields: Partial<OrderInput> = {}): OrderInput =>
  ({ orderId, userId: `buyer-${orderId}`, placedAt, status, totalAmount: 100, ...fields }) as OrderInput;

describeEachDatabase("orders", (db) => {
  let ingest: IngestService;
  beforeAll(() => {
    ingest = new IngestService(db());
  });
  const stored = async (orderId: string) => {
    const [row] = await db().query<{
      status: string;
      counted: boolean;
      refunded: string;
      total: string;
      paidEvents: number;
    }>(sql`
      select status, counted, refunded_amount::text as refunded, total_amount::text as total,
        (select count(*)::int from events where name = 'order_paid' and properties->>'order_id' = ${orderId}) as "paidEvents"
      from orders where order_id = ${orderId}`);
    return row;
  };

  it("is idempotent by order id", async () => {
    const batch = [order("idem-1", "PAID", { items: [{ productId: "p1", quantity: 2, unitPrice: 50 }] })];
    expect(await ingest.recordOrders(batch)).toEqual({
      accepted: 1,
      updated: 0,
      duplicates: 0,
      rejected: [],
    });
    expect(await ingest.recordOrders(batch)).toEqual({
      accepted: 0,
      updated: 0,
      duplicates: 1,
      rejected: [],
    });
    expect(await stored("idem-1")).toEqual({
      status: "paid",
      counted: true,
      refunded: "0.00",
      total: "100.00",
      paidEvents: 1,
    });
  });

  it("moves status only forward, writing order_paid once at the first counted status", async () => {
    await ingest.recordOrders([order("flow-1", "CREATED")]);
    expect(await stored("flow-1")).toMatchObject({ status: "created", counted: false, paidEvents: 0 });
    expect((await ingest.recordOrders([order("flow-1", "paid")])).updated).toBe(1);
    expect(await stored("flow-1")).toMatchObject({ status: "paid", counted: true, paidEvents: 1 });
    await ingest.recordOrders([order("flow-1", "COMPLETED")]);
    // completed → paid is backwards: the stored status stays, nothing changes.
    expect(await ingest.recordOrders([order("flow-1", "PAID")])).toMatchObject({ updated: 0, duplicates: 1 });
    expect(await ingest.recordOrders([order("flow-1", "CREATED")])).toMatchObject({
      updated: 0,
      duplicates: 1,
    });
    expect(await stored("flow-1")).toMatchObject({ status: "completed", counted: true, paidEvents: 1 });
    // Cancelling a paid order is not a transition (a paid order is refunded instead).
    await ingest.recordOrders([order("flow-1", "CANCELLED")]);
    expect(await stored("flow-1")).toMatchObject({ status: "completed", counted: true });
    const [event] = await db().query<{ ts: Date; messageId: string }>(sql`
      select ts, message_id as "messageId" from events where name = 'order_paid' and properties->>'order_id' = 'flow-1'`);
    expect(event.messageId).toBe("order_paid:flow-1");
    expect(event.ts.getTime()).toBeGreaterThanOrEqual(new Date(placedAt).getTime());
  });

  it("follows the transition table for every pair of statuses", async () => {
    const statuses = Object.keys(ORDER_TRANSITIONS);
    const rows: OrderInput[] = [];
    const expected: Record<string, string> = {};
    for (const from of statuses)
      for (const to of statuses) {
        const id = `pair-${from}-${to}`;
        rows.push(order(id, from.toUpperCase()));
        // Hand-written forward order: created < paid < shipped < completed < refunded; cancelled only from created.
        const rank = ["created", "paid", "shipped", "completed", "refunded"];
        const forward =
          to === "cancelled"
            ? from === "created"
            : from !== "cancelled" && rank.indexOf(to) > rank.indexOf(from);
        expected[id] = forward ? to : from;
      }
    await ingest.recordOrders(rows);
    // The same ids again with the target status, in one batch.
    await ingest.recordOrders(
      statuses.flatMap((from) => statuses.map((to) => order(`pair-${from}-${to}`, to))),
    );
    const result = await db().query<{ orderId: string; status: string; counted: boolean; paid: number }>(sql`
      select o.order_id as "orderId", o.status, o.counted, coalesce(p.n, 0) as paid
      from orders o
      -- Grouped apart, not a count correlated with each order: Citus refuses that over two
      -- distributed tables, whatever user the event was written for.
      left join (select e.message_id, count(*)::int as n from events e
        where e.message_id like 'order_paid:pair-%' group by e.message_id) p
        on p.message_id = 'order_paid:' || o.order_id
      where o.order_id like 'pair-%'`);
    expect(result).toHaveLength(36);
    for (const row of result) {
      expect(row.status, row.orderId).toBe(expected[row.orderId]);
      const counted = ["paid", "shipped", "completed", "refunded"].includes(row.status);
      expect(row.counted).toBe(counted);
      expect(row.paid).toBe(counted ? 1 : 0);
    }
  });

  it("records refunds, full and partial, without a second order_paid", async () => {
    await ingest.recordOrders([order("refund-1", "COMPLETED", { totalAmount: 80 })]);
    await ingest.recordOrders([order("refund-1", "COMPLETED", { totalAmount: 80, refundedAmount: 30 })]);
    expect(await stored("refund-1")).toMatchObject({ status: "completed", refunded: "30.00", paidEvents: 1 });
    await ingest.recordOrders([order("refund-1", "REFUNDED", { totalAmount: 80 })]);
    // No refundedAmount on a REFUNDED record: the whole total is refunded.
    expect(await stored("refund-1")).toEqual({
      status: "refunded",
      counted: true,
      refunded: "80.00",
      total: "80.00",
      paidEvents: 1,
    });
    const bad = await ingest.recordOrders([
      order("refund-2", "REFUNDED", { totalAmount: 10, refundedAmount: 20 }),
    ]);
    expect(bad.rejected.map((r) => r.code)).toEqual(["REFUND_EXCEEDS_TOTAL"]);
  });

  it("applies several records of one order in one batch in order, and replaces items", async () => {
    const result = await ingest.recordOrders([
      order("batch-1", "CREATED", { items: [{ productId: "a", quantity: 1, unitPrice: 100 }] }),
      order("batch-1", "PAID", {
        items: [
          { productId: "b", quantity: 2, unitPrice: 40 },
          { productId: "c", quantity: 1, unitPrice: 20 },
        ],
      }),
      order("batch-1", "SHIPPED"),
    ]);
    expect(result).toEqual({ accepted: 1, updated: 2, duplicates: 0, rejected: [] });
    expect(await stored("batch-1")).toMatchObject({ status: "shipped", paidEvents: 1 });
    const items = await db().query(sql`
      select line_no as "line", product_id as "productId", quantity, unit_price::text as "unitPrice"
      from order_items where order_id = 'batch-1' order by line_no`);
    expect(items).toEqual([
      { line: 1, productId: "b", quantity: 2, unitPrice: "40.00" },
      { line: 2, productId: "c", quantity: 1, unitPrice: "20.00" },
    ]);
  });

  it("rejects bad orders with codes and stores the good ones of the batch", async () => {
    const result = await ingest.recordOrders([
      order("bad-ok", "PAID"),
      order("bad-status", "LOST"),
      order("bad-amount", "PAID", { totalAmount: -5 }),
      order("bad-time", "PAID", { placedAt: "yesterday" }),
      order("bad-who", "PAID", { userId: null }),
      order("x".repeat(300), "PAID"),
      order("bad-item", "PAID", { items: [{ productId: "p", quantity: 0, unitPrice: 1 }] }),
    ]);
    expect(result.accepted).toBe(1);
    expect(result.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, "INVALID_STATUS"],
      [2, "NEGATIVE_AMOUNT"],
      [3, "INVALID_TIMESTAMP"],
      [4, "MISSING_IDENTIFIER"],
      [5, "ID_TOO_LONG"],
      [6, "INVALID_ITEM"],
    ]);
    const [count] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from orders where order_id like 'bad-%'`,
    );
    expect(count.n).toBe(1);
  });
});
