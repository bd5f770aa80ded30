import { AsyncLocalStorage } from "node:async_hooks";

/** A counting semaphore: at most `permits` callers run at once, the others wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly permits: number) {
    if (!(permits >= 1)) throw new Error(`a semaphore needs at least one permit, not ${permits}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.permits) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      // The permit passes straight to the next waiter, so a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const requestSlots = new AsyncLocalStorage<Semaphore>();

/**
 * Runs `fn` (one request) so that the analytical statements it starts, however many
 * aliased root fields ask for them, run at most `permits` at a time.
 */
export function withAnalyticalConcurrency<T>(permits: number, fn: () => T): T {
  return requestSlots.run(new Semaphore(permits), fn);
}

/** The analytical slots of the request running now, if it has any. */
export const currentRequestSlots = (): Semaphore | undefined => requestSlots.getStore();

/** Whether `error` or one of its causes carries one of the SQLSTATE `codes`. */
export function hasSqlState(error: unknown, ...codes: string[]): boolean {
  for (let e: any = error; e; e = e.cause) if (codes.includes(e.code)) return true;
  return false;
}

/**
 * A write that lost a race with a concurrent one: a unique key taken meanwhile (23505), a
 * serialization failure (40001) or a deadlock (40P01). Running it again from the start wins.
 */
export const lostRace = (error: unknown): boolean =>
  hasSqlState(error, "23505", "40001", "40P01") || citusUniqueViolation(error);

/**
 * Citus reports a unique violation met by the COPY it sends a shard (an `insert … select`
 * routed through the coordinator) as an internal error, XX000, keeping PostgreSQL's message.
 */
function citusUniqueViolation(error: unknown): boolean {
  for (let e: any = error; e; e = e.cause)
    if (e.code === "XX000" && e.routine === "ReportCopyError" && /^duplicate key value/.test(e.message))
      return true;
  return false;
}

/**
 * How a transaction that lost a race runs again: at most 8 times in all, after a full-jitter
 * exponential pause (10 ms doubling, capped at 500 ms), so colliding writers spread out
 * instead of colliding again at once (`exponential-backoff` options).
 */
export const RACE_RETRY_POLICY = {
  numOfAttempts: 8,
  startingDelay: 10,
  timeMultiple: 2,
  maxDelay: 500,
  jitter: "full",
} as const;
