import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { GraphQLError } from "graphql";
import type { MiddlewareFn } from "type-graphql";
import { StratumError } from "../errors";

/**
 * Where a `StratumError` becomes a GraphQL error: `extensions` carry its code and details,
 * and `extensions.http.status` the HTTP status Apollo answers with. Every GraphQL entry
 * point that runs Stratum code maps through here: resolvers (`stratumErrorsAsGraphQL`, a
 * global middleware), the auth checker, the request plugins (`withGraphQLErrors`).
 */
export function toGraphQLError(error: unknown): unknown {
  if (!(error instanceof StratumError)) return error;
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: { code: error.code, ...error.details, http: { status: error.httpStatus } },
  });
}

/** The `StratumError` behind a GraphQL error (graphql-js and Apollo wrap it as `originalError`). */
export function stratumErrorOf(error: unknown): StratumError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current instanceof StratumError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/** Runs `work`, rethrowing a `StratumError` as its GraphQL error. */
export async function mappingStratumErrors<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toGraphQLError(error);
  }
}

/** type-graphql global middleware: what a resolver throws reaches graphql-js already mapped. */
export const stratumErrorsAsGraphQL: MiddlewareFn = (_, next) => mappingStratumErrors(next);

/** The plugin with its `didResolveOperation` refusals mapped (Apollo would answer 500 otherwise). */
export function withGraphQLErrors<T extends BaseContext>(
  plugin: ApolloServerPlugin<T>,
): ApolloServerPlugin<T> {
  return {
    ...plugin,
    async requestDidStart(requestContext) {
      const listener = await plugin.requestDidStart?.(requestContext);
      const didResolveOperation = listener?.didResolveOperation?.bind(listener);
      if (!listener || !didResolveOperation) return listener;
      return {
        ...listener,
        didResolveOperation: (context) => mappingStratumErrors(() => didResolveOperation(context)),
      };
    },
  };
}
