import { GraphQLScalarType, Kind } from "graphql";
import { GraphQLDateTime, GraphQLJSON } from "graphql-scalars";

/** `Date`: a calendar date (YYYY-MM-DD), validated by graphql-scalars (no 2026-02-30). */
export { GraphQLDate as DateScalar } from "graphql-scalars";
/** The API's scalars: `DateTime` (ISO 8601) and `JSON`, both from graphql-scalars. */
export { GraphQLDateTime as DateTime, GraphQLJSON as JSONScalar };

/**
 * Timestamps of ingested items. Taken as sent and judged per item by ingestion, so one
 * malformed time rejects its own item (INVALID_TIMESTAMP) instead of failing the batch:
 * a strict scalar would refuse the whole request before any item is looked at.
 */
export const IngestTimestamp = new GraphQLScalarType<unknown, string>({
  name: "IngestTimestamp",
  description:
    "An ISO 8601 date-time (2026-02-01T09:30:00Z) of an ingested item; an invalid one rejects only its item (INVALID_TIMESTAMP)",
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => value,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING) return ast.value;
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return Number(ast.value);
    if (ast.kind === Kind.BOOLEAN) return ast.value;
    // Objects, lists and null literals are not scalars of any kind: the item cannot hold them.
    throw new TypeError("A timestamp is an ISO 8601 string");
  },
});
