import { ErrorCode, StratumError } from "../errors";
import { hasPermission, type Principal } from "./permissions";

/**
 * PII is declared, not guessed: the trait keys, identity types and event property keys
 * that hold personal data (`STRATUM_PII_TRAITS`, `STRATUM_PII_IDENTITY_TYPES`,
 * `STRATUM_PII_EVENT_PROPERTIES`; each replaces its default list). Keys compare
 * case-insensitively.
 */
export interface PiiDeclaration {
  traits: readonly string[];
  identityTypes: readonly string[];
  eventProperties: readonly string[];
}

const PERSON_KEYS = [
  "name",
  "first_name",
  "last_name",
  "full_name",
  "nickname",
  "email",
  "phone",
  "mobile",
  "id_card",
  "id_number",
  "passport",
  "address",
  "birthday",
  "birth_date",
  "wechat_openid",
  "wechat_unionid",
];

export const DEFAULT_PII: PiiDeclaration = {
  traits: PERSON_KEYS,
  identityTypes: ["email", "phone", "mobile", "id_card", "wechat_openid", "wechat_unionid"],
  eventProperties: [
    ...PERSON_KEYS,
    "receiver_name",
    "receiver_phone",
    "shipping_address",
    "delivery_address",
  ],
};

export const canSeePii = (principal: Principal | undefined): boolean => hasPermission(principal, "read_pii");

/** `13812345678` → `138****5678`. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\s+/g, "");
  if (digits.length <= 4) return "*".repeat(digits.length);
  if (digits.length < 8) return `${"*".repeat(digits.length - 4)}${digits.slice(-4)}`;
  return `${digits.slice(0, 3)}${"*".repeat(digits.length - 7)}${digits.slice(-4)}`;
}

/** `jane@example.com` → `j***@example.com`. */
export function maskEmail(value: string): string {
  const at = value.lastIndexOf("@");
  if (at <= 0) return maskText(value);
  return `${value[0]}***${value.slice(at)}`;
}

/** Names and other free text: first character, then `***`. */
export function maskText(value: string): string {
  const chars = Array.from(value);
  return chars.length === 0 ? "" : `${chars[0]}***`;
}

/**
 * A declared PII value, masked by its shape: an email keeps its domain, a number made of
 * digits (phone, id card) its first three and last four digits, anything else its first character.
 */
export function maskPiiValue(value: string): string {
  if (value.includes("@")) return maskEmail(value);
  if (/^\+?[\d\s]{5,}$/.test(value)) return maskPhone(value);
  return maskText(value);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Everything inside a PII value: strings by shape, other scalars as `***`, structure kept. */
function maskWhole(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "string") return maskPiiValue(value);
  if (Array.isArray(value)) return value.map(maskWhole);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskWhole(v)]));
  return "***";
}

const lowerSet = (keys: readonly string[]) => new Set(keys.map((key) => key.trim().toLowerCase()));

/**
 * The deployment's PII declaration and the one set of masking rules for GraphQL, CSV
 * exports, audit payloads and merge reasons, so a value is masked the same way wherever
 * it appears. Built once per process (`Services.pii`).
 */
export class PiiPolicy {
  private readonly traitKeys: ReadonlySet<string>;
  private readonly identityTypeKeys: ReadonlySet<string>;
  private readonly eventPropertyKeys: ReadonlySet<string>;
  private readonly payloadKeys: ReadonlySet<string>;

  constructor(readonly declaration: PiiDeclaration = DEFAULT_PII) {
    this.traitKeys = lowerSet(declaration.traits);
    this.identityTypeKeys = lowerSet(declaration.identityTypes);
    this.eventPropertyKeys = lowerSet(declaration.eventProperties);
    this.payloadKeys = new Set([...this.traitKeys, ...this.identityTypeKeys, ...this.eventPropertyKeys]);
  }

  isPiiTrait(key: string): boolean {
    return this.traitKeys.has(key.toLowerCase());
  }

  isPiiIdentityType(type: string): boolean {
    return this.identityTypeKeys.has(type.toLowerCase());
  }

  isPiiEventProperty(key: string): boolean {
    return this.eventPropertyKeys.has(key.toLowerCase());
  }

  maskIdentityValue(type: string, value: string): string {
    return this.isPiiIdentityType(type) ? maskPiiValue(value) : value;
  }

  /** A copy of `traits` with the values of PII trait keys masked, at any nesting depth. */
  maskTraits(traits: Record<string, unknown>): Record<string, unknown> {
    return this.maskUnder(traits ?? {}, this.traitKeys) as Record<string, unknown>;
  }

  /** A copy of event `properties` with the values of PII property keys masked, at any depth. */
  maskEventProperties(properties: Record<string, unknown>): Record<string, unknown> {
    return this.maskUnder(properties ?? {}, this.eventPropertyKeys) as Record<string, unknown>;
  }

  /**
   * A copy of any JSON value (audit payloads, merge reasons) with PII masked: values under
   * any declared key, and `{ type, value }` identities of PII types.
   */
  maskPayload(value: unknown): unknown {
    return this.maskUnder(value, this.payloadKeys);
  }

  /**
   * Event `properties` without their PII keys (at any depth), and the removed values: what
   * an erasure keeps and what it must also find elsewhere.
   */
  withoutEventPii(properties: Record<string, unknown>): {
    kept: Record<string, unknown>;
    removed: unknown[];
  } {
    const removed: unknown[] = [];
    const strip = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(strip);
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (this.eventPropertyKeys.has(key.toLowerCase())) removed.push(item);
        else out[key] = strip(item);
      }
      return out;
    };
    return { kept: strip(properties ?? {}) as Record<string, unknown>, removed };
  }

  private maskUnder(value: unknown, keys: ReadonlySet<string>): unknown {
    if (Array.isArray(value)) return value.map((item) => this.maskUnder(item, keys));
    if (!isRecord(value)) return value;
    const identity =
      typeof value.type === "string" && typeof value.value === "string" && this.isPiiIdentityType(value.type);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (identity && key === "value") out[key] = maskPiiValue(item as string);
      else if (keys.has(key.toLowerCase())) out[key] = maskWhole(item);
      else out[key] = this.maskUnder(item, keys);
    }
    return out;
  }
}

/** Reads the declaration from the environment: comma-separated lists, each replacing its default. */
export function piiDeclarationFromEnv(env: NodeJS.ProcessEnv): PiiDeclaration {
  const list = (name: string, fallback: readonly string[]) => {
    const value = env[name];
    if (value === undefined || value.trim() === "") return fallback;
    return value
      .split(",")
      .map((key) => key.trim())
      .filter(Boolean);
  };
  return {
    traits: list("STRATUM_PII_TRAITS", DEFAULT_PII.traits),
    identityTypes: list("STRATUM_PII_IDENTITY_TYPES", DEFAULT_PII.identityTypes),
    eventProperties: list("STRATUM_PII_EVENT_PROPERTIES", DEFAULT_PII.eventProperties),
  };
}

/** What a request names that may be PII: trait keys, event property keys, identity types, value tags. */
export interface PiiReferences {
  traits?: readonly string[];
  eventProperties?: readonly string[];
  identityTypes?: readonly string[];
  /** VALUE tags whose rule reads PII (their values are PII too). */
  piiValueTags?: readonly string[];
}

/**
 * One principal under the deployment's PII policy. Services that accept PII keys in their
 * input (rules, previews, filters, breakdowns) take one and refuse a principal without
 * `read_pii` naming PII: each such key is an oracle (`trait.name = "…"` answers whether
 * someone has that name). Internal callers (CLI, scheduler) pass none.
 */
export class PiiAccess {
  constructor(
    readonly policy: PiiPolicy,
    readonly principal: Principal | undefined,
  ) {}

  get seesPii(): boolean {
    return canSeePii(this.principal);
  }

  /** The PII among `references`, named `trait.<key>`, `event.<key>`, `identity.<type>`, `tag_value.<key>`. */
  piiIn(references: PiiReferences): string[] {
    return [
      ...(references.traits ?? []).filter((key) => this.policy.isPiiTrait(key)).map((key) => `trait.${key}`),
      ...(references.eventProperties ?? [])
        .filter((key) => this.policy.isPiiEventProperty(key))
        .map((key) => `event.${key}`),
      ...(references.identityTypes ?? [])
        .filter((type) => this.policy.isPiiIdentityType(type))
        .map((type) => `identity.${type}`),
      ...(references.piiValueTags ?? []).map((key) => `tag_value.${key}`),
    ];
  }

  /** FORBIDDEN (naming the PII keys and the `read_pii` permission) unless the principal may see PII. */
  assertMayUse(references: PiiReferences, argument: string): void {
    if (this.seesPii) return;
    const keys = [...new Set(this.piiIn(references))];
    if (keys.length === 0) return;
    throw new StratumError(
      ErrorCode.FORBIDDEN,
      `${argument} uses PII (${keys.join(", ")}); that needs the read_pii permission`,
      { argument, keys, permission: "read_pii" },
    );
  }
}
