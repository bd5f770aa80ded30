import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { conditionalExpectedPurchases, probabilityAlive } from "../../src/prediction/bgnbd";
import { expectedAverageSpend } from "../../src/prediction/gamma-gamma";
import { countStatements, describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";
import { insertCdnowSample, plainSummaries, readCdnowSample } from "./cdnow-sample";

const FIT = `mutation($input: FitPurchaseModelInput!) { fitPurchaseModel(input: $input) {
  key version customers repeatCustomers calibrationEnd unit
  bgnbd { r alpha a b logLikelihood iterations converged } gammaGamma { p q gamma converged }
  holdout(end: "1997-10-14") { periods { start predicted actual } predictedTotal actualTotal } sql } }`;

describeEachDatabase("purchase models through GraphQL", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    await insertCdnowSample(db());
    api = await startTestApi(db());
  });
  afterAll(() => api?.close());

  it("fits, reads back and answers a user's scores from their summary as of today", async () => {
    const fit = await api.gql(FIT, { input: { key: "cdnow", calibrationEnd: "1997-09-30" } });
    expect(fit.errors).toBeUndefined();
    const model = fit.data.fitPurchaseModel;
    expect(model).toMatchObject({
      key: "cdnow",
      version: 1,
      customers: 2357,
      repeatCustomers: 946,
      unit: "WEEK",
    });
    expect(model.holdout.periods.map((p: { start: string }) => p.start)).toEqual([
      "1997-10-01",
      "1997-10-08",
    ]);
    expect(model.sql).toContain("(count(*) - 1)::int as x");

    const read = await api.gql(`{ purchaseModel(key: "cdnow") { version bgnbd { r } } }`);
    expect(read.data.purchaseModel).toEqual({ version: 1, bgnbd: { r: model.bgnbd.r } });

    // Customer 1 of the sample, summarised by hand from the file with T up to today (Asia/Shanghai).
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
    const endDay = (Date.parse(`${today}T00:00:00Z`) - Date.UTC(1997, 0, 1)) / 86_400_000;
    const summary = plainSummaries(readCdnowSample(), endDay).find((s) => s.customer === 1)!;
    const answer =
      await api.gql(`{ user(id: "1") { prediction { model pAlive churnRisk riskBand expectedAvgSpend
      expectedPurchases(days: 90) } } }`);
    expect(answer.errors).toBeUndefined();
    const p = answer.data.user.prediction;
    const pAlive = probabilityAlive(model.bgnbd, summary);
    expect(p.model).toBe("cdnow");
    expect(p.pAlive).toBeCloseTo(pAlive, 12);
    expect(p.churnRisk).toBeCloseTo(1 - pAlive, 12);
    expect(p.riskBand).toBe(1 - pAlive >= 0.7 ? "high" : 1 - pAlive >= 0.3 ? "medium" : "low");
    expect(p.expectedAvgSpend).toBeCloseTo(expectedAverageSpend(model.gammaGamma, summary), 8);
    expect(p.expectedPurchases).toBeCloseTo(conditionalExpectedPurchases(model.bgnbd, summary, 90 / 7), 12);

    // The fit materialised every customer's fixed-horizon scores for rules and metric slices.
    const scores = await db().query<{ n: number }>(sql`select count(*)::int as n from purchase_scores`);
    expect(scores[0].n).toBe(2357);
    const [row] = await db().query<Record<string, number | string>>(
      sql`select * from purchase_scores where user_id = 1 and model_key = 'cdnow'`,
    );
    expect(row.p_alive).toBeCloseTo(pAlive, 12);
    expect(row.expected_purchases_90d).toBeCloseTo(p.expectedPurchases, 12);
    const clv = await api.gql(
      `{ user(id: "1") { prediction { clv(days: 365, monthlyDiscountRate: 0.01) } } }`,
    );
    expect(row.clv_365d).toBeCloseTo(clv.data.user.prediction.clv, 8);
  });

  it("a page of users costs a fixed number of statements, and the horizon is checked", async () => {
    const page = (n: number) =>
      countStatements(db(), () =>
        api.gql(`{ users(first: ${n}) { edges { node { prediction { pAlive clv(days: 365) } } } } }`),
      );
    const small = await page(2);
    const large = await page(20);
    expect(small.result.errors).toBeUndefined();
    expect(large.statements.length).toBe(small.statements.length);
    const bad = await api.gql(`{ user(id: "1") { prediction { expectedPurchases(days: 0) } } }`);
    expect(bad.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("an unknown model is NOT_FOUND", async () => {
    const missing = await api.gql(`{ user(id: "1") { prediction(model: "nope") { pAlive } } }`);
    expect(missing.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });
});
