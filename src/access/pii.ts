import { hasPermission, type Principal } from "./permissions";

/**
 * PII masking. One set of rules for GraphQL, CSV exports and audit payloads,
 * so a value is masked the same way wherever it appears.
 */
export const PII_IDENTITY_TYPES = new Set(["email", "phone", "wechat_unionid", "wechat_openid"]);
/** Trait keys holding PII (compared case-insensitively). */
export const PII_TRAIT_KEYS = new Set([
  "email",
  "phone",
  "name",
  "first_name",
  "last_name",
  "full_name",
  "mobile",
  "address",
]);

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

export function maskIdentityValue(type: string, value: string): string {
  if (type === "email") return maskEmail(value);
  if (type === "phone") return maskPhone(value);
  if (PII_IDENTITY_TYPES.has(type)) return maskText(value);
  return value;
}

function maskTraitValue(key: string, value: unknown): unknown {
  if (typeof value !== "string") return value === null || value === undefined ? value : "***";
  const lower = key.toLowerCase();
  if (lower === "email") return maskEmail(value);
  if (lower === "phone" || lower === "mobile") return maskPhone(value);
  return maskText(value);
}

/** A copy of `traits` with PII keys masked, at any nesting depth. */
export function maskTraits(traits: Record<string, unknown>): Record<string, unknown> {
  return maskPii(traits ?? {}) as Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A copy of any JSON value (audit payloads, export rows) with PII masked: values under
 * PII keys, and `{ type, value }` identities of PII types.
 */
export function maskPii(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskPii);
  if (!isRecord(value)) return value;
  if (typeof value.type === "string" && typeof value.value === "string" && PII_IDENTITY_TYPES.has(value.type))
    return { ...maskPiiEntries(value), value: maskIdentityValue(value.type, value.value) };
  return maskPiiEntries(value);
}

function maskPiiEntries(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (PII_TRAIT_KEYS.has(key.toLowerCase()) && !isRecord(value) && !Array.isArray(value))
      out[key] = maskTraitValue(key, value);
    else if (PII_IDENTITY_TYPES.has(key) && typeof value === "string")
      out[key] = maskIdentityValue(key, value);
    else out[key] = maskPii(value);
  }
  return out;
}
