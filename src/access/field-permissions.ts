import type { ApolloServerPlugin } from "@apollo/server";
import {
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  getNamedType,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { getMetadataStorage } from "type-graphql";
import type { Context } from "../server/context";
import { assertAllowed } from "./authorize";
import type { Permission } from "./permissions";

type Target = abstract new (...args: never[]) => unknown;

/**
 * `Type.field` → the permissions its `@Authorized` declares, for root operations and field
 * resolvers alike, read from type-graphql's metadata (the declarations stay the one source).
 */
function declaredPermissions(): Map<string, readonly Permission[]> {
  const storage = getMetadataStorage();
  const typeNames = new Map<unknown, string>(storage.objectTypes.map((type) => [type.target, type.name]));
  const authorized = new Map(
    storage.authorizedFields.map((field) => [
      `${field.target.name}.${field.fieldName}`,
      field.roles as Permission[],
    ]),
  );
  const declared = new Map<string, readonly Permission[]>();
  const add = (typeName: string | undefined, field: string, roles: readonly Permission[] | undefined) => {
    if (typeName && roles?.length) declared.set(`${typeName}.${field}`, roles);
  };
  for (const [root, operations] of [
    ["Query", storage.queries],
    ["Mutation", storage.mutations],
  ] as const)
    for (const operation of operations)
      add(root, operation.schemaName, authorized.get(`${operation.target.name}.${operation.methodName}`));
  for (const resolver of storage.fieldResolvers) {
    const objectType = resolver.getObjectType?.() as Target | undefined;
    add(
      typeNames.get(objectType),
      resolver.schemaName,
      authorized.get(`${resolver.target.name}.${resolver.methodName}`),
    );
  }
  return declared;
}

let cached: Map<string, readonly Permission[]> | undefined;

/** Every permission that some field selected by the operation (fragments included) declares. */
export function permissionsOfOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): Permission[] {
  cached ??= declaredPermissions();
  const declared = cached;
  const needed = new Set<Permission>();
  const typeInfo = new TypeInfo(schema);
  const collect = visitWithTypeInfo(typeInfo, {
    [Kind.FIELD]() {
      const parent = typeInfo.getParentType();
      const field = typeInfo.getFieldDef();
      if (!parent || !field) return;
      for (const permission of declared.get(`${getNamedType(parent).name}.${field.name}`) ?? [])
        needed.add(permission);
    },
  });
  const nodes: ASTNode[] = [
    operation,
    ...document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION),
  ];
  for (const node of nodes) visit(node, collect);
  return [...needed];
}

/**
 * A mutation is refused as a whole, before it writes anything, when any field it selects
 * (`identify { tags }` with an ingest-only key) needs a permission the caller lacks.
 * Queries keep per-field errors: they change nothing, so partial answers are safe.
 */
export function mutationPermissionsPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, schema, contextValue }) {
          if (operation?.operation !== "mutation") return;
          assertAllowed(
            contextValue.principal,
            permissionsOfOperation(schema, document, operation),
            contextValue.refusal,
          );
        },
      };
    },
  };
}
