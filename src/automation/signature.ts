import { createHmac } from "node:crypto";

/** The header every delivery is signed in, as Stripe signs webhooks. */
export const SIGNATURE_HEADER = "X-Stratum-Signature";

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the secret>`. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const digest = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${digest}`;
}
