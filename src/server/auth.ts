import type { Request } from "express";
import type { Principal } from "../access/permissions";
import type { Services } from "./services";

/** The bearer token of a request, if any. */
export function bearerToken(req: Pick<Request, "headers">): string | undefined {
  const header = req.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  return match?.[1];
}

/** Who is asking: the configured admin key is accepted as an administrator. */
export async function resolvePrincipal(
  services: Services,
  token: string | undefined,
): Promise<Principal | undefined> {
  if (!token) return undefined;
  if (services.config.adminKey && token === services.config.adminKey) {
    return { keyId: "admin-key", name: "admin (STRATUM_ADMIN_KEY)", role: "ADMIN" };
  }
  return undefined;
}
