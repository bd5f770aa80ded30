import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { assertAllowed, type KeyRefusal } from "../access/authorize";
import type { Permission, Principal } from "../access/permissions";
import { StratumError } from "../errors";
import { sendError } from "./http-errors";
import type { Services } from "./services";

/** The bearer token of a request, if any. */
export function bearerToken(req: Pick<Request, "headers">): string | undefined {
  const header = req.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  return match?.[1];
}

/**
 * The key of a tracking API request: a bearer token, or the username of HTTP Basic auth
 * (Segment libraries send the write key as the username with an empty password).
 */
export function trackingToken(req: Pick<Request, "headers">): string | undefined {
  const bearer = bearerToken(req);
  if (bearer) return bearer;
  const header = req.headers.authorization;
  const match = typeof header === "string" ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim()) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const username = colon === -1 ? decoded : decoded.slice(0, colon);
  return username === "" ? undefined : username;
}

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export const CONFIGURED_ADMIN: Principal = {
  keyId: "admin-key",
  name: "admin (STRATUM_ADMIN_KEY)",
  role: "ADMIN",
};

/** Who is asking, or why nobody is: the key was missing, unknown, or revoked. */
export type Credential =
  | { principal: Principal; refusal?: undefined }
  | { principal?: undefined; refusal: KeyRefusal };

/**
 * Who is asking. API keys are looked up on every request (no cache), so a revoked key
 * fails on the next one; the configured `STRATUM_ADMIN_KEY` is accepted as an administrator
 * unless it is itself a revoked stored key (demo mode stores its key and configures it).
 */
export async function resolveCredential(services: Services, token: string | undefined): Promise<Credential> {
  if (!token) return { refusal: "missing" };
  const stored = await services.apiKeys.lookup(token);
  if (stored.status === "live") return { principal: stored.principal };
  if (stored.status === "revoked") return { refusal: "revoked" };
  if (services.config.adminKey && sameSecret(token, services.config.adminKey))
    return { principal: CONFIGURED_ADMIN };
  return { refusal: "invalid" };
}

/**
 * Guards an HTTP route outside GraphQL (CSV exports) with the same keys and decision as
 * `@Authorized`: 401/403 with a coded JSON error, otherwise `res.locals.principal` is set
 * (exports mask PII with `canSeePii(res.locals.principal)`).
 */
export function requirePermission(services: Services, ...permissions: Permission[]): RequestHandler {
  return requirePermissionOf(bearerToken, services, ...permissions);
}

/** `requirePermission` with the key read by `tokenOf` (the tracking API also takes Basic auth). */
export function requirePermissionOf(
  tokenOf: (req: Pick<Request, "headers">) => string | undefined,
  services: Services,
  ...permissions: Permission[]
): RequestHandler {
  return async (req, res, next) => {
    try {
      const { principal, refusal } = await resolveCredential(services, tokenOf(req));
      assertAllowed(principal, permissions, refusal);
      res.locals.principal = principal;
      next();
    } catch (error) {
      if (!(error instanceof StratumError)) {
        next(error);
        return;
      }
      sendError(res, error);
    }
  };
}
