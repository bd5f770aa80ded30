import "reflect-metadata";
import { type GraphQLNamedType, GraphQLObjectType, GraphQLSchema } from "graphql";
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

const ROOT_DESCRIPTIONS: Record<string, string> = {
  Query:
    "Every read: metrics and their catalogs, behaviour analyses (funnel, retention, paths, lifecycle, RFM, repurchase cycle), profiles, tags, segments, purchase models, API keys and the audit log. Send an API key as `Authorization: Bearer <key>`; its role decides what it may read",
  Mutation:
    "Every change: ingestion (track, identify, recordOrders, upsertProducts), definitions (tags, segments, purchase models), API keys and erasure. Each needs a key whose role allows it (see Role)",
};

/** type-graphql has no option to describe the root types, so they are rebuilt with their descriptions. */
function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const config = schema.toConfig();
  const described = new Map(
    [config.query, config.mutation]
      .filter((type): type is GraphQLObjectType => type != null)
      .map((type) => [
        type,
        new GraphQLObjectType({ ...type.toConfig(), description: ROOT_DESCRIPTIONS[type.name] }),
      ]),
  );
  const swap = <T extends GraphQLNamedType | null | undefined>(type: T): T =>
    ((type && described.get(type as GraphQLObjectType)) ?? type) as T;
  // Swapped in place, so the types keep their order and the printed schema only gains descriptions.
  return new GraphQLSchema({
    ...config,
    query: swap(config.query),
    mutation: swap(config.mutation),
    types: config.types.map(swap),
  });
}

let cached: GraphQLSchema | undefined;

/** The executable schema, built once per process from `src/resolvers`. */
export function buildStratumSchema(): GraphQLSchema {
  cached ??= describeRootTypes(
    buildSchemaSync({
      resolvers,
      authChecker,
      globalMiddlewares: [stratumErrorsAsGraphQL],
      scalarsMap: [{ type: Date, scalar: DateTime }],
      validate: false,
    }),
  );
  return cached;
}
