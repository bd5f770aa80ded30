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
  // NUL and nesting refuse a whole request, a lone surrogate only its item: keep looking past
  // a surrogate, so a NUL elsewhere in the same value is never hidden behind it.
  let loneSurrogate = false;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  const judge = (text: string): "NUL" | null => {
    const reason = unstorableString(text);
    if (reason === "LONE_SURROGATE") loneSurrogate = true;
    return reason === "NUL" ? reason : null;
  };
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof current === "string") {
      if (judge(current)) return "NUL";
    } else if (current !== null && typeof current === "object") {
      if (depth >= MAX_NESTING) return "TOO_DEEP";
      for (const [key, inner] of Object.entries(current)) {
        if (!Array.isArray(current) && judge(key)) return "NUL";
        stack.push({ value: inner, depth: depth + 1 });
      }
    }
  }
  return loneSurrogate ? "LONE_SURROGATE" : null;
}

export const UNSTORABLE_MESSAGES: Record<UnstorableReason, string> = {
  NUL: "must not contain NUL (\\u0000) characters",
  LONE_SURROGATE: "must not contain unpaired UTF-16 surrogates (\\uD800–\\uDFFF)",
  TOO_DEEP: `must not be nested more than ${MAX_NESTING} levels deep`,
};
