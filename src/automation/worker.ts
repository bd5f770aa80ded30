import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { sql } from "drizzle-orm";
import type { PiiPolicy } from "../access/pii";
import type { DeliveryConfig } from "../config";
import type { Database } from "../db/client";
import { logger } from "../logger";
import { bigintArray } from "../semantic/arrays";
import { claimDueDeliveries, recordCampaignTouches } from "../semantic/automation";
import { retryDelayMs, SIGNATURE_HEADER, signatureHeader } from "./signature";

/** A claimed delivery with what sending it needs. */
interface ClaimedDelivery extends Record<string, unknown> {
  id: number;
  triggerKey: string;
  destinationKey: string;
  userId: number;
  fact: Record<string, unknown>;
  body: string | null;
  attempts: number;
  createdAt: Date;
  url: string;
  secret: string;
  headers: Record<string, string>;
  rateLimit: number | null;
  includePii: boolean;
  traits: Record<string, unknown> | null;
}

/** One attempt's outcome, as recorded in `delivery_attempts`. */
export interface AttemptOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** The `Idempotency-Key` of a delivery: the same on every attempt, so a receiver can drop repeats. */
export const idempotencyKey = (deliveryId: number) => `stratum-delivery-${deliveryId}`;

/** Seconds a claim keeps a delivery from other workers; longer than any request may take. */
const LEASE_SECONDS = 120;
/** Deliveries one round claims and sends concurrently. */
const CLAIM_BATCH = 100;
/** Error texts kept per attempt. */
const MAX_ERROR_LENGTH = 500;

/**
 * The webhook payload: the delivery id (= idempotency key), trigger, user, the profile's traits
 * and the triggering fact; PII masked (as for a role without read_pii) unless the destination
 * has the PII permission. Built once, at the first attempt, and stored: retries send the same bytes.
 */
export function deliveryBody(delivery: ClaimedDelivery, pii: PiiPolicy): string {
  const traits = delivery.traits ?? {};
  const fact = { ...delivery.fact };
  if (!delivery.includePii && fact.properties && typeof fact.properties === "object")
    fact.properties = pii.maskEventProperties(fact.properties as Record<string, unknown>);
  return JSON.stringify({
    id: idempotencyKey(delivery.id),
    trigger: delivery.triggerKey,
    userId: delivery.userId,
    profile: { traits: delivery.includePii ? traits : pii.maskTraits(traits) },
    fact,
    createdAt: new Date(delivery.createdAt).toISOString(),
  });
}

/**
 * Keep-alive agents shared by every delivery of the process: a worker sends many requests to
 * few hosts, and a new connection per request would cost more than the request. (node:http
 * rather than fetch: on loopback it answers several times faster here.)
 */
const AGENTS = {
  "http:": new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  "https:": new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

/** One POST; resolves with the status code once the answer is read, rejects on error or after `timeoutMs`. */
function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === "https:";
    const request = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: "POST",
        headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
        agent: secure ? AGENTS["https:"] : AGENTS["http:"],
      },
      (response) => {
        response.resume();
        response.on("end", () => {
          clearTimeout(timer);
          resolve(response.statusCode ?? 0);
        });
        response.on("error", reject);
      },
    );
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}

/** POSTs a signed body; any answer but 2xx, a network error or the timeout is a failed attempt. */
export async function postSigned(
  target: { url: string; secret: string; headers: Record<string, string> },
  body: string,
  key: string,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const started = performance.now();
  try {
    const status = await post(
      new URL(target.url),
      {
        ...target.headers,
        "Content-Type": "application/json",
        "User-Agent": "Stratum-Webhooks/1",
        "Idempotency-Key": key,
        [SIGNATURE_HEADER]: signatureHeader(target.secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
      timeoutMs,
    );
    const ok = status >= 200 && status < 300;
    return {
      statusCode: status,
      error: ok ? null : `HTTP ${status}`,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    return {
      statusCode: null,
      error: (code && !message.includes(code) ? `${code}: ${message}` : message).slice(0, MAX_ERROR_LENGTH),
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/** Spaces the sends to a rate-limited destination within this worker (one slot per 1/rate s). */
class RateLimiter {
  private readonly next = new Map<string, number>();

  /**
   * Reserves the next slot of `key` and answers the milliseconds until it, or null (nothing
   * reserved) when that is more than `maxWaitMs` away.
   */
  reserve(key: string, perSecond: number | null, maxWaitMs: number): number | null {
    if (perSecond === null) return 0;
    const now = Date.now();
    const at = Math.max(now, this.next.get(key) ?? now);
    if (at - now > maxWaitMs) return null;
    this.next.set(key, at + 1000 / perSecond);
    return at - now;
  }
}

/**
 * Sends the outbox. Each round claims due deliveries (`claimDueDeliveries`: `for update skip
 * locked`, an attempt counted and a lease taken in one statement), freezes the bodies of first
 * attempts, POSTs them concurrently, then records every attempt and the new states in two
 * statements: DELIVERED on 2xx; otherwise PENDING again at now + a full-jitter exponential
 * delay, or DEAD once `maxAttempts` were made. Several workers (processes) may run at once.
 */
export class DeliveryWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly limiter = new RateLimiter();

  constructor(
    private readonly db: Database,
    private readonly pii: PiiPolicy,
    private readonly config: DeliveryConfig,
    /** How long a claim keeps a delivery from other workers; tests shorten it. */
    private readonly leaseSeconds = LEASE_SECONDS,
  ) {}

  /**
   * One round: claims, sends and records; answers how many deliveries it attempted. A delivery
   * whose rate-limit slot lies beyond a quarter of the lease is handed back unattempted (due in a
   * second), so no send can start after its lease ran out and another worker took it.
   */
  async runOnce(): Promise<number> {
    const claimed = await this.db.query<ClaimedDelivery>(claimDueDeliveries(CLAIM_BATCH, this.leaseSeconds));
    if (claimed.length === 0) return 0;
    // Oldest first into the rate limit's slots (RETURNING has no order).
    claimed.sort((a, b) => Number(a.id) - Number(b.id));
    const maxWaitMs = (this.leaseSeconds * 1000) / 4;
    const waits = claimed.map((d) => this.limiter.reserve(d.destinationKey, d.rateLimit, maxWaitMs));
    const deferred = claimed.filter((_, i) => waits[i] === null);
    if (deferred.length)
      await this.db.query(sql`
        update deliveries set attempts = attempts - 1, next_attempt_at = now() + interval '1 second'
        where id = any(${bigintArray(deferred.map((d) => d.id))})`);
    const sending = claimed.filter((_, i) => waits[i] !== null);
    const fresh = sending.filter((delivery) => delivery.body === null);
    for (const delivery of fresh) delivery.body = deliveryBody(delivery, this.pii);
    if (fresh.length)
      await this.db.query(sql`
        update deliveries d set body = x.body
        from json_to_recordset(${JSON.stringify(fresh.map((d) => ({ id: d.id, body: d.body })))}::json)
          as x(id bigint, body text)
        where d.id = x.id and d.body is null`);
    const outcomes = await Promise.all(
      sending.map(async (delivery) => {
        const wait = waits[claimed.indexOf(delivery)]!;
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        return postSigned(delivery, delivery.body!, idempotencyKey(delivery.id), this.config.timeoutMs);
      }),
    );
    if (sending.length) await this.record(sending, outcomes);
    return sending.length;
  }

  /** Runs rounds until none is due; answers the deliveries attempted (tests, `stratum deliver --once`). */
  async drain(): Promise<number> {
    let total = 0;
    for (let n = await this.runOnce(); n > 0; n = await this.runOnce()) total += n;
    return total;
  }

  /** Polls in the background (`pollMs` while idle) until `stop`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let attempted = 0;
        try {
          attempted = await this.runOnce();
        } catch (error) {
          logger.error({ err: error }, "delivery round failed");
        }
        if (attempted === 0 && this.running)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.config.pollMs);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
      }
    })();
  }

  /** Stops polling; resolves when the round in flight has recorded its attempts. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async record(claimed: ClaimedDelivery[], outcomes: AttemptOutcome[]): Promise<void> {
    const rows = claimed.map((delivery, i) => {
      const outcome = outcomes[i];
      const delivered = outcome.error === null;
      const dead = !delivered && delivery.attempts >= this.config.maxAttempts;
      const delay = retryDelayMs(delivery.attempts, this.config.baseDelayMs, this.config.maxDelayMs);
      return {
        id: delivery.id,
        n: delivery.attempts,
        st: delivered ? "DELIVERED" : dead ? "DEAD" : "PENDING",
        code: outcome.statusCode,
        err: outcome.error,
        ms: outcome.durationMs,
        delay,
      };
    });
    const json = JSON.stringify(rows);
    const shape = sql`as x(id bigint, n int, st text, code int, err text, ms int, delay int)`;
    await this.db.transaction(async (tx) => {
      await tx.query(sql`
        insert into delivery_attempts (delivery_id, attempt, status_code, error, duration_ms)
        select x.id, x.n, x.code, x.err, x.ms from json_to_recordset(${json}::json) ${shape}`);
      await tx.query(sql`
        update deliveries d set status = x.st, last_status_code = x.code, last_error = x.err,
          delivered_at = case when x.st = 'DELIVERED' then now() end,
          next_attempt_at = case when x.st = 'PENDING' then now() + make_interval(secs => x.delay / 1000.0)
            else d.next_attempt_at end
        from json_to_recordset(${json}::json) ${shape}
        where d.id = x.id and d.attempts = x.n and d.status = 'PENDING'`);
      const delivered = rows.filter((row) => row.st === "DELIVERED").map((row) => row.id);
      if (delivered.length) await tx.query(recordCampaignTouches(delivered));
    });
  }
}
