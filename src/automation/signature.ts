import { createHmac } from "node:crypto";

/** The header every delivery is signed in, as Stripe signs webhooks. */
export const SIGNATURE_HEADER = "X-Stratum-Signature";

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the secret>`. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const digest = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${digest}`;
}

/**
 * The delay before retry `attempt` (1 = after the first failure): full jitter, a uniform
 * draw in [0, min(max, base × 2^(attempt − 1))), as AWS's backoff note recommends so
 * retries of many deliveries spread out. `random` is injectable for tests.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
