import { randomUUID } from "node:crypto";
import type { Principal } from "../access/permissions";
import { PiiAccess } from "../access/pii";
import { createLoaders, type Loaders } from "./loaders";
import type { Services } from "./services";

/** What every resolver receives: services, per-request loaders, who is asking. */
export interface Context {
  services: Services;
  loaders: Loaders;
  principal?: Principal;
  /** The principal under the PII policy: what it may name and see. */
  pii: PiiAccess;
  requestId: string;
}

export function createContext(
  services: Services,
  principal?: Principal,
  requestId: string = randomUUID(),
): Context {
  return {
    services,
    loaders: createLoaders(services),
    principal,
    pii: new PiiAccess(services.pii, principal),
    requestId,
  };
}
