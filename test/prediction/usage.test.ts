import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { MetricsService } from "../../src/metrics-service/service";
import { probabilityAlive } from "../../src/prediction/bgnbd";
import { PredictionService, type PurchaseModelRecord } from "../../src/prediction/service";
import { RuleService } from "../../src/rules/service";
import { SegmentService } from "../../src/segments/service";
import { refreshAll } from "../../src/tags/schedule";
import { TagService } from "../../src/tags/service";
import { describeEachDatabase } from "../helpers/db";
import { insertCdnowSample, plainSummaries, readCdnowSample } from "./cdnow-sample";

const actor = { name: "test" };

/** Each customer's churn risk under `model`, computed from the file's own summaries up to today. */
function churnRisks(model: PurchaseModelRecord): Map<number, number> {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
  const endDay = (Date.parse(`${today}T00:00:00Z`) - Date.UTC(1997, 0, 1)) / 86_400_000;
  return new Map(
    plainSummaries(readCdnowSample(), endDay).map((s) => [s.customer, 1 - probabilityAlive(model.bgnbd, s)]),
  );
}

describeEachDatabase("purchase-model scores in rules, segments and metric slices", (db) => {
  let model: PurchaseModelRecord;
  beforeAll(async () => {
    await insertCdnowSample(db());
    model = await new PredictionService(db(), "Asia/Shanghai").fit(
      { key: "cdnow", calibrationEnd: "1997-09-30", riskThresholds: { medium: 0.5, high: 0.9 } },
      actor,
    );
  });

  it("a tag on predict.risk_band and a segment on predict.churn_risk hold exactly the customers the model says", async () => {
    const tags = new TagService(db(), new RuleService(db()));
    const segments = new SegmentService(db(), new RuleService(db()));
    await tags.create(
      {
        key: "churn_high",
        name: "High churn risk",
        category: "TIER",
        kind: "RULE",
        rule: 'predict.risk_band = "high"',
      },
      actor,
    );
    await segments.create(
      { key: "save_them", name: "Worth saving", rule: "predict.churn_risk > 0.6 and count(orders) >= 3" },
      actor,
    );
    await refreshAll(db());
    const risks = churnRisks(model);
    const orders = new Map<number, number>();
    for (const r of readCdnowSample()) orders.set(r.customer, (orders.get(r.customer) ?? 0) + 1);
    const expectedHigh = [...risks.values()].filter((risk) => risk >= 0.9).length;
    const expectedSave = [...risks.entries()].filter(
      ([c, risk]) => risk > 0.6 && (orders.get(c) ?? 0) >= 3,
    ).length;
    expect(expectedHigh).toBeGreaterThan(0);
    expect(expectedSave).toBeGreaterThan(0);
    const count = async (table: string, column: string, key: string) =>
      (
        await db().query<{ n: number }>(
          sql`select count(*)::int as n from ${sql.identifier(table)} where ${sql.identifier(column)} = ${key}`,
        )
      )[0].n;
    expect(await count("tag_members", "tag_key", "churn_high")).toBe(expectedHigh);
    expect(await count("segment_members", "segment_key", "save_them")).toBe(expectedSave);
  });

  it("refuses an unknown predict field and an unknown band", async () => {
    const rules = new RuleService(db());
    const unknownField = await rules.preview("predict.nope > 1");
    expect(unknownField.valid).toBe(false);
    expect(JSON.stringify(unknownField)).toContain("predict.nope");
    const unknownBand = await rules.preview('predict.risk_band in ("severe")');
    expect(unknownBand.valid).toBe(false);
    expect(JSON.stringify(unknownBand)).toContain("Unknown risk band");
  });

  it("buyers sliced by risk_band add up to the customers of each band", async () => {
    const answer = await new MetricsService(db()).run({
      metrics: ["buyers"],
      dimensions: [{ key: "risk_band" }],
      grain: "ALL",
      range: { from: "1997-01-01", to: "1998-07-01" },
      timezone: "Asia/Shanghai",
    });
    const risks = [...churnRisks(model).values()];
    const band = (risk: number) => (risk >= 0.9 ? "high" : risk >= 0.5 ? "medium" : "low");
    for (const name of ["low", "medium", "high"]) {
      const row = answer.rows.find((r) => r.dimensions[0] === name);
      expect(row?.values.buyers ?? 0).toBe(risks.filter((r) => band(r) === name).length);
    }
  });
});
