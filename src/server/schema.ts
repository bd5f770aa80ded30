import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { type AuthChecker, buildSchemaSync } from "type-graphql";
import { assertAllowed } from "../access/authorize";
import type { Permission } from "../access/permissions";
import { resolvers } from "../resolvers";
import { DateTime } from "../schema/scalars";
import type { Context } from "./context";
import { stratumErrorsAsGraphQL, toGraphQLError } from "./graphql-errors";

/**
 * The single place that decides access: `@Authorized(permission)` on every operation. It runs
 * before the global middlewares, so it maps its own refusal to a GraphQL error.
 */
export const authChecker: AuthChecker<Context, Permission> = ({ context }, permissions) => {
  try {
    assertAllowed(context.principal, permissions, context.refusal);
  } catch (error) {
    throw toGraphQLError(error);
  }
  return true;
};

let cached: GraphQLSchema | undefined;

/** The executable schema, built once per process from `src/resolvers`. */
export function buildStratumSchema(): GraphQLSchema {
  cached ??= buildSchemaSync({
    resolvers,
    authChecker,
    globalMiddlewares: [stratumErrorsAsGraphQL],
    scalarsMap: [{ type: Date, scalar: DateTime }],
    validate: false,
  });
  return cached;
}
