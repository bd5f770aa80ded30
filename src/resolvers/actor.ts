import type { Context } from "../server/context";
import type { Actor } from "../tags/definition";

/** Who a request acts as, for history and the audit log. */
export const actorOf = (ctx: Context): Actor => ({
  name: ctx.principal?.name ?? "unknown",
  requestId: ctx.requestId,
  pii: ctx.pii,
});
