import { randomUUID } from "node:crypto";
import type { KeyRefusal } from "../access/authorize";
import type { Principal } from "../access/permissions";
import { PiiAccess } from "../access/pii";
import { createLoaders, type Loaders } from "./loaders";
import type { Services } from "./services";

/** What every resolver receives: services, per-request loaders, who is asking. */
export interface Context {
  services: Services;
  loaders: Loaders;
  principal?: Principal;
  /** Why there is no principal, for the UNAUTHENTICATED message. */
  refusal?: KeyRefusal;
  /** The principal under the PII policy: what it may name and see. */
  pii: PiiAccess;
  requestId: string;
}

/** A caller's `x-request-id` if it is a sane token, else a fresh one. */
export function requestIdOf(header: unknown): string {
  return typeof header === "string" && /^[\w.-]{1,100}$/.test(header) ? header : randomUUID();
}

export function createContext(
  services: Services,
  principal?: Principal,
  requestId: string = randomUUID(),
  refusal?: KeyRefusal,
): Context {
  return {
    services,
    loaders: createLoaders(services),
    principal,
    refusal,
    pii: new PiiAccess(services.pii, principal),
    requestId,
  };
}
