import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { conditionalExpectedPurchases, probabilityAlive } from "../../src/prediction/bgnbd";
import { PredictionService } from "../../src/prediction/service";
import { describeEachDatabase } from "../helpers/db";
import { CALIBRATION_END_DAY, insertCdnowSample, plainSummaries, readCdnowSample } from "./cdnow-sample";

const records = readCdnowSample();
const actor = { name: "test" };
const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describeEachDatabase("purchase models on the CDNOW sample", (db) => {
  let service: PredictionService;
  beforeAll(async () => {
    await insertCdnowSample(db());
    service = new PredictionService(db(), "Asia/Shanghai");
  });

  it("summarises in SQL exactly as the literature does, and fits the published parameters", async () => {
    const model = await service.fit({ key: "cdnow", calibrationEnd: "1997-09-30" }, actor);
    expect(model.customers).toBe(2357);
    expect(model.repeatCustomers).toBe(946);
    expect(model.version).toBe(1);
    // Fader, Hardie & Lee (2005); Fader & Hardie (2013).
    expect(relative(model.bgnbd.r, 0.243)).toBeLessThan(0.005);
    expect(relative(model.bgnbd.alpha, 4.414)).toBeLessThan(0.005);
    expect(relative(model.bgnbd.a, 0.793)).toBeLessThan(0.005);
    expect(relative(model.bgnbd.b, 2.426)).toBeLessThan(0.005);
    expect(model.bgnbd.logLikelihood).toBeCloseTo(-9582.4, 0);
    expect(model.bgnbd.converged).toBe(true);
    expect(relative(model.gammaGamma.p, 6.25)).toBeLessThan(0.005);
    expect(relative(model.gammaGamma.q, 3.74)).toBeLessThan(0.005);
    expect(relative(model.gammaGamma.gamma, 15.44)).toBeLessThan(0.005);
    expect((await service.get("cdnow"))?.bgnbd.r).toBeCloseTo(model.bgnbd.r, 10);
  });

  it("a second fit is version 2 and is audited", async () => {
    const again = await service.fit({ key: "cdnow", calibrationEnd: "1997-09-30", unit: "WEEK" }, actor);
    expect(again.version).toBe(2);
    const audit = await db().query<{ n: number }>(
      sql`select count(*)::int as n from audit_log where entity_type = 'purchase_model' and entity_key = 'cdnow'`,
    );
    expect(audit[0].n).toBe(2);
  });

  it("compares predicted with actual repeat transactions per holdout week", async () => {
    const model = await service.require("cdnow");
    const holdout = await service.holdout(model, "1998-06-30");
    expect(holdout.periods).toHaveLength(39);
    expect(holdout.periods[0].start).toBe("1997-10-01");
    // Actual, independently: distinct purchase days after 1997-09-30 of calibration customers.
    const calibrationCustomers = new Set(plainSummaries(records, CALIBRATION_END_DAY).map((s) => s.customer));
    const days = new Set(
      records
        .filter((r) => r.day > CALIBRATION_END_DAY && calibrationCustomers.has(r.customer))
        .map((r) => `${r.customer}:${r.day}`),
    );
    expect(holdout.actualTotal).toBe(days.size);
    const firstWeek = new Set(
      records
        .filter((r) => r.day > CALIBRATION_END_DAY && r.day <= CALIBRATION_END_DAY + 7)
        .map((r) => `${r.customer}:${r.day}`),
    );
    expect(holdout.periods[0].actual).toBe(firstWeek.size);
    const sum = holdout.periods.reduce((s, p) => s + p.predicted, 0);
    expect(sum).toBeCloseTo(holdout.predictedTotal, 6);
    // Predicted total, independently: the paper's parameters over the file's own summaries.
    const paper = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const expected = plainSummaries(records, CALIBRATION_END_DAY).reduce(
      (s, h) => s + conditionalExpectedPurchases(paper, h, 39),
      0,
    );
    expect(relative(holdout.predictedTotal, expected)).toBeLessThan(0.005);
  });

  it("checks the calibration per churn-risk band at the calibration end", async () => {
    const model = await service.require("cdnow");
    const holdout = await service.holdout(model, "1998-06-30");
    // Independently, per customer from the file: P(alive) at 1997-09-30 under the fitted
    // parameters, banded at 0.3 / 0.7 churn risk, and each customer's holdout purchase days.
    const expected = new Map(
      ["low", "medium", "high"].map((band) => [band, { customers: 0, predicted: 0, actual: 0 }]),
    );
    for (const summary of plainSummaries(records, CALIBRATION_END_DAY)) {
      const risk = 1 - probabilityAlive(model.bgnbd, summary);
      const band = expected.get(risk >= 0.7 ? "high" : risk >= 0.3 ? "medium" : "low")!;
      band.customers += 1;
      band.predicted += conditionalExpectedPurchases(model.bgnbd, summary, 39);
      band.actual += new Set(
        records
          .filter((r) => r.customer === summary.customer && r.day > CALIBRATION_END_DAY)
          .map((r) => r.day),
      ).size;
    }
    expect(holdout.riskBands.map((band) => band.band)).toEqual(["low", "medium", "high"]);
    for (const band of holdout.riskBands) {
      const want = expected.get(band.band)!;
      expect(band.customers, band.band).toBe(want.customers);
      expect(band.actual, band.band).toBe(want.actual);
      expect(band.predicted, band.band).toBeCloseTo(want.predicted, 6);
    }
    expect(holdout.riskBands.every((band) => band.customers > 0)).toBe(true);
    expect(holdout.riskBands.reduce((sum, band) => sum + band.actual, 0)).toBe(holdout.actualTotal);
  });

  it("refuses an impossible date, an unknown segment and too little data with coded errors", async () => {
    await expect(service.fit({ key: "bad", calibrationEnd: "1997-02-30" }, actor)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
    await expect(
      service.fit({ key: "bad", calibrationEnd: "1997-09-30", segment: "nope" }, actor),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(service.fit({ key: "bad", calibrationEnd: "1996-01-01" }, actor)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
  });
});
