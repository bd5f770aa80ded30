import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { IngestService } from "../../src/ingest/service";
import { describeEachDatabase } from "../helpers/db";

const placedAt = "2026-03-01T08:00:00Z";

/**
 * Later records of one order arriving in parallel (real parallel connections on
 * PostgreSQL): whatever the interleaving, the status ends at the furthest one reached
 * (refunded), the refund is kept, and exactly one order_paid event exists.
 */
describeEachDatabase("concurrent records of one order", (db, kind) => {
  it("never move the status backwards nor lose a refund", async () => {
    const ingest = new IngestService(db());
    const rounds = kind === "postgres" ? 10 : 3;
    for (let round = 0; round < rounds; round++) {
      const orderId = `race-${round}`;
      const base = { orderId, userId: `racer-${round}`, placedAt, totalAmount: 100 };
      await ingest.recordOrders([{ ...base, status: "PAID" } as never]);
      const results = await Promise.all(
        (["SHIPPED", "COMPLETED", "REFUNDED"] as const).map((status) =>
          ingest.recordOrders([
            { ...base, status, ...(status === "REFUNDED" ? { refundedAmount: 100 } : {}) } as never,
          ]),
        ),
      );
      for (const result of results) expect(result.rejected).toEqual([]);
      const [row] = await db().query<{ status: string; refunded: string; paid: number }>(sql`
        select status, refunded_amount::text as refunded,
          (select count(*)::int from events where name = 'order_paid' and properties->>'order_id' = ${orderId}) as paid
        from orders where order_id = ${orderId}`);
      expect(row).toEqual({ status: "refunded", refunded: "100.00", paid: 1 });
    }
  });
});
