import { GraphQLDateTime, GraphQLJSON } from "graphql-scalars";

/** The API's scalars: `DateTime` (ISO 8601) and `JSON`, both from graphql-scalars. */
export { GraphQLDateTime as DateTime, GraphQLJSON as JSONScalar };
