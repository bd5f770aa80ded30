import { createTimeout } from "retry";
import type { DeliveryConfig } from "../config";

/**
 * The delay in milliseconds before retry `attempt` (1 = after the first failed attempt), from
 * node-retry's `createTimeout`: round(r × base × 2^(attempt − 1)) with r drawn uniformly from
 * [1, 2), then capped at `maxDelayMs`. The worker persists the due time on the delivery row
 * rather than waiting in a loop, so it asks for one attempt's delay; node-retry's attempts are
 * zero-indexed and its `minTimeout` is the wait before the first retry, hence `attempt − 1`.
 * The random factor spreads out the retries of deliveries that failed together (a receiver
 * that was down).
 */
export function retryDelayMs(
  attempt: number,
  config: Pick<DeliveryConfig, "baseDelayMs" | "maxDelayMs">,
): number {
  return createTimeout(attempt - 1, {
    factor: 2,
    minTimeout: config.baseDelayMs,
    maxTimeout: config.maxDelayMs,
    randomize: true,
  });
}
