/**
 * What PostgreSQL text and jsonb cannot hold, found without recursion (a hostile client
 * can nest a JSON value 20,000 levels deep): NUL characters, lone UTF-16 surrogates
 * (they have no UTF-8 form), and nesting deeper than MAX_NESTING.
 */
export const MAX_NESTING = 64;

export type UnstorableReason = "NUL" | "LONE_SURROGATE" | "TOO_DEEP";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unstorableString(text: string): UnstorableReason | null {
  if (text.includes("\u0000")) return "NUL";
  if (LONE_SURROGATE.test(text)) return "LONE_SURROGATE";
  return null;
}

/** The first reason `value` (strings, object keys, arrays, nesting) cannot be stored; null when it can. */
export function unstorable(value: unknown): UnstorableReason | null {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof current === "string") {
      const reason = unstorableString(current);
      if (reason) return reason;
    } else if (current !== null && typeof current === "object") {
      if (depth >= MAX_NESTING) return "TOO_DEEP";
      for (const [key, inner] of Object.entries(current)) {
        const reason = Array.isArray(current) ? null : unstorableString(key);
        if (reason) return reason;
        stack.push({ value: inner, depth: depth + 1 });
      }
    }
  }
  return null;
}

export const UNSTORABLE_MESSAGES: Record<UnstorableReason, string> = {
  NUL: "must not contain NUL (\\u0000) characters",
  LONE_SURROGATE: "must not contain unpaired UTF-16 surrogates (\\uD800–\\uDFFF)",
  TOO_DEEP: `must not be nested more than ${MAX_NESTING} levels deep`,
};
