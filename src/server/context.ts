import { randomUUID } from "node:crypto";
import type { Principal } from "../access/permissions";
import { createLoaders, type Loaders } from "./loaders";
import type { Services } from "./services";

/** What every resolver receives: services, per-request loaders, who is asking. */
export interface Context {
  services: Services;
  loaders: Loaders;
  principal?: Principal;
  requestId: string;
}

export function createContext(
  services: Services,
  principal?: Principal,
  requestId: string = randomUUID(),
): Context {
  return { services, loaders: createLoaders(services), principal, requestId };
}
