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
