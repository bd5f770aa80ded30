import "reflect-metadata";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CDNOW_MASTER, insertCdnowOrders } from "../helpers/cdnow";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

/**
 * Monthly metrics over the CDNOW purchase log, against a straightforward computation over
 * the raw file: every line is one completed order of a customer on a date, and the loader
 * places it at local midnight in Asia/Shanghai, so a month bucket holds that month's lines.
 * The orders are written by `insertCdnowOrders` under `loadCdnow`'s conventions.
 */
interface Expected {
  time: string;
  orders: number;
  buyers: number;
  gmv: number;
  repurchaseRate: number | null;
  newBuyers: number;
  churnRate: number | null;
}

function expectedFromRawFile(): Expected[] {
  const ordersByMonth = new Map<string, Map<string, number>>();
  const gmvByMonth = new Map<string, number>();
  const firstMonth = new Map<string, string>();
  for (const line of readFileSync(CDNOW_MASTER, "utf8").split("\n")) {
    const [customer, date, , dollars] = line.trim().split(/\s+/);
    if (!/^\d+$/.test(customer) || !/^\d{8}$/.test(date ?? "")) continue; // the header line
    const month = `${date.slice(0, 4)}-${date.slice(4, 6)}`;
    const perCustomer = ordersByMonth.get(month) ?? new Map<string, number>();
    perCustomer.set(customer, (perCustomer.get(customer) ?? 0) + 1);
    ordersByMonth.set(month, perCustomer);
    gmvByMonth.set(month, (gmvByMonth.get(month) ?? 0) + Number(dollars));
    const first = firstMonth.get(customer);
    if (!first || month < first) firstMonth.set(customer, month);
  }
  // 1997-01 … 1998-06
  const months = Array.from(
    { length: 18 },
    (_, i) => `${1997 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}`,
  );
  return months.map((month, i) => {
    const customers = ordersByMonth.get(month) ?? new Map<string, number>();
    const previous = i === 0 ? new Map<string, number>() : (ordersByMonth.get(months[i - 1]) ?? new Map());
    const buyers = customers.size;
    const repeat = [...customers.values()].filter((n) => n >= 2).length;
    const churned = [...previous.keys()].filter((c) => !customers.has(c)).length;
    return {
      time: `${month}-01T00:00:00+08:00`,
      orders: [...customers.values()].reduce((a, b) => a + b, 0),
      buyers,
      gmv: gmvByMonth.get(month) ?? 0,
      repurchaseRate: buyers ? repeat / buyers : null,
      newBuyers: [...customers.keys()].filter((c) => firstMonth.get(c) === month).length,
      // 1996-12 had no buyers: no churn for 1997-01
      churnRate: previous.size ? churned / previous.size : null,
    };
  });
}

describeEachDatabase("CDNOW monthly metrics", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    await insertCdnowOrders(db());
    api = await startTestApi(db());
  }, 300_000);
  afterAll(() => api?.close());

  it("matches a plain computation over the raw file for 1997-01 … 1998-06", async () => {
    const response = await api.gql(`{ metrics(timeRange: {from: "1997-01-01", to: "1998-07-01"}, grain: MONTH,
      timezone: "Asia/Shanghai") { rows { time orders buyers gmv repurchaseRate newBuyers churnRate } } }`);
    expect(response.errors).toBeUndefined();
    const rows = response.data.metrics.rows as Expected[];
    const expected = expectedFromRawFile();
    expect(rows.map((r) => r.time)).toEqual(expected.map((e) => e.time));
    rows.forEach((row, i) => {
      const want = expected[i];
      expect({ ...row, gmv: 0 }).toEqual({ ...want, gmv: 0 });
      expect(row.gmv).toBeCloseTo(want.gmv, 2);
    });
    // spot checks a reader can verify: the first month is all new buyers, and the log has 69,659 lines
    expect(rows[0].newBuyers).toBe(rows[0].buyers);
    expect(rows.reduce((n, r) => n + r.orders, 0)).toBe(69_659);
  });
});
