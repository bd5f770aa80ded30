import { describe, expect, it } from "vitest";
import { MAX_NESTING, unstorable } from "../../src/text";

describe("what PostgreSQL cannot store", () => {
  it("finds a NUL even when a lone surrogate comes first in the walk", () => {
    // The walk is depth-first from the last key: each order puts the surrogate first once.
    expect(unstorable({ in: ["\u0000"], gt: "x\ud800" })).toBe("NUL");
    expect(unstorable({ gt: "x\ud800", in: ["\u0000"] })).toBe("NUL");
    expect(unstorable({ "k\u0000": 1, v: "\udc00" })).toBe("NUL");
  });

  it("reports a lone surrogate only when nothing worse is there, and paired ones not at all", () => {
    expect(unstorable({ a: ["ok", "x\ud800"] })).toBe("LONE_SURROGATE");
    expect(unstorable({ a: "😀 pairs are fine" })).toBeNull();
  });

  it("refuses nesting deeper than the limit", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i <= MAX_NESTING; i++) deep = [deep];
    expect(unstorable({ v: "x\ud800", deep })).toBe("TOO_DEEP");
  });
});
