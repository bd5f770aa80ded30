import { GraphQLDateTime, GraphQLJSON } from "graphql-scalars";

/** `Date`: a calendar date (YYYY-MM-DD), validated by graphql-scalars (no 2026-02-30). */
export { GraphQLDate as DateScalar } from "graphql-scalars";
/** The API's scalars: `DateTime` (ISO 8601) and `JSON`, both from graphql-scalars. */
export { GraphQLDateTime as DateTime, GraphQLJSON as JSONScalar };
