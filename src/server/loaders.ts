import DataLoader from "dataloader";
import type { IdentityRecord, UserRecord } from "../users/service";
import type { Services } from "./services";

/**
 * Per-request DataLoaders: every field that reads another table for a list of parents
 * goes through one of these, so a page costs a fixed number of statements.
 * Never create them on a resolver class (type-graphql reuses resolver instances).
 */
export function createLoaders(services: Services) {
  return {
    user: new DataLoader<number, UserRecord | null>((ids) => services.users.byIds(ids)),
    identities: new DataLoader<number, IdentityRecord[]>((ids) => services.users.identitiesOf(ids)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
