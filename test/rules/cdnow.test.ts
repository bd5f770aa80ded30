import { readFileSync } from "node:fs";
import { beforeAll, expect, it } from "vitest";
import { RuleService } from "../../src/rules/service";
import { CDNOW_MASTER, insertCdnowOrders } from "../helpers/cdnow";
import { describeEachDatabase } from "../helpers/db";

const AS_OF = new Date("1998-07-01T12:00:00Z");
const YEAR_MS = 365 * 86_400_000;

/**
 * Expected counts straight from the raw file: one completed order per line, placed at the
 * line's date 00:00 in Asia/Shanghai (UTC+8), as the CDNOW loader documents.
 */
function expectedFromRawFile() {
  const perCustomer = new Map<string, { orders: number; centsInYear: number }>();
  for (const line of readFileSync(CDNOW_MASTER, "utf8").split("\n")) {
    const [customer, date, , dollars] = line.trim().split(/\s+/);
    if (!/^\d+$/.test(customer ?? "") || !/^\d{8}$/.test(date ?? "")) continue;
    const placed = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8)) - 8 * 3_600_000;
    const entry = perCustomer.get(customer) ?? { orders: 0, centsInYear: 0 };
    if (placed <= AS_OF.getTime()) entry.orders++;
    if (placed > AS_OF.getTime() - YEAR_MS && placed <= AS_OF.getTime())
      entry.centsInYear += Math.round(Number(dollars) * 100);
    perCustomer.set(customer, entry);
  }
  const all = [...perCustomer.values()];
  return {
    repeat: all.filter((c) => c.orders >= 2).length,
    bigSpenders: all.filter((c) => c.centsInYear > 100_000).length,
    both: all.filter((c) => c.orders >= 2 && c.centsInYear > 100_000).length,
  };
}

describeEachDatabase("rules on CDNOW", (db) => {
  let rules: RuleService;
  beforeAll(async () => {
    await insertCdnowOrders(db());
    rules = new RuleService(db());
  }, 180_000);

  it("counts repeat buyers and big spenders as the raw file says", async () => {
    const expected = expectedFromRawFile();
    const count = async (rule: string) => (await rules.preview(rule, AS_OF)).matchingUsers;
    expect(await count("count(orders) >= 2")).toBe(expected.repeat);
    expect(await count("sum(orders.total within 365d) > 1000")).toBe(expected.bigSpenders);
    expect(await count("count(orders) >= 2 and sum(orders.total within 365d) > 1000")).toBe(expected.both);
  });
});
