import { ErrorCode, StratumError } from "../errors";
import { hasPermission, type Permission, type Principal } from "./permissions";

/**
 * The one access decision, used by the GraphQL auth checker and by the HTTP routes
 * (CSV exports): no key → UNAUTHENTICATED (401), a role without the permission → FORBIDDEN (403).
 */
export function assertAllowed(
  principal: Principal | undefined,
  permissions: readonly Permission[],
): asserts principal is Principal {
  if (!principal) throw new StratumError(ErrorCode.UNAUTHENTICATED, "An API key is required");
  if (!permissions.every((permission) => hasPermission(principal, permission)))
    throw new StratumError(ErrorCode.FORBIDDEN, `Role ${principal.role} may not do this`);
}
