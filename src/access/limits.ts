import { createRequire } from "node:module";
import type { ApolloServerPlugin } from "@apollo/server";
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getNamedType,
  isLeafType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  visit,
} from "graphql";
import type * as QueryComplexityModule from "graphql-query-complexity";
import { getMetadataStorage } from "type-graphql";
import { badInput, limitExceeded } from "../errors";
import { DEFAULT_PAGE_SIZE } from "../pagination";
import { MAX_NESTING, UNSTORABLE_MESSAGES, unstorable } from "../text";
import { Permission } from "./permissions";

// Loaded through require: its ESM build would bind a second copy of graphql (STACK-NOTES).
const { getComplexity, fieldExtensionsEstimator } = createRequire(__filename)(
  "graphql-query-complexity",
) as typeof QueryComplexityModule;

/**
 * Nesting depth of an operation's fields (`{ a { b } }` is 2), following fragments.
 * `data` counts the fields of the API and skips introspection (`__schema`, `__type`), whose
 * tooling queries nest deep by design; `introspection` counts only the fields inside an
 * introspection field, so those get a limit of their own.
 */
export function operationDepth(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  measure: "data" | "introspection" = "data",
): number {
  // Memoised per fragment and context: a fragment spread many times (a "fragment bomb")
  // costs once. Validation has already refused fragment cycles; `pending` guards regardless.
  const fragmentDepths = new Map<string, number>();
  const pending = new Set<string>();
  const fragmentDepth = (name: string, inIntrospection: boolean): number => {
    const key = `${inIntrospection}:${name}`;
    const known = fragmentDepths.get(key);
    if (known !== undefined) return known;
    if (pending.has(key)) return 0;
    pending.add(key);
    const depth = depthOf(fragments[name]?.selectionSet, inIntrospection);
    pending.delete(key);
    fragmentDepths.set(key, depth);
    return depth;
  };
  const depthOf = (selectionSet: SelectionSetNode | undefined, inIntrospection: boolean): number => {
    let deepest = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const introspection = inIntrospection || selection.name.value.startsWith("__");
        const counted = measure === "data" ? !introspection : introspection;
        if (measure === "data" && introspection) continue;
        deepest = Math.max(deepest, (counted ? 1 : 0) + depthOf(selection.selectionSet, introspection));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet, inIntrospection));
      } else {
        deepest = Math.max(deepest, fragmentDepth(selection.name.value, inIntrospection));
      }
    }
    return deepest;
  };
  return depthOf(operation.selectionSet, false);
}

/**
 * Deepest introspection a client needs: graphql-js's own introspection query with every
 * option (what IDEs send) nests 15 levels (`__schema types inputFields type`, then the
 * `ofType` chain of TypeRef); one more for slack. Deeper is a probe, not a tool.
 */
export const MAX_INTROSPECTION_DEPTH = 16;

/** Every root field runs at least one statement, so aliasing many of them is not free. */
export const ROOT_FIELD_COST = 50;

/**
 * An analytical root field (metrics, analyses, rule previews) scans facts: it costs ten
 * root fields (`complexity` of its declaration), so one request holds at most nine of them
 * at the default complexity limit. On PGlite, one connection whose statements run one at a
 * time (each stopped at the statement timeout only on a data directory), this bounds the work
 * one request can queue ahead of everyone else's.
 */
export const ANALYTICAL_ROOT_FIELD_COST = 500;

/**
 * Cost model: a root field costs 50 (its own SQL), any other object field 1 (a row fetch or
 * a loader call), a scalar 0, and a paged field multiplies the cost of what it selects by
 * `first` (the page size it will return). So nested pages multiply, a wide page of profiles
 * costs its rows, and one request cannot alias a hundred analytical queries.
 */
const pageAwareEstimator: QueryComplexityModule.ComplexityEstimator = ({
  type,
  field,
  args,
  childComplexity,
}) => {
  const root = type.name === "Query" || type.name === "Mutation";
  const own = root ? ROOT_FIELD_COST : isLeafType(getNamedType(field.type)) ? 0 : 1;
  const paged = field.args.some((arg) => arg.name === "first");
  const rows = paged ? (typeof args.first === "number" ? args.first : DEFAULT_PAGE_SIZE) : 1;
  return own + Math.max(1, rows) * childComplexity;
};

function documentContainsNul(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes("\u0000")) found = true;
    },
    ObjectField(node) {
      if (node.name.value.includes("\u0000")) found = true;
    },
  });
  return found;
}

export interface QueryLimits {
  maxQueryDepth: number;
  maxQueryComplexity: number;
}

/**
 * Checks every operation once it is known and before anything runs: text without NUL
 * (BAD_USER_INPUT), then depth and complexity (LIMIT_EXCEEDED, HTTP 400). Thrown from
 * `didResolveOperation`, so clients get these codes rather than a generic validation failure.
 */
export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          if (!operation) return;
          // NUL and absurd nesting are refused for the whole request (PostgreSQL cannot store
          // NUL; deep values would exhaust the stack). Lone surrogates are judged per item by
          // ingestion, so one bad event does not cost its valid neighbours.
          const reason = unstorable(request.variables ?? {});
          if (reason === "TOO_DEEP")
            throw limitExceeded(`Variables ${UNSTORABLE_MESSAGES.TOO_DEEP}`, {
              limit: "nesting",
              max: MAX_NESTING,
            });
          if (reason === "NUL" || documentContainsNul(document))
            throw badInput("Text values must not contain NUL (\\u0000) characters", {
              reason: "nul_character",
            });
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions)
            if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          const depth = operationDepth(operation, fragments);
          if (depth > limits.maxQueryDepth)
            throw limitExceeded(`Query depth ${depth} exceeds the limit of ${limits.maxQueryDepth}`, {
              limit: "depth",
              max: limits.maxQueryDepth,
              actual: depth,
            });
          const introspection = operationDepth(operation, fragments, "introspection");
          if (introspection > MAX_INTROSPECTION_DEPTH)
            throw limitExceeded(
              `Introspection depth ${introspection} exceeds the limit of ${MAX_INTROSPECTION_DEPTH}`,
              { limit: "introspection_depth", max: MAX_INTROSPECTION_DEPTH, actual: introspection },
            );
          const complexity = complexityOf(schema, document, request.variables, operation.name?.value);
          if (complexity > limits.maxQueryComplexity)
            throw limitExceeded(
              `Query complexity ${complexity} exceeds the limit of ${limits.maxQueryComplexity}; ask for smaller pages or fewer nested lists`,
              { limit: "complexity", max: limits.maxQueryComplexity, actual: complexity },
            );
        },
      };
    },
  };
}

/**
 * The variables as the cost model needs them: each list cut to its first item. Costs read
 * only scalar arguments (`first`), never how long an input list is, and the library coerces
 * the variables it gets, so a `track` batch of 1,000 events would be coerced once more here
 * before execution coerces it for real. A cut list fails to coerce only if its first item
 * does, and then the whole list fails in execution too (BAD_USER_INPUT), so nothing that
 * runs escapes the limit.
 */
function costVariables(variables: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!variables) return variables;
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.slice(0, 1) : value,
    ]),
  );
}

function complexityOf(
  schema: Parameters<typeof getComplexity>[0]["schema"],
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): number {
  try {
    return getComplexity({
      schema,
      query: document,
      variables: costVariables(variables),
      operationName,
      estimators: [fieldExtensionsEstimator(), pageAwareEstimator],
    });
  } catch (error) {
    // The library refuses documents with too many nodes before it finishes counting.
    if (/number of nodes/.test((error as Error).message))
      throw limitExceeded("Query has too many fields to run", { limit: "complexity" });
    // Variables that do not coerce: execution rejects them with BAD_USER_INPUT, running nothing.
    return 0;
  }
}

/**
 * Mutation fields that need the ingest permission: their requests may carry bodies up to
 * the ingestion limit. Read from the `@Authorized` declarations, so new ingestion
 * mutations are covered without a list to keep in sync.
 */
export function ingestionMutationNames(): Set<string> {
  const storage = getMetadataStorage();
  const needsIngest = new Set(
    storage.authorizedFields
      .filter((field) => field.roles.includes(Permission.INGEST))
      .map((field) => `${field.target.name}.${field.fieldName}`),
  );
  return new Set(
    storage.mutations
      .filter((mutation) => needsIngest.has(`${mutation.target.name}.${mutation.methodName}`))
      .map((mutation) => mutation.schemaName),
  );
}
