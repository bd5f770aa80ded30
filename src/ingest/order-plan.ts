import { COUNTED_STATUSES, type OrderStatus } from "../db/schema/core";
import type { ValidOrder, ValidOrderItem } from "./validate";

/**
 * Order status transitions: a status only moves forward. A record asking
 * for a status not reachable from the stored one keeps the stored status (its other
 * changes still apply). `cancelled` and `refunded` are terminal; a paid order that is
 * called off is `refunded`, so `cancelled` is reachable only from `created`.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  created: ["paid", "shipped", "completed", "cancelled", "refunded"],
  paid: ["shipped", "completed", "refunded"],
  shipped: ["completed", "refunded"],
  completed: ["refunded"],
  cancelled: [],
  refunded: [],
};

export const isCounted = (status: OrderStatus) => COUNTED_STATUSES.includes(status);

/** An order as stored, read (locked) before its next record is planned. */
export interface StoredOrder {
  placedAt: Date;
  status: OrderStatus;
  /** numeric columns, as the driver returns them */
  totalAmount: string;
  refundedAmount: string;
  counted: boolean;
  items: ValidOrderItem[] | null;
}

/** What one record does to its order, before any write. */
export interface OrderPlan {
  /** `unchanged`: a stored order the record repeats (counted as a duplicate; nothing is written). */
  write: "insert" | "update" | "unchanged";
  status: OrderStatus;
  placedAt: Date;
  totalAmount: number;
  refundedAmount: number;
  counted: boolean;
  /** Set when this record is the first to count the order: it writes the one `order_paid` event, at this time. */
  paidAt: Date | null;
  /** The record's items are written; `replaceItems`: the stored ones are deleted first. */
  writeItems: boolean;
  replaceItems: boolean;
}

/**
 * Plans one record against the stored order (null: the first record of the order), with no
 * I/O. The status moves only along `ORDER_TRANSITIONS`; the refunded amount only grows (a
 * REFUNDED record without an amount that moves the order to refunded refunds the total);
 * `placedAt` is fixed by the first record. The first record that makes the order counted sets
 * `paidAt` (`paidAt` of the record, else `placedAt` for an order first seen counted, else `now`
 * but never before `placedAt`). Items given replace the stored ones; absent items keep them.
 */
export function planOrder(stored: StoredOrder | null, record: ValidOrder, now: Date): OrderPlan {
  const status = stored ? nextStatus(stored.status, record.status) : record.status;
  const refundedAmount = Math.max(
    stored ? Number(stored.refundedAmount) : 0,
    // Only a REFUNDED record that applies refunds the total: a late COMPLETED record of a
    // refunded order keeps the stored (maybe partial) refund, and a cancelled order stays unrefunded.
    record.refundedAmount ?? (record.status === "refunded" && status === "refunded" ? record.totalAmount : 0),
  );
  const counted = isCounted(status);
  const itemsChanged = record.items !== null && !sameItems(stored?.items ?? null, record.items);
  const unchanged =
    stored !== null &&
    status === stored.status &&
    record.totalAmount.toFixed(2) === Number(stored.totalAmount).toFixed(2) &&
    refundedAmount.toFixed(2) === Number(stored.refundedAmount).toFixed(2) &&
    !itemsChanged;
  const becameCounted = !unchanged && counted && !(stored?.counted ?? false);
  const paidAt = becameCounted
    ? (record.paidAt ??
      (stored ? new Date(Math.max(now.getTime(), stored.placedAt.getTime())) : record.placedAt))
    : null;
  const writeItems = !unchanged && record.items !== null && (itemsChanged || stored === null);
  return {
    write: stored === null ? "insert" : unchanged ? "unchanged" : "update",
    status,
    placedAt: stored?.placedAt ?? record.placedAt,
    totalAmount: record.totalAmount,
    refundedAmount,
    counted,
    paidAt,
    writeItems,
    replaceItems: writeItems && stored !== null,
  };
}

function nextStatus(stored: OrderStatus, incoming: OrderStatus): OrderStatus {
  return ORDER_TRANSITIONS[stored].includes(incoming) ? incoming : stored;
}

function sameItems(stored: readonly ValidOrderItem[] | null, incoming: readonly ValidOrderItem[]): boolean {
  if (!stored) return incoming.length === 0;
  return (
    stored.length === incoming.length &&
    stored.every(
      (item, i) =>
        item.productId === incoming[i].productId &&
        item.quantity === incoming[i].quantity &&
        Number(item.unitPrice).toFixed(2) === incoming[i].unitPrice.toFixed(2),
    )
  );
}
