import { describe, expect, it } from "vitest";
import { csvHeader, LineError, ndjsonRecord, snakeCase, splitCsvLine } from "../../src/ingest/formats";

describe("splitCsvLine", () => {
  it("splits on commas, drops spaces around fields and reads quoted fields", () => {
    expect(splitCsvLine(' a , "b, c" ,"12"" x",,')).toEqual(["a", "b, c", '12" x', "", ""]);
    expect(splitCsvLine('"{""k"":1}"')).toEqual(['{"k":1}']);
    expect(splitCsvLine("")).toEqual([""]);
  });

  it("refuses a quote left open at the end of the line and text after a closing quote", () => {
    expect(() => splitCsvLine('a,"b,c')).toThrow(
      new LineError("the line opens a quote that is not closed on its line"),
    );
    expect(() => splitCsvLine('a,"b"c')).toThrow(/the line has text after a closing quote/);
  });
});

describe("CSV headers and NDJSON keys", () => {
  it("reads camelCase and snake_case alike", () => {
    expect(["messageId", " UTM_Source", "anonymous_id"].map(snakeCase)).toEqual([
      "message_id",
      "utm_source",
      "anonymous_id",
    ]);
    expect(csvHeader("products", ["productId", "Name", "price"])).toEqual(["product_id", "name", "price"]);
  });

  it("refuses unknown and repeated columns, suggesting the closest", () => {
    expect(() => csvHeader("users", ["user_id", "emial"])).toThrow(
      'users CSV: unknown column "emial". Did you mean "email"? Valid: user_id, anonymous_id, email, phone, traits',
    );
    expect(() => csvHeader("users", ["userId", "user_id"])).toThrow('column "user_id" is given twice');
  });

  it("rewrites top-level and item keys, never the keys of properties", () => {
    expect(
      ndjsonRecord({
        order_id: "o",
        items: [{ product_id: "p", unit_price: 1 }],
        properties: { page_url: "/" },
      }),
    ).toEqual({ orderId: "o", items: [{ productId: "p", unitPrice: 1 }], properties: { page_url: "/" } });
    expect(() => ndjsonRecord({ userId: "a", user_id: "b" })).toThrow("userId is given twice");
  });
});
