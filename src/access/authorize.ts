import { ErrorCode, StratumError } from "../errors";
import { hasPermission, type Permission, type Principal } from "./permissions";

/** Why a request has no principal: it sent no key, a key nobody issued, or a revoked one. */
export type KeyRefusal = "missing" | "invalid" | "revoked";

const refusalMessages: Record<KeyRefusal, string> = {
  missing: "An API key is required: send Authorization: Bearer <key>",
  invalid: "The API key is not valid",
  revoked: "The API key has been revoked",
};

/**
 * The one access decision, used by the GraphQL auth checker and by the HTTP routes
 * (CSV exports): no usable key → UNAUTHENTICATED (401) saying whether the key was missing,
 * unknown or revoked; a role without the permission → FORBIDDEN (403) naming what it needs.
 */
export function assertAllowed(
  principal: Principal | undefined,
  permissions: readonly Permission[],
  refusal: KeyRefusal = "missing",
): asserts principal is Principal {
  if (!principal)
    throw new StratumError(ErrorCode.UNAUTHENTICATED, refusalMessages[refusal], { reason: refusal });
  const missing = permissions.filter((permission) => !hasPermission(principal, permission));
  if (missing.length > 0)
    throw new StratumError(
      ErrorCode.FORBIDDEN,
      `Role ${principal.role} may not do this: it needs the ${missing.join(", ")} permission`,
      { needs: missing },
    );
}
