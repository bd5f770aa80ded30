/**
 * What PostgreSQL text and jsonb cannot hold, found without recursion (a hostile client
 * can nest a JSON value 20,000 levels deep): NUL characters, lone UTF-16 surrogates
 * (they have no UTF-8 form), and nesting deeper than MAX_NESTING.
 */
export const MAX_NESTING = 64;

export type UnstorableReason = "NUL" | "LONE_SURROGATE" | "TOO_DEEP";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Any character the checks below look at: almost every text has none, and is judged in one scan. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters it looks for.
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

export function unstorableString(text: string): UnstorableReason | null {
  if (!SUSPECT.test(text)) return null;
  if (text.includes("\u0000")) return "NUL";
  if (LONE_SURROGATE.test(text)) return "LONE_SURROGATE";
  return null;
}

/** The first reason `value` (strings, object keys, arrays, nesting) cannot be stored; null when it can. */
export function unstorable(value: unknown): UnstorableReason | null {
  // NUL and nesting refuse a whole request, a lone surrogate only its item: keep looking past
  // a surrogate, so a NUL elsewhere in the same value is never hidden behind it.
  let loneSurrogate = false;
  // Two parallel stacks (values and their depths) rather than an object per value: this runs
  // over every property of every ingested event.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop() as number;
    if (typeof current === "string") {
      const reason = unstorableString(current);
      if (reason === "NUL") return reason;
      if (reason === "LONE_SURROGATE") loneSurrogate = true;
    } else if (current !== null && typeof current === "object") {
      if (depth >= MAX_NESTING) return "TOO_DEEP";
      const array = Array.isArray(current);
      for (const key of Object.keys(current)) {
        if (!array) {
          const reason = unstorableString(key);
          if (reason === "NUL") return reason;
          if (reason === "LONE_SURROGATE") loneSurrogate = true;
        }
        const inner = (current as Record<string, unknown>)[key];
        // Only strings and containers can hold what cannot be stored.
        if (typeof inner === "string" || (inner !== null && typeof inner === "object")) {
          values.push(inner);
          depths.push(depth + 1);
        }
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
