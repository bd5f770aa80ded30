import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { DeliveryConfig } from "../config";
import type { Database } from "../db/client";
import { badInput, notFound } from "../errors";
import { isTupleKey, type Page, type PageRequest, pageWindow, toPage } from "../pagination";
import { bigintArray } from "../semantic/arrays";
import { keysetPage } from "../semantic/keyset";
import type { DestinationService } from "./definitions";
import { type AttemptOutcome, postSigned } from "./worker";

export const DELIVERY_STATUSES = ["PENDING", "DELIVERED", "DEAD", "SUPPRESSED"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryAttemptRecord extends Record<string, unknown> {
  attempt: number;
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryRecord extends Record<string, unknown> {
  id: number;
  trigger: string;
  destination: string;
  userId: number;
  fact: Record<string, unknown>;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

const DELIVERY_COLUMNS = sql`d.id, d.trigger_key as trigger, d.destination_key as destination, d.user_id as "userId",
  d.fact, d.status, d.attempts, d.next_attempt_at as "nextAttemptAt", d.last_status_code as "lastStatusCode",
  d.last_error as "lastError", d.created_at as "createdAt", d.delivered_at as "deliveredAt"`;

/** Deliveries newest first; the cursor is (created_at, id). */
const isDeliveryKey = isTupleKey(
  (v) => typeof v === "string",
  (v) => typeof v === "number",
);

/** The outbox as the API reads it: deliveries, their attempts, a manual retry and a test send. */
export class DeliveryService {
  constructor(
    private readonly db: Database,
    private readonly destinations: DestinationService,
    private readonly config: DeliveryConfig,
  ) {}

  async list(
    filter: { trigger?: string | null; status?: DeliveryStatus | null },
    request: PageRequest,
  ): Promise<Page<DeliveryRecord>> {
    if (filter.status && !DELIVERY_STATUSES.includes(filter.status))
      throw badInput(`status must be one of ${DELIVERY_STATUSES.join(", ")}`, { argument: "status" });
    const window = pageWindow(request, isDeliveryKey);
    const { past, orderBy, limit } = keysetPage(window, {
      direction: "desc",
      columns: [sql`d.created_at`, sql`d.id`],
      values: ([at, id]) => [sql`${at}::timestamptz`, sql`${id}::bigint`],
    });
    const trigger = filter.trigger ?? null;
    const status = filter.status ?? null;
    const where = sql`(${trigger}::text is null or d.trigger_key = ${trigger}::text)
      and (${status}::text is null or d.status = ${status}::text)`;
    const [rows, [{ total }]] = await Promise.all([
      this.db.query<DeliveryRecord>(sql`select ${DELIVERY_COLUMNS}, d.created_at::text as "cursorAt"
        from deliveries d where ${where} and ${past} order by ${orderBy} limit ${limit}`),
      this.db.query<{ total: number }>(sql`select count(*)::int as total from deliveries d where ${where}`),
    ]);
    return toPage(rows, window, (row) => [row.cursorAt as string, Number(row.id)], total);
  }

  /** Attempts of several deliveries in one statement, oldest first (DataLoader batch). */
  async attemptsOf(ids: readonly number[]): Promise<DeliveryAttemptRecord[][]> {
    const rows = await this.db.query<DeliveryAttemptRecord & { deliveryId: number }>(sql`
      select delivery_id as "deliveryId", attempt, at, status_code as "statusCode", error, duration_ms as "durationMs"
      from delivery_attempts where delivery_id = any(${bigintArray(ids)}) order by delivery_id, id`);
    return ids.map((id) => rows.filter((row) => Number(row.deliveryId) === Number(id)));
  }

  /**
   * Sends a DEAD delivery again (or a PENDING one now): PENDING, due now (quiet hours and best
   * time no longer apply to it), with a fresh set of attempts; the attempts so far stay recorded. A DELIVERED or SUPPRESSED one is BAD_USER_INPUT.
   */
  async retry(id: number): Promise<DeliveryRecord> {
    const [row] = await this.db.query<DeliveryRecord>(sql`
      update deliveries d set status = 'PENDING', attempts = 0, next_attempt_at = now(), best_time_pending = false
      where d.id = ${id}::bigint and d.status in ('DEAD', 'PENDING')
      returning ${DELIVERY_COLUMNS}`);
    if (row) return row;
    const [current] = await this.db.query<{ status: string }>(
      sql`select status from deliveries where id = ${id}::bigint`,
    );
    if (!current) throw notFound(`Delivery ${id} does not exist`, { argument: "id" });
    throw badInput(`Delivery ${id} is ${current.status}; only DEAD or PENDING deliveries are retried`, {
      argument: "id",
    });
  }

  /**
   * POSTs a signed test payload to the destination now (not through the outbox, no retry)
   * and answers the outcome: checks URL, secret and receiver before a trigger relies on them.
   */
  async test(destinationKey: string): Promise<AttemptOutcome & { ok: boolean }> {
    const destination = await this.destinations.definition(destinationKey);
    const id = `stratum-test-${randomUUID()}`;
    const body = JSON.stringify({
      id,
      test: true,
      destination: destination.key,
      createdAt: new Date().toISOString(),
    });
    const outcome = await postSigned(destination, body, id, this.config.timeoutMs);
    return { ...outcome, ok: outcome.error === null };
  }
}
