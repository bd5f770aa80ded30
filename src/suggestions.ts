/**
 * "Did you mean" for a name that is none of `valid`, ranked and worded like GraphQL's own
 * suggestions for unknown fields and enum values, so HTTP exports and GraphQL suggest alike:
 * candidates within an edit distance of 40 % of the input (+1), a case-only difference
 * counting 1, closest first, at most five.
 */
export function suggestNames(
  input: string,
  valid: readonly string[],
): { suggestions: string[]; hint: string } {
  const threshold = Math.floor(input.length * 0.4) + 1;
  const distances = new Map<string, number>();
  for (const candidate of new Set(valid)) {
    const distance = editDistance(input, candidate);
    if (distance <= threshold) distances.set(candidate, distance);
  }
  const suggestions = [...distances.keys()]
    .sort((a, b) => (distances.get(a) ?? 0) - (distances.get(b) ?? 0) || a.localeCompare(b))
    .slice(0, 5);
  return { suggestions, hint: didYouMean(suggestions) };
}

/** ` Did you mean "a"?`, ` Did you mean "a" or "b"?`, ` Did you mean "a", "b", or "c"?`, or "". */
function didYouMean(suggestions: readonly string[]): string {
  const quoted = suggestions.map((s) => `"${s}"`);
  if (quoted.length === 0) return "";
  if (quoted.length === 1) return ` Did you mean ${quoted[0]}?`;
  if (quoted.length === 2) return ` Did you mean ${quoted[0]} or ${quoted[1]}?`;
  return ` Did you mean ${quoted.slice(0, -1).join(", ")}, or ${quoted[quoted.length - 1]}?`;
}

/** Optimal string alignment distance (insert, delete, substitute, swap neighbours), case-insensitive but not free. */
function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return 1;
  let before: number[] = [];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, before[j - 2] + 1);
      }
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[y.length];
}
