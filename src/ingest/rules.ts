/**
 * Identity resolution rules as data: the resolver in `identity.ts` reads only
 * this object, so changing priority, limits or blocked values is a configuration change.
 */
export interface IdentityRules {
  /** Identity types from highest to lowest priority; types not listed rank after all of them. */
  priority: readonly string[];
  /** At most this many identities of a type on one profile; types not listed are unlimited. */
  limits: Readonly<Record<string, number>>;
  /** Values (compared trimmed and lower-cased) that never link anything. */
  blockedValues: readonly string[];
  /** Values made only of these characters (e.g. "0000") are blocked too. */
  blockedPatterns: readonly RegExp[];
  /** The identity type that names the shop's account: two different values never merge. */
  accountType: string;
}

export const DEFAULT_IDENTITY_RULES: IdentityRules = {
  priority: ["user_id", "phone", "email", "wechat_unionid", "wechat_openid", "anonymous_id"],
  limits: { user_id: 1, email: 5, phone: 5, anonymous_id: 100 },
  blockedValues: ["", "null", "undefined", "anonymous", "0", "-1", "nan", "none"],
  blockedPatterns: [/^0+$/],
  accountType: "user_id",
};

export function isBlockedValue(rules: IdentityRules, value: string): boolean {
  const normalised = value.trim().toLowerCase();
  return rules.blockedValues.includes(normalised) || rules.blockedPatterns.some((re) => re.test(normalised));
}

/** Rank of a type in the priority list (0 = highest); custom types rank last. */
export function priorityOf(rules: IdentityRules, type: string): number {
  const index = rules.priority.indexOf(type);
  return index === -1 ? rules.priority.length : index;
}

export function limitOf(rules: IdentityRules, type: string): number {
  return rules.limits[type] ?? Number.POSITIVE_INFINITY;
}
