import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { type AuthChecker, buildSchemaSync } from "type-graphql";
import { hasPermission, type Permission } from "../access/permissions";
import { ErrorCode, StratumError } from "../errors";
import { resolvers } from "../resolvers";
import type { Context } from "../server/context";
import { DateTime } from "./scalars";

/** The single place that decides access: `@Authorized(permission)` on every operation. */
export const authChecker: AuthChecker<Context, Permission> = ({ context }, permissions) => {
  if (!context.principal) throw new StratumError(ErrorCode.UNAUTHENTICATED, "An API key is required");
  if (permissions.every((permission) => hasPermission(context.principal, permission))) return true;
  throw new StratumError(ErrorCode.FORBIDDEN, `Role ${context.principal.role} may not do this`);
};

let cached: GraphQLSchema | undefined;

/** The executable schema, built once per process from `src/resolvers`. */
export function buildStratumSchema(): GraphQLSchema {
  cached ??= buildSchemaSync({
    resolvers,
    authChecker,
    scalarsMap: [{ type: Date, scalar: DateTime }],
    validate: false,
  });
  return cached;
}
