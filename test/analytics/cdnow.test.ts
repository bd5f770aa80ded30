import "reflect-metadata";
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { AnalyticsService } from "../../src/analytics/service";
import { rfmScores, rfmSegmentOf } from "../../src/semantic/rfm";
import { CDNOW_MASTER, insertCdnowOrders } from "../helpers/cdnow";
import { describeEachDatabase } from "../helpers/db";

/** The raw file, read straightforwardly: one purchase per line, placed at local midnight in Asia/Shanghai. */
interface Purchase {
  customer: string;
  line: number;
  placedAt: number;
  cents: number;
}
const purchases: Purchase[] = readFileSync(CDNOW_MASTER, "utf8")
  .split("\n")
  .map((text, index) => ({ fields: text.trim().split(/\s+/), line: index + 1 }))
  .filter(({ fields }) => /^\d+$/.test(fields[0] ?? "") && /^\d{8}$/.test(fields[1] ?? ""))
  .map(({ fields: [customer, date, , dollars], line }) => ({
    customer: String(Number(customer)),
    line,
    placedAt: Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8)) - 8 * 3600_000,
    cents: Math.round(Number(dollars) * 100),
  }));

const DAY_MS = 86_400_000;

/** S7's score: least(5, 1 + floor(5 × percent_rank)), percent_rank = (customers strictly before) / (n − 1). */
function scores(values: number[], order: "asc" | "desc"): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const distinct = [...counts.keys()].sort((a, b) => (order === "asc" ? a - b : b - a));
  const out = new Map<number, number>();
  let before = 0;
  for (const v of distinct) {
    const percentRank = values.length > 1 ? before / (values.length - 1) : 0;
    out.set(v, Math.min(5, 1 + Math.floor(5 * percentRank)));
    before += counts.get(v)!;
  }
  return out;
}

/** The p-quantile with linear interpolation (what percentile_cont computes). */
function quantile(sorted: number[], p: number): number {
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

describeEachDatabase("analytics on CDNOW", (db) => {
  let analytics: AnalyticsService;
  const userOf = (customer: string) => Number(customer);
  beforeAll(async () => {
    await insertCdnowOrders(db());
    analytics = new AnalyticsService(db(), "Asia/Shanghai");
  });

  it("scores RFM as a straightforward computation over the raw file does", async () => {
    const asOf = Date.UTC(1998, 0, 1); // window (1997-01-01T00:00Z, 1998-01-01T00:00Z]
    const from = asOf - 365 * DAY_MS;
    const byCustomer = new Map<string, { last: number; frequency: number; cents: number }>();
    for (const p of purchases) {
      if (p.placedAt <= from || p.placedAt > asOf) continue;
      const c = byCustomer.get(p.customer) ?? { last: 0, frequency: 0, cents: 0 };
      byCustomer.set(p.customer, {
        last: Math.max(c.last, p.placedAt),
        frequency: c.frequency + 1,
        cents: c.cents + p.cents,
      });
    }
    const customers = [...byCustomer.entries()].map(([customer, c]) => ({
      customer,
      recency: Math.floor((asOf - c.last) / DAY_MS),
      ...c,
    }));
    const r = scores(
      customers.map((c) => c.recency),
      "desc",
    );
    const f = scores(
      customers.map((c) => c.frequency),
      "asc",
    );
    const m = scores(
      customers.map((c) => c.cents),
      "asc",
    );
    const expected = new Map(
      customers.map((c) => {
        const [rs, fs, ms] = [r.get(c.recency)!, f.get(c.frequency)!, m.get(c.cents)!];
        return [
          userOf(c.customer),
          [c.recency, c.frequency, c.cents, rs, fs, ms, rfmSegmentOf(rs, fs)].join(" "),
        ];
      }),
    );

    const rows = await db().query<Record<string, any>>(sql`
      select user_id, recency_days, frequency, round(monetary * 100)::int as cents, r, f, m, segment
      from ${rfmScores(sql`${new Date(asOf).toISOString()}::timestamptz`, 365)} s`);
    const actual = new Map(
      rows.map((row) => [
        row.user_id,
        [row.recency_days, row.frequency, row.cents, row.r, row.f, row.m, row.segment].join(" "),
      ]),
    );
    expect(actual.size).toBe(expected.size);
    expect(actual).toEqual(expected);

    const report = await analytics.rfm({ asOf: new Date(asOf) });
    expect(report.customers).toBe(customers.length);
    const cell = (rs: number, fs: number) =>
      customers.filter((c) => r.get(c.recency) === rs && f.get(c.frequency) === fs).length;
    expect(report.grid.map(({ r, f, users }) => ({ r, f, users }))).toEqual(
      [1, 2, 3, 4, 5].flatMap((rs) => [1, 2, 3, 4, 5].map((fs) => ({ r: rs, f: fs, users: cell(rs, fs) }))),
    );
    const champions = customers.filter(
      (c) => rfmSegmentOf(r.get(c.recency)!, f.get(c.frequency)!) === "champions",
    );
    const championsRow = report.segments.find((s) => s.name === "champions")!;
    expect(championsRow.users).toBe(champions.length);
    expect(championsRow.share).toBeCloseTo(champions.length / customers.length, 12);
    expect(championsRow.avgMonetary).toBeCloseTo(
      champions.reduce((sum, c) => sum + c.cents, 0) / 100 / champions.length,
      6,
    );
  });

  it("measures the repurchase cycle as a straightforward computation over the raw file does", async () => {
    const from = Date.UTC(1997, 6, 1) - 8 * 3600_000; // 1997-07-01 local midnight
    const to = Date.UTC(1998, 0, 1) - 8 * 3600_000;
    const byCustomer = new Map<string, Purchase[]>();
    for (const p of purchases) byCustomer.set(p.customer, [...(byCustomer.get(p.customer) ?? []), p]);
    const gaps: number[] = [];
    for (const list of byCustomer.values()) {
      list.sort((a, b) => a.placedAt - b.placedAt || a.line - b.line);
      for (let i = 1; i < list.length; i++) {
        if (list[i].placedAt >= from && list[i].placedAt < to) {
          gaps.push((list[i].placedAt - list[i - 1].placedAt) / DAY_MS);
        }
      }
    }
    gaps.sort((a, b) => a - b);
    const result = await analytics.repurchaseCycle({ timeRange: { from: "1997-07-01", to: "1998-01-01" } });
    expect(result.overall.intervals).toBe(gaps.length);
    expect(result.overall.medianDays).toBeCloseTo(quantile(gaps, 0.5), 9);
    expect(result.overall.p25Days).toBeCloseTo(quantile(gaps, 0.25), 9);
    expect(result.overall.p75Days).toBeCloseTo(quantile(gaps, 0.75), 9);
    const edges = [0, 1, 7, 14, 30, 60, 90, 180, 365, Number.POSITIVE_INFINITY];
    expect(result.overall.histogram.map((bin) => bin.count)).toEqual(
      edges.slice(0, -1).map((low, i) => gaps.filter((g) => g >= low && g < edges[i + 1]).length),
    );
    expect(result.groups).toEqual([]);
  });
});
