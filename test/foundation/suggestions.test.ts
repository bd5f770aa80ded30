import { describe, expect, it } from "vitest";
import { suggestNames } from "../../src/suggestions";

describe("suggestNames", () => {
  it("suggests close names, closest first, worded like GraphQL", () => {
    // "ordrs" → orders: one insertion; "gvm" → gmv: one swap of neighbours.
    expect(suggestNames("ordrs", ["gmv", "orders", "buyers"])).toEqual({
      suggestions: ["orders"],
      hint: ' Did you mean "orders"?',
    });
    expect(suggestNames("gvm", ["aov", "gmv", "orders"]).suggestions).toEqual(["gmv"]);
    // A case-only difference counts 1, like any single edit; ties go by name.
    expect(suggestNames("GMV", ["gmv", "gm"]).suggestions).toEqual(["gm", "gmv"]);
    // Threshold: floor(4 × 0.4) + 1 = 2 edits for "tags": tag (1) yes, tag_value (5) no.
    expect(suggestNames("tags", ["tag", "tag_value", "segment"]).suggestions).toEqual(["tag"]);
    expect(suggestNames("ab", ["ac", "ad", "bb"]).hint).toBe(' Did you mean "ac", "ad", or "bb"?');
    expect(suggestNames("ab", ["ac", "ad"]).hint).toBe(' Did you mean "ac" or "ad"?');
    expect(suggestNames("zzzzzz", ["gmv", "orders"])).toEqual({ suggestions: [], hint: "" });
    expect(suggestNames("a", ["b", "c", "d", "e", "f", "g", "h"]).suggestions).toHaveLength(5);
  });
});
