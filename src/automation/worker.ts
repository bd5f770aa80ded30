import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { sql } from "drizzle-orm";
import type { PiiPolicy } from "../access/pii";
import type { DeliveryConfig } from "../config";
import type { Database } from "../db/client";
import { logger } from "../logger";
import { bigintArray } from "../semantic/arrays";
import {
  claimDueDeliveries,
  deliveriesAwaitingPlacement,
  ensureRateSlots,
  PLACEMENT_BATCH,
  placeAtBestTimes,
  recordCampaignTouches,
  reserveRateSlots,
  startScheduleRuns,
  type UserZones,
  withRetryTimes,
} from "../semantic/automation";
import { retryDelayMs } from "./backoff";
import { SIGNATURE_HEADER, signatureHeader } from "./signature";

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
      // Stratum's headers after the destination's: node's setHeader ignores case and the last
      // value of a name wins, so a stored header in any spelling cannot replace them (the
      // definitions refuse those names too).
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

/**
 * Each claimed delivery's wait before sending, in milliseconds, or null where it must be handed
 * back: the slots of rate-limited destinations are reserved in the database
 * (`reserveRateSlots`), shared by every worker process, so a destination gets at most its rate
 * whatever the number of workers; deliveries (in id order) beyond the slots that begin within
 * `maxWaitMs` get none. Unlimited destinations send at once.
 */
async function reserveSlots(
  db: Database,
  claimed: readonly ClaimedDelivery[],
  maxWaitMs: number,
): Promise<(number | null)[]> {
  const wanted = new Map<string, { key: string; n: number; rate: number }>();
  for (const delivery of claimed)
    if (delivery.rateLimit !== null) {
      const entry = wanted.get(delivery.destinationKey) ?? {
        key: delivery.destinationKey,
        n: 0,
        rate: delivery.rateLimit,
      };
      entry.n++;
      wanted.set(delivery.destinationKey, entry);
    }
  if (wanted.size === 0) return claimed.map(() => 0);
  await db.query(ensureRateSlots([...wanted.keys()]));
  const reserved = await db.query<{ key: string; k: number; offsetMs: number }>(
    reserveRateSlots(JSON.stringify([...wanted.values()]), maxWaitMs),
  );
  const slots = new Map(reserved.map((row) => [row.key, { ...row, used: 0 }]));
  return claimed.map((delivery) => {
    if (delivery.rateLimit === null) return 0;
    const slot = slots.get(delivery.destinationKey);
    if (!slot || slot.used >= slot.k) return null;
    return Number(slot.offsetMs) + (slot.used++ * 1000) / delivery.rateLimit;
  });
}

/** Chores a worker does besides sending, each at most once per this many milliseconds. */
const CHORE_INTERVAL_MS = 1_000;
/**
 * After a failed drain of lost real-time evaluations (typically: a full refresh holds the lock,
 * and the drain waited its 2 s bound), the worker tries again only after this long, so a long
 * refresh does not keep its sending stalled.
 */
const REALTIME_DRAIN_BACKOFF_MS = 10_000;

/** What a worker may be given beyond the database and its configuration. */
export interface DeliveryWorkerOptions {
  /** How long a claim keeps a delivery from other workers; tests shorten it. */
  leaseSeconds?: number;
  /**
   * The send-time model: users' zones (quiet hours of retries, schedules in the shop's zone)
   * and their best send hours (best-time placement). Without it users without a zone trait
   * are in UTC and deliveries awaiting placement keep their fallback due time.
   */
  sendTime?: {
    model: UserZones;
    bestOf(
      userIds: readonly number[],
    ): Promise<({ localHour: number; timezone: string; events: number } | null)[]>;
  };
  /** Real-time evaluations lost after their batch (`RealtimeAudiences.drainPending`), run again by the worker. */
  realtime?: { drainPending(): Promise<number> };
}

/**
 * Sends the outbox. Each round claims due deliveries (`claimDueDeliveries`: `for update skip
 * locked`, an attempt counted and a lease taken in one statement), freezes the bodies of first
 * attempts, POSTs them concurrently, then records every attempt and the new states in two
 * statements: DELIVERED on 2xx; otherwise PENDING again at now + a randomised exponential
 * delay (`retryDelayMs`), or DEAD once `maxAttempts` were made. Several workers (processes) may
 * run at once.
 */
export class DeliveryWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly leaseSeconds: number;
  private choresDoneAt = Number.NEGATIVE_INFINITY;
  private realtimeDrainAfter = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Database,
    private readonly pii: PiiPolicy,
    private readonly config: DeliveryConfig,
    private readonly options: DeliveryWorkerOptions = {},
  ) {
    this.leaseSeconds = options.leaseSeconds ?? LEASE_SECONDS;
  }

  private get zones(): UserZones | undefined {
    return this.options.sendTime?.model;
  }

  /**
   * Starts due schedule runs (`startScheduleRuns`: one statement per round, a run recorded with
   * its outbox rows, so two workers never double it).
   */
  async runSchedules(): Promise<void> {
    await this.db.query(startScheduleRuns(this.zones));
  }

  /**
   * Gives deliveries awaiting best-time placement their due time (`placeAtBestTimes`): the
   * user's best send hour where their own activity names one (the send-time model's answer
   * with at least one event of theirs), else the fallback written with the row. Answers how
   * many were placed. Nothing is claimed before it is placed.
   */
  async placeBestTimes(): Promise<number> {
    let placed = 0;
    for (;;) {
      const waiting = await this.db.query<{ id: number; userId: number }>(deliveriesAwaitingPlacement);
      if (waiting.length === 0) return placed;
      const users = [...new Set(waiting.map((row) => Number(row.userId)))];
      const best = this.options.sendTime ? await this.options.sendTime.bestOf(users) : users.map(() => null);
      const byUser = new Map(users.map((id, i) => [id, best[i]]));
      const placements = waiting.map((row) => {
        const answer = byUser.get(Number(row.userId));
        const known = answer && answer.events > 0;
        return { id: row.id, zone: known ? answer.timezone : null, hour: known ? answer.localHour : null };
      });
      await this.db.query(placeAtBestTimes(JSON.stringify(placements)));
      placed += waiting.length;
      if (waiting.length < PLACEMENT_BATCH) return placed;
    }
  }

  private async drainLostEvaluations(): Promise<void> {
    if (!this.options.realtime || Date.now() < this.realtimeDrainAfter) return;
    try {
      await this.options.realtime.drainPending();
    } catch (error) {
      this.realtimeDrainAfter = Date.now() + REALTIME_DRAIN_BACKOFF_MS;
      throw error;
    }
  }

  /** Schedules, lost real-time evaluations and best-time placement, at most once per CHORE_INTERVAL_MS. */
  private async chores(): Promise<void> {
    if (Date.now() - this.choresDoneAt < CHORE_INTERVAL_MS) return;
    this.choresDoneAt = Date.now();
    const chores: Array<[string, () => Promise<unknown>]> = [
      ["schedule runs", () => this.runSchedules()],
      ["lost real-time evaluations", () => this.drainLostEvaluations()],
      ["best-time placement", () => this.placeBestTimes()],
    ];
    // One failing chore neither stops the others nor the sending.
    for (const [name, chore] of chores)
      await chore().catch((error: unknown) =>
        logger.error({ err: error }, `delivery worker: ${name} failed`),
      );
  }

  /**
   * One round: the chores (at most once a second), then claims, sends and records; answers how
   * many deliveries it attempted. A delivery whose rate-limit slot would lie beyond a quarter of
   * the lease is handed back unattempted (due in a second), so no send can start after its lease
   * ran out and another worker took it.
   */
  async runOnce(): Promise<number> {
    await this.chores();
    const claimed = await this.db.query<ClaimedDelivery>(claimDueDeliveries(CLAIM_BATCH, this.leaseSeconds));
    if (claimed.length === 0) return 0;
    // Oldest first into the rate limit's slots (RETURNING has no order).
    claimed.sort((a, b) => Number(a.id) - Number(b.id));
    const waits = await reserveSlots(this.db, claimed, (this.leaseSeconds * 1000) / 4);
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
      const delay = retryDelayMs(delivery.attempts, this.config);
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
          next_attempt_at = case when x.st = 'PENDING' then x.retry_at else d.next_attempt_at end,
          -- A retry due in its trigger's quiet hours waits for their end, and is placed at the
          -- user's best send hour again like a new row deferred by them.
          best_time_pending = x.st = 'PENDING' and x.deferred
        from ${withRetryTimes(sql`json_to_recordset(${json}::json) ${shape}`, this.zones)} x
        where d.id = x.id and d.attempts = x.n and d.status = 'PENDING'`);
      const delivered = rows.filter((row) => row.st === "DELIVERED").map((row) => row.id);
      if (delivered.length) await tx.query(recordCampaignTouches(delivered));
    });
  }
}
