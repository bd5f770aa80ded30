import type { NonEmptyArray } from "type-graphql";
import { AccessResolver } from "./access";
import { MetricsResolver } from "./metrics";
import { UserResolver } from "./user";

/** Every resolver of the API; the schema is built from exactly this list. */
export const resolvers: NonEmptyArray<Function> = [AccessResolver, MetricsResolver, UserResolver];
