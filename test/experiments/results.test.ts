import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/client";
import { notFound } from "../../src/errors";
import { ExperimentResultsService, experimentStatistics } from "../../src/experiments/results";
import type { ExperimentDefinition } from "../../src/experiments/types";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

/**
 * Experiment `checkout`, 50/50, from 2026-03-01 to 2026-03-08 (UTC), primary metric buyers,
 * guardrail gmv. Exposures are `experiment_viewed` with experiment_id / variation_id.
 *
 *   control:   u1 (03-01 10:00, again 03-02), u2 (03-01 11:00; its merged-away u14 03-04),
 *              u3, u4 (03-02), u5, u6 (03-03)
 *   treatment: u7 … u12 (03-02)
 *   u13 control 03-02 and treatment 03-03 → excluded
 *   ignored:   u15 (another experiment), u16 (02-28, before the start), u17 (03-09, after the end)
 *
 * Counted orders after the first exposure, before the end:
 *   u1 100 (03-03 12:00; its 500 on 03-01 09:00 is before its exposure)
 *   u2 60 (placed 03-05 by u14, merged into u2)
 *   u3 only a cancelled 999 (not counted); u4 only 80 on 03-09 (after the end)
 *   u7 40 (03-02 12:00), u8 50 (03-02 13:00) + 30 (03-04), u9 20 (03-04), u10 70 (03-05)
 *   u13 500 (03-05; excluded unit)
 *
 * Control: 6 units, 2 converted, revenue per unit [100, 60, 0, 0, 0, 0] → mean 26.6667,
 *   variance (13600 − 6 · 26.6667²) / 5 = 1866.667.
 * Treatment: 6 units, 4 converted, revenue [40, 80, 20, 70, 0, 0] → mean 35,
 *   variance (13300 − 6 · 35²) / 5 = 1190.
 */
const DEFINITION: ExperimentDefinition = {
  key: "checkout",
  name: "One-page checkout",
  variants: [
    { key: "control", weight: 0.5 },
    { key: "treatment", weight: 0.5 },
  ],
  primaryMetric: "buyers",
  metrics: ["gmv"],
  segment: null,
  start: new Date("2026-03-01T00:00:00Z"),
  end: new Date("2026-03-08T00:00:00Z"),
  seed: "checkout",
  minimumDetectableEffect: null,
};

async function loadFixture(db: Database): Promise<void> {
  const ids = Array.from({ length: 17 }, (_, i) => i + 1);
  await db.query(sql`insert into users (id, first_seen_at, last_seen_at, traits, merged_into) overriding system value
    values ${sql.join(
      ids.map(
        (id) =>
          sql`(${id}, '2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z', '{}', ${id === 14 ? 2 : null}::bigint)`,
      ),
      sql`, `,
    )}`);
  await db.query(sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (14, 2, 2)`);
  const exposure = (user: number, id: string, ts: string, variant: string, experiment = "checkout") =>
    sql`(${user}::bigint, ${id}, 'experiment_viewed', ${ts}::timestamptz,
      ${JSON.stringify({ experiment_id: experiment, variation_id: variant })}::jsonb)`;
  await db.query(
    sql`insert into events (user_id, message_id, name, ts, properties) values ${sql.join(
      [
        exposure(1, "x1", "2026-03-01T10:00:00Z", "control"),
        exposure(1, "x1b", "2026-03-02T10:00:00Z", "control"),
        exposure(2, "x2", "2026-03-01T11:00:00Z", "control"),
        exposure(14, "x14", "2026-03-04T10:00:00Z", "control"),
        exposure(3, "x3", "2026-03-02T10:00:00Z", "control"),
        exposure(4, "x4", "2026-03-02T10:00:00Z", "control"),
        exposure(5, "x5", "2026-03-03T10:00:00Z", "control"),
        exposure(6, "x6", "2026-03-03T10:00:00Z", "control"),
        ...[7, 8, 9, 10, 11, 12].map((u) => exposure(u, `x${u}`, "2026-03-02T10:00:00Z", "treatment")),
        exposure(13, "x13a", "2026-03-02T10:00:00Z", "control"),
        exposure(13, "x13b", "2026-03-03T10:00:00Z", "treatment"),
        exposure(15, "x15", "2026-03-02T10:00:00Z", "treatment", "other"),
        exposure(16, "x16", "2026-02-28T10:00:00Z", "control"),
        exposure(17, "x17", "2026-03-09T10:00:00Z", "control"),
      ],
      sql`, `,
    )}`,
  );
  await db.query(sql`
    insert into orders (order_id, user_id, placed_at, status, total_amount, refunded_amount, channel, counted) values
      ('a0', 1, '2026-03-01T09:00:00Z', 'paid', 500, 0, 'web', true),
      ('a1', 1, '2026-03-03T12:00:00Z', 'paid', 100, 0, 'web', true),
      ('a2', 14, '2026-03-05T12:00:00Z', 'paid', 60, 0, 'web', true),
      ('a3', 3, '2026-03-04T12:00:00Z', 'cancelled', 999, 0, 'web', false),
      ('a4', 4, '2026-03-09T12:00:00Z', 'paid', 80, 0, 'web', true),
      ('b7', 7, '2026-03-02T12:00:00Z', 'paid', 40, 0, 'web', true),
      ('b8', 8, '2026-03-02T13:00:00Z', 'paid', 50, 0, 'web', true),
      ('b8b', 8, '2026-03-04T12:00:00Z', 'completed', 30, 0, 'web', true),
      ('b9', 9, '2026-03-04T12:00:00Z', 'paid', 20, 0, 'web', true),
      ('b10', 10, '2026-03-05T12:00:00Z', 'shipped', 70, 0, 'web', true),
      ('c13', 13, '2026-03-05T12:00:00Z', 'paid', 500, 0, 'web', true)`);
}

const load = async (key: string) => {
  if (key !== DEFINITION.key) throw notFound(`no experiment ${key}`, { argument: "key" });
  return DEFINITION;
};

describeEachDatabase("experiment results", (db) => {
  let service: ExperimentResultsService;
  beforeAll(async () => {
    await loadFixture(db());
    service = new ExperimentResultsService(db(), load);
  });

  it("counts units, conversions and revenue per unit after the first exposure", async () => {
    const results = await service.results("checkout");
    expect(results.excludedUnits).toBe(1);
    const [control, treatment] = results.variants;
    expect(control).toMatchObject({ key: "control", units: 6, conversions: 2 });
    expect(control.conversionRate).toBeCloseTo(2 / 6, 10);
    expect(control.revenuePerUnit).toBeCloseTo(160 / 6, 10);
    expect(treatment).toMatchObject({ key: "treatment", units: 6, conversions: 4 });
    expect(treatment.revenuePerUnit).toBeCloseTo(35, 10);
    const gmv = (variant: typeof control) => variant.metrics.find((m) => m.metric === "gmv")!;
    expect(gmv(control).variance).toBeCloseTo(1866.6667, 3);
    expect(gmv(treatment).variance).toBeCloseTo(1190, 6);
    expect(results.sql).toContain("with exposures as");
    expect(results.sqlInlined).toContain("'experiment_viewed'");
  });

  it("compares against the control: z-test on conversion, Welch on revenue, Holm across metrics", async () => {
    const [control, treatment] = (await service.results("checkout")).variants;
    expect(control).toMatchObject({
      absoluteLift: null,
      relativeLift: null,
      ci95: null,
      pValue: null,
      zScore: null,
    });
    // pooled 6/12 = 0.5, se √(0.25 · 2/6) = 0.288675, z = (4/6 − 2/6) / se = 1.1547, p = 0.2482.
    expect(treatment.zScore).toBeCloseTo(1.1547, 4);
    expect(treatment.pValue).toBeCloseTo(0.2482, 4);
    expect(treatment.absoluteLift).toBeCloseTo(1 / 3, 10);
    expect(treatment.relativeLift).toBeCloseTo(1, 10);
    // unpooled se √(2 · (2/9)/6) = 0.272166; ±1.959964 · se = ±0.533434.
    expect(treatment.ci95!.low).toBeCloseTo(-0.2001, 4);
    expect(treatment.ci95!.high).toBeCloseTo(0.86677, 4);
    // Welch: se √(1866.667/6 + 1190/6) = √509.444 = 22.5709; t = 8.3333 / 22.5709 = 0.36921.
    expect(treatment.tStatistic).toBeCloseTo(0.36921, 4);
    // Holm over two p-values: buyers 0.2482 · 2 = 0.4963; gmv's larger p stays itself.
    expect(treatment.adjustedPValue).toBeCloseTo(0.4963, 3);
    const gmv = treatment.metrics.find((m) => m.metric === "gmv")!;
    expect(gmv.test).toBe("WELCH_T_TEST");
    expect(gmv.pValue).toBeGreaterThan(0.4963);
    expect(gmv.adjustedPValue).toBe(gmv.pValue);
  });

  it("estimates the sample size from the control's rate only when an effect is set", async () => {
    expect((await service.results("checkout")).sampleSizePerVariant).toBeNull();
    // Control rate 1/3, MDE 0.1 → q = 0.4333: (1.959964·√(2·(2/9)) + 0.841621·√(2/9 + 0.245556))²
    // / 0.01 = (1.306643 + 0.575621)² / 0.01 = 3.542915 / 0.01 = 354.29 → 355.
    const withEffect = new ExperimentResultsService(db(), async () => ({
      ...DEFINITION,
      minimumDetectableEffect: 0.1,
    }));
    expect((await withEffect.results("checkout")).sampleSizePerVariant).toBe(355);
  });

  it("finds no sample-ratio mismatch in a 6 / 6 split", async () => {
    expect((await service.results("checkout")).srm).toEqual({ chiSquare: 0, pValue: 1, warning: false });
  });

  it("reads only what happened before asOf", async () => {
    // Before 03-03: control u1, u2, u3, u4 and u13 (its treatment exposure is later): 5 units,
    // no order yet; treatment 6 units, u7 40 and u8 50 converted.
    const results = await service.results("checkout", new Date("2026-03-03T00:00:00Z"));
    expect(results.to).toEqual(new Date("2026-03-03T00:00:00Z"));
    expect(results.excludedUnits).toBe(0);
    expect(results.variants.map((v) => [v.key, v.units, v.conversions])).toEqual([
      ["control", 5, 0],
      ["treatment", 6, 2],
    ]);
    expect(results.variants[1].revenuePerUnit).toBeCloseTo(15, 10);
    // 5 / 6 at 50/50: expected 5.5 each, χ² = 2 · 0.25 / 5.5 = 0.0909.
    expect(results.srm.chiSquare).toBeCloseTo(0.0909, 4);
  });

  it("counts only the target segment's current members as units", async () => {
    // Segment `checkout_audience` of control u1, u2, u3 and treatment u7, u8: u1 100 and u2 60
    // (via u14) convert in control, u7 40 and u8 80 in treatment.
    await db().query(
      sql`insert into segments (key, name, kind, updated_by) values ('checkout_audience', 'A', 'STATIC', 't')`,
    );
    await db().query(sql`insert into segment_members (segment_key, user_id) values
      ('checkout_audience', 1), ('checkout_audience', 2), ('checkout_audience', 3),
      ('checkout_audience', 7), ('checkout_audience', 8)`);
    const targeted = new ExperimentResultsService(db(), async () => ({
      ...DEFINITION,
      segment: "checkout_audience",
    }));
    const results = await targeted.results("checkout");
    expect(results.variants.map((v) => [v.key, v.units, v.conversions])).toEqual([
      ["control", 3, 2],
      ["treatment", 2, 2],
    ]);
    expect(results.variants[1].revenuePerUnit).toBeCloseTo(60, 10);
  });

  it("reduces variance with CUPED on a correlated fixture, the pre-period value as covariate", async () => {
    // Experiment `pricing` (gmv only), exposures 05-01 10:00; pre-period orders on 04-25 (X, within
    // the 14 days before), post orders on 05-05 (Y):
    //   control u31 X 10 Y 20, u32 X 20 Y 35, u33 X 30 Y 40; treatment u34 10/30, u35 20/40, u36 30/55
    // (u31's 999 on 04-10 is 21 days before: not in the pre-period).
    // Pooled: mean X 20, mean Y 36.667; cov = (166.67 + 0 + 33.33 + 66.67 + 0 + 183.33) / 5 = 90,
    // var X = 400 / 5 = 80, θ = 1.125. Adjusted Y − 1.125 (X − 20):
    //   control 31.25, 35, 28.75 → mean 31.667, variance (0.1736 + 11.111 + 8.507) / 2 = 9.896
    //   treatment 41.25, 40, 43.75 → mean 41.667, variance (0.1736 + 2.778 + 4.340) / 2 = 3.646
    // Welch: se √(9.896/3 + 3.646/3) = 2.1246, t = 10 / 2.1246 = 4.7068 (unadjusted: variances
    // 108.33 and 158.33, t = 10 / 9.428 = 1.0607).
    await db().query(sql`insert into users (id, first_seen_at, last_seen_at, traits) overriding system value
      select g, '2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z', '{}' from generate_series(31, 36) g`);
    await db().query(sql`insert into events (user_id, message_id, name, ts, properties)
      select g, 'p' || g, 'experiment_viewed', '2026-05-01T10:00:00Z',
        jsonb_build_object('experiment_id', 'pricing', 'variation_id', case when g <= 33 then 'control' else 'treatment' end)
      from generate_series(31, 36) g`);
    await db().query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, refunded_amount, channel, counted)
      select 'pre' || u, u, '2026-04-25T12:00:00Z'::timestamptz, 'paid', x, 0, 'web', true
      from (values (31, 10), (32, 20), (33, 30), (34, 10), (35, 20), (36, 30)) v(u, x)
      union all select 'post' || u, u, '2026-05-05T12:00:00Z'::timestamptz, 'paid', y, 0, 'web', true
      from (values (31, 20), (32, 35), (33, 40), (34, 30), (35, 40), (36, 55)) v(u, y)
      union all select 'old31', 31, '2026-04-10T12:00:00Z'::timestamptz, 'paid', 999, 0, 'web', true`);
    const pricing = new ExperimentResultsService(db(), async () => ({
      ...DEFINITION,
      key: "pricing",
      seed: "pricing",
      primaryMetric: "gmv",
      metrics: [],
      start: new Date("2026-05-01T00:00:00Z"),
      end: new Date("2026-05-15T00:00:00Z"),
    }));
    const plain = await pricing.results("pricing");
    expect(plain.variants[1].tStatistic).toBeCloseTo(1.0607, 4);
    expect(plain.variants[1].metrics[0].cupedTheta).toBeNull();
    const adjusted = await pricing.results("pricing", null, true);
    const [control, treatment] = adjusted.variants.map((v) => v.metrics[0]);
    expect(control.cupedTheta).toBeCloseTo(1.125, 10);
    expect(control.mean).toBeCloseTo(31.6667, 4);
    expect(control.variance).toBeCloseTo(9.8958, 4);
    expect(treatment.mean).toBeCloseTo(41.6667, 4);
    expect(treatment.variance).toBeCloseTo(3.6458, 4);
    expect(treatment.absoluteLift).toBeCloseTo(10, 10);
    expect(treatment.test).toBe("WELCH_T_TEST");
    expect(adjusted.variants[1].pValue!).toBeLessThan(plain.variants[1].pValue!);
    expect(adjusted.sql).toContain("pre_revenue");
    expect(plain.sql).not.toContain("pre_revenue");
  });

  it("answers NOT_FOUND for an unknown experiment", async () => {
    await expect(service.results("nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("assigns like GrowthBook and is in the experiment only while it runs", async () => {
    // GrowthBook's hash of seed "checkout" and unit "1" is 0.4164 (see the API test): control;
    // the dates decide inExperiment.
    const during = await service.assignment("checkout", "1", new Date("2026-03-02T00:00:00Z"));
    const after = await service.assignment("checkout", "1", new Date("2026-03-08T00:00:00Z"));
    expect(during).toEqual({ bucket: 0.4164, variant: "control", inExperiment: true });
    expect(after).toEqual({ ...during, inExperiment: false });
    await expect(service.assignment("checkout", "")).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { argument: "unitId" },
    });
  });
});

describeEachDatabase("experiment results API", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    await loadFixture(db());
    api = await startTestApi(db());
  });
  afterAll(() => api.close());

  it("answers NOT_FOUND for an experiment nobody defined", async () => {
    const response = await api.gql(`{ experimentResults(key: "checkout") { key } }`);
    expect(response.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect(response.errors?.[0].extensions?.argument).toBe("key");
  });

  it("serves results and assignment of a definition created through the API", async () => {
    const created = await api.gql(
      `mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { key version } }`,
      {
        input: {
          key: DEFINITION.key,
          name: DEFINITION.name,
          variants: DEFINITION.variants,
          primaryMetric: DEFINITION.primaryMetric,
          metrics: DEFINITION.metrics,
          start: DEFINITION.start?.toISOString(),
          end: DEFINITION.end?.toISOString(),
        },
      },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createExperiment).toEqual({ key: "checkout", version: 1 });
    const response = await api.gql(
      `query ($asOf: DateTime) {
        experimentResults(key: "checkout", asOf: $asOf) {
          excludedUnits srm { pValue warning }
          variants { key units conversions conversionRate revenuePerUnit absoluteLift relativeLift
            ci95 { low high } pValue zScore tStatistic metrics { metric test } }
        }
        experimentAssignment(key: "checkout", unitId: "1") { bucket variant }
      }`,
      { asOf: "2026-03-10T00:00:00Z" },
    );
    expect(response.errors).toBeUndefined();
    const { experimentResults: results, experimentAssignment: assignment } = response.data;
    expect(results.excludedUnits).toBe(1);
    expect(results.srm).toEqual({ pValue: 1, warning: false });
    expect(results.variants[0]).toMatchObject({
      key: "control",
      units: 6,
      conversions: 2,
      absoluteLift: null,
      ci95: null,
    });
    expect(results.variants[1]).toMatchObject({
      key: "treatment",
      units: 6,
      conversions: 4,
      revenuePerUnit: 35,
    });
    expect(results.variants[1].zScore).toBeCloseTo(1.1547, 4);
    expect(results.variants[1].metrics).toEqual([
      { metric: "buyers", test: "Z_TEST" },
      { metric: "gmv", test: "WELCH_T_TEST" },
    ]);
    // fnv1a32(String(fnv1a32("checkout1"))) % 10000 / 10000 = 0.4164, computed with a separate
    // Python FNV-1a; below 0.5 of a 50/50 split → control.
    expect(assignment).toEqual({ bucket: 0.4164, variant: "control" });
  });
});

describe("experiment statistics without units", () => {
  it("leaves rates and comparisons null for a variant nobody saw", () => {
    const row = (variant: string, units: number, conversions: number) => ({
      variant,
      units,
      conversions,
      revenue_mean: 0,
      revenue_variance: 0,
      orders_mean: 0,
      orders_variance: 0,
      excluded_units: 0,
    });
    const stats = experimentStatistics(DEFINITION, [row("control", 4, 1), row("treatment", 0, 0)]);
    expect(stats.variants[1]).toMatchObject({
      units: 0,
      conversionRate: null,
      revenuePerUnit: null,
      absoluteLift: null,
      pValue: null,
      adjustedPValue: null,
    });
    // 4 / 0 at 50/50: χ² = 2 · 2² / 2 = 4, p = 0.0455.
    expect(stats.srm.chiSquare).toBeCloseTo(4, 10);
    expect(stats.srm.pValue).toBeCloseTo(0.0455, 4);
  });

  it("refuses a metric that has no per-unit reading, naming it", () => {
    expect(() => experimentStatistics({ ...DEFINITION, metrics: ["churn_rate"] }, [])).toThrow(
      expect.objectContaining({ code: "BAD_USER_INPUT", details: { argument: "key", metric: "churn_rate" } }),
    );
  });
});
