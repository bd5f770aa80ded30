import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { CampaignService } from "../../src/campaigns/definitions";
import { CampaignResultsService, campaignStatistics } from "../../src/campaigns/results";
import type { Database } from "../../src/db/client";
import { MetricsService } from "../../src/metrics-service/service";
import { printRule, ruleFromJson } from "../../src/rules/json";
import { parseRule } from "../../src/rules/parser";
import { RuleService } from "../../src/rules/service";
import { compileLaunchAudience } from "../../src/semantic/campaigns";
import { compileSql } from "../../src/semantic/sql";
import { describeEachDatabase } from "../helpers/db";

/**
 * Campaign `winback_sms` (holdout 0.3, fixed cost 20, 0.5 per touch, 7-day window) on the static
 * segment `lapsed` of users 1 … 20, launched 2026-04-01T00:00Z. User 21 is not in the segment.
 *
 * GrowthBook hash v2 of "winback_sms" + id, computed with a separate Python FNV-1a:
 *   1 .5071  2 .9538  3 .1176  4 .2038  5 .5409  6 .1718  7 .6798  8 .7474  9 .5947 10 .6461
 *  11 .0657 12 .3007 13 .0189 14 .3807 15 .6472 16 .7149 17 .2003 18 .9990 19 .6148 20 .6201
 * Below 0.3 → holdout {3, 4, 6, 11, 13, 17} (6 units); the other 14 are treated (12 at .3007 is).
 *
 * Touches (property campaign = winback_sms), all since the launch unless said:
 *   sent 04-01 10:00 to the 14 treated and, by mistake, holdout user 3 → sent 15, holdoutTouched 1
 *   (user 15's send of 03-31 is before the launch; user 14's send of campaign "other" is ignored)
 *   delivered 04-01 to the treated except 2 and 20 → 12
 *   opened 04-01: 1, 5, 9, 10; 04-02: 7, 8 (user 1 again 04-03: once) → 6
 *   clicked 04-02: 1, 7, 9 → 3
 * Counted orders in [04-01, 04-08):
 *   treated 1: 100 (04-02); 5: 60 (04-03, placed by its merged-away profile 25); 7: 50 (04-02) + 30
 *   (04-05); 9: 40 (04-04); 10: 20 (04-07 23:00). Not counted: 2's 500 on 03-31 (before), 12's 70 at
 *   04-08 00:00 (the window is exclusive), 14's cancelled 999, 21's 80 (not in the audience).
 *   holdout 4: 90 (04-03).
 *
 * Treated 5 / 14 = 0.357143 converted, revenue 300 → 21.428571 per unit; holdout 1 / 6 = 0.166667,
 * revenue 90 → 15 per unit.
 *   incremental conversions (5/14 − 1/6) · 14 = 5 − 2.333333 = 2.666667
 *   incremental revenue (300/14 − 15) · 14 = 300 − 210 = 90
 *   cost 20 + 0.5 · 15 = 27.5; ROI (90 − 27.5) / 27.5 = 2.272727
 *   z-test, holdout as control: pooled 6/20 = 0.3, se √(0.21 · (1/6 + 1/14)) = √0.05 = 0.223607,
 *   z = 0.190476 / 0.223607 = 0.851835, p = 0.394305
 *   lift (5/14) / (1/6) − 1 = 1.142857; delta-method variance 0.229592 / (1/36 · 14) + (5/36) ·
 *   0.127551 / (1/1296 · 6) = 0.590379 + 3.826531 = 4.416910; ± 1.959964 · 2.101645 →
 *   [−2.976290, 5.262005]
 */
const LAUNCH = new Date("2026-04-01T00:00:00Z");
const TREATED = [1, 2, 5, 7, 8, 9, 10, 12, 14, 15, 16, 18, 19, 20];
const HOLDOUT = [3, 4, 6, 11, 13, 17];

async function loadFixture(db: Database): Promise<void> {
  const ids = Array.from({ length: 21 }, (_, i) => i + 1).concat([25]);
  await db.query(sql`insert into users (id, first_seen_at, last_seen_at, traits, merged_into) overriding system value
    values ${sql.join(
      ids.map(
        (id) =>
          sql`(${id}, '2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z', '{}', ${id === 25 ? 5 : null}::bigint)`,
      ),
      sql`, `,
    )}`);
  await db.query(sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (25, 5, 5)`);
  await db.query(
    sql`insert into segments (key, name, kind, updated_by) values ('lapsed', 'Lapsed', 'STATIC', 'test')`,
  );
  await db.query(sql`insert into segment_members (segment_key, user_id)
    select 'lapsed', g from generate_series(1, 20) g`);
  let n = 0;
  const touch = (user: number, name: string, ts: string, campaign = "winback_sms") =>
    sql`(${user}::bigint, ${`t${n++}`}, ${name}, ${ts}::timestamptz, ${JSON.stringify({ campaign })}::jsonb)`;
  await db.query(
    sql`insert into events (user_id, message_id, name, ts, properties) values ${sql.join(
      [
        ...[...TREATED, 3].map((u) => touch(u, "campaign_sent", "2026-04-01T10:00:00Z")),
        touch(15, "campaign_sent", "2026-03-31T10:00:00Z"),
        touch(14, "campaign_sent", "2026-04-01T10:00:00Z", "other"),
        ...TREATED.filter((u) => u !== 2 && u !== 20).map((u) =>
          touch(u, "campaign_delivered", "2026-04-01T10:01:00Z"),
        ),
        ...[1, 5, 9, 10].map((u) => touch(u, "campaign_opened", "2026-04-01T12:00:00Z")),
        ...[7, 8].map((u) => touch(u, "campaign_opened", "2026-04-02T09:00:00Z")),
        touch(1, "campaign_opened", "2026-04-03T09:00:00Z"),
        ...[1, 7, 9].map((u) => touch(u, "campaign_clicked", "2026-04-02T09:30:00Z")),
      ],
      sql`, `,
    )}`,
  );
  await db.query(sql`
    insert into orders (order_id, user_id, placed_at, status, total_amount, refunded_amount, channel, counted) values
      ('t1', 1, '2026-04-02T12:00:00Z', 'paid', 100, 0, 'app', true),
      ('t5', 25, '2026-04-03T12:00:00Z', 'paid', 60, 0, 'app', true),
      ('t7a', 7, '2026-04-02T12:00:00Z', 'paid', 50, 0, 'app', true),
      ('t7b', 7, '2026-04-05T12:00:00Z', 'completed', 30, 0, 'app', true),
      ('t9', 9, '2026-04-04T12:00:00Z', 'shipped', 40, 0, 'app', true),
      ('t10', 10, '2026-04-07T23:00:00Z', 'paid', 20, 0, 'app', true),
      ('x2', 2, '2026-03-31T12:00:00Z', 'paid', 500, 0, 'app', true),
      ('x12', 12, '2026-04-08T00:00:00Z', 'paid', 70, 0, 'app', true),
      ('x14', 14, '2026-04-03T12:00:00Z', 'cancelled', 999, 0, 'app', false),
      ('x21', 21, '2026-04-02T12:00:00Z', 'paid', 80, 0, 'app', true),
      ('h4', 4, '2026-04-03T12:00:00Z', 'paid', 90, 0, 'app', true)`);
}

const actor = { name: "test" };
const CAMPAIGN = {
  key: "winback_sms",
  name: "Win back lapsed buyers",
  channel: "sms",
  segment: "lapsed",
  holdoutShare: 0.3,
  fixedCost: 20,
  costPerTouch: 0.5,
};

describeEachDatabase("campaigns", (db) => {
  let campaigns: CampaignService;
  let results: CampaignResultsService;
  beforeAll(async () => {
    await loadFixture(db());
    campaigns = new CampaignService(db());
    results = new CampaignResultsService(db(), (key) => campaigns.definition(key), "UTC");
  });

  it("creates a versioned definition with the defaults and refuses bad input naming the field", async () => {
    const created = await campaigns.create(CAMPAIGN, actor);
    expect(created).toMatchObject({
      key: "winback_sms",
      version: 1,
      channel: "sms",
      holdoutShare: 0.3,
      attributionDays: 7,
      conversionEvent: null,
      launchedAt: null,
    });
    await expect(campaigns.create(CAMPAIGN, actor)).rejects.toMatchObject({ code: "CONFLICT" });
    for (const [field, value] of [
      ["holdoutShare", 0],
      ["holdoutShare", 1],
      ["channel", "SMS!"],
      ["segment", "lapsd"],
      ["costPerTouch", -1],
      ["attributionDays", 0],
    ] as const) {
      await expect(
        campaigns.create({ ...CAMPAIGN, key: "bad", [field]: value }, actor),
        field,
      ).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
        details: expect.objectContaining({ argument: field }),
      });
    }
    await expect(results.results("winback_sms")).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { argument: "key" },
    });
    await expect(results.results("nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("freezes the audience at launch, split by GrowthBook's hash, once", async () => {
    const report = await campaigns.launch("winback_sms", actor, LAUNCH);
    expect(report).toMatchObject({ audience: 20, treated: 14, holdout: 6 });
    expect(report.campaign.launchedAt).toEqual(LAUNCH);
    const rows = await db().query<{ user_id: number; arm: string; bucket: number }>(
      sql`select user_id::int as user_id, arm, bucket from campaign_audience where campaign_key = 'winback_sms' order by user_id`,
    );
    expect(rows.filter((r) => r.arm === "holdout").map((r) => r.user_id)).toEqual(HOLDOUT);
    expect(rows.filter((r) => r.arm === "treatment").map((r) => r.user_id)).toEqual(TREATED);
    expect(rows.find((r) => r.user_id === 1)?.bucket).toBe(0.5071);
    expect(rows.find((r) => r.user_id === 12)?.bucket).toBe(0.3007);
    await expect(campaigns.launch("winback_sms", actor)).rejects.toMatchObject({ code: "CONFLICT" });
    const [audit] = await db().query<{ action: string }>(
      sql`select action from audit_log where entity_type = 'campaign' and entity_key = 'winback_sms' order by id desc limit 1`,
    );
    expect(audit.action).toBe("launch");
  });

  it("keeps the audience's fields frozen after the launch; costs can still change", async () => {
    const current = await campaigns.definition("winback_sms");
    await expect(
      campaigns.update("winback_sms", { holdoutShare: 0.5 }, current.version, actor),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { argument: "holdoutShare" } });
    const updated = await campaigns.update("winback_sms", { fixedCost: 20 }, current.version, actor);
    expect(updated.version).toBe(current.version + 1);
  });

  it("measures touches, conversions per arm, lift, incremental revenue and ROI", async () => {
    const r = await results.results("winback_sms");
    expect(r).toMatchObject({
      audience: 20,
      treated: 14,
      holdout: 6,
      sent: 15,
      delivered: 12,
      opened: 6,
      clicked: 3,
      holdoutTouched: 1,
      conversions: { treated: 5, holdout: 1 },
      cost: 27.5,
    });
    expect(r.windowEnd).toEqual(new Date("2026-04-08T00:00:00Z"));
    expect(r.openRate).toBeCloseTo(0.4, 10);
    expect(r.clickRate).toBeCloseTo(0.2, 10);
    expect(r.conversionRate.treated).toBeCloseTo(0.357143, 6);
    expect(r.conversionRate.holdout).toBeCloseTo(0.166667, 6);
    expect(r.incrementalConversions).toBeCloseTo(2.666667, 6);
    expect(r.incrementalRevenue).toBeCloseTo(90, 6);
    expect(r.roi).toBeCloseTo(2.272727, 6);
    expect(r.absoluteLift).toBeCloseTo(0.190476, 6);
    expect(r.lift).toBeCloseTo(1.142857, 6);
    expect(r.ci95!.low).toBeCloseTo(-2.97629, 5);
    expect(r.ci95!.high).toBeCloseTo(5.262005, 5);
    expect(r.pValue).toBeCloseTo(0.394305, 6);
    expect(r.sql).toContain("with audience as");
    expect(r.sqlInlined).toContain("'campaign_sent'");
  });

  it("gives a daily series from the launch day to the window's last day that adds up to the totals", async () => {
    const { daily } = await results.results("winback_sms");
    const zero = { sent: 0, delivered: 0, opened: 0, clicked: 0, conversions: { treated: 0, holdout: 0 } };
    expect(daily).toEqual([
      { ...zero, day: "2026-04-01", sent: 15, delivered: 12, opened: 4 },
      { ...zero, day: "2026-04-02", opened: 2, clicked: 3, conversions: { treated: 2, holdout: 0 } },
      { ...zero, day: "2026-04-03", conversions: { treated: 1, holdout: 1 } },
      { ...zero, day: "2026-04-04", conversions: { treated: 1, holdout: 0 } },
      { ...zero, day: "2026-04-05" },
      { ...zero, day: "2026-04-06" },
      { ...zero, day: "2026-04-07", conversions: { treated: 1, holdout: 0 } },
    ]);
    // In Shanghai (UTC+8) the launch is 04-01 08:00 and the window ends 04-08 07:59: eight days,
    // and user 10's order of 04-07 23:00 UTC falls on 04-08.
    const shanghai = new CampaignResultsService(db(), (key) => campaigns.definition(key), "Asia/Shanghai");
    const local = (await shanghai.results("winback_sms")).daily;
    expect(local.map((d) => d.day)).toHaveLength(8);
    expect(local[7]).toMatchObject({ day: "2026-04-08", conversions: { treated: 1, holdout: 0 } });
  });

  it("makes the campaign a rule term: in the treatment arm, or sent the campaign within a window", async () => {
    const rules = new RuleService(db());
    const matching = async (rule: string, asOf: string) =>
      (await rules.preview(rule, new Date(asOf))).matchingUsers;
    // The 14 treated; holdout user 3 was sent it by mistake but is not in the treatment arm.
    expect(await matching('in_campaign("winback_sms")', "2026-04-10T00:00:00Z")).toBe(14);
    // Sent: the 14 treated and user 3 (04-01), user 15 also on 03-31 → 15 distinct users.
    expect(await matching('received_campaign("winback_sms") within 30d', "2026-04-10T00:00:00Z")).toBe(15);
    expect(await matching('received_campaign("winback_sms")', "2026-04-10T00:00:00Z")).toBe(15);
    // As of 03-31 12:00, only user 15's send of 03-31 10:00 lies within a day.
    expect(await matching('received_campaign("winback_sms") within 1d', "2026-03-31T12:00:00Z")).toBe(1);
    // Treated and not sent within the day: none of the 14 (all were sent on 04-01 10:00).
    expect(
      await matching(
        'in_campaign("winback_sms") and not received_campaign("winback_sms") within 1d',
        "2026-04-01T12:00:00Z",
      ),
    ).toBe(0);
    const unknown = await rules.preview('in_campaign("winbak_sms")');
    expect(unknown.valid).toBe(false);
    expect(unknown.errors[0].message).toContain('Unknown campaign "winbak_sms"');
    const parsed = parseRule('received_campaign("winback_sms") within 30d');
    expect(parsed).toMatchObject({ type: "received_campaign", key: "winback_sms", withinDays: 30 });
    expect(printRule(ruleFromJson(JSON.parse(JSON.stringify(parsed))))).toBe(
      'received_campaign("winback_sms") within 30d',
    );
  });

  it("slices metrics by campaign: events by their campaign property, orders by their campaign id", async () => {
    // 04-01 … 04-03: winback_sms sent 15 + delivered 12 + opened 7 + clicked 3 = 37; other 1.
    const answer = await new MetricsService(db(), 10_000).run({
      metrics: ["events"],
      dimensions: [{ key: "campaign" }],
      grain: "ALL",
      timezone: "UTC",
      range: { from: "2026-04-01", to: "2026-04-04" },
    });
    const byCampaign = Object.fromEntries(
      answer.rows.map((row) => [String(row.dimensions[0]), row.values.events]),
    );
    expect(byCampaign).toEqual({ winback_sms: 37, other: 1 });
    expect(answer.sql).toContain("->> 'campaign'");
  });

  it("counts a configured conversion event instead of orders; revenue stays the orders'", async () => {
    // signup_complete: treated 2 (04-02) and 8 (04-09, after the window); holdout 13 (04-03).
    await db().query(sql`insert into events (user_id, message_id, name, ts, properties) values
      (2, 's2', 'signup_complete', '2026-04-02T10:00:00Z', '{}'),
      (8, 's8', 'signup_complete', '2026-04-09T10:00:00Z', '{}'),
      (13, 's13', 'signup_complete', '2026-04-03T10:00:00Z', '{}')`);
    const current = await campaigns.definition("winback_sms");
    await campaigns.update("winback_sms", { conversionEvent: "signup_complete" }, current.version, actor);
    const r = await results.results("winback_sms");
    expect(r.conversions).toEqual({ treated: 1, holdout: 1 });
    expect(r.incrementalRevenue).toBeCloseTo(90, 6);
  });
});

describe("campaign SQL and statistics", () => {
  it("launches with one insert … select hashing in the database", () => {
    const { sql: text } = compileSql(
      compileLaunchAudience({ campaignKey: "c", seed: "c", segment: "s", holdoutShare: 0.1 }).statement,
    );
    expect(text).toMatch(/^\s*with recursive members as/);
    expect(text).toContain("insert into campaign_audience (campaign_key, user_id, arm, bucket)");
    expect(text.match(/insert into/g)).toHaveLength(1);
  });

  it("leaves ROI null without cost and comparisons null without a holdout unit", () => {
    const row = {
      audience: 4,
      treated: 4,
      holdout: 0,
      sent: 0,
      delivered: 0,
      opened: 0,
      clicked: 0,
      holdout_touched: 0,
      treated_conversions: 1,
      holdout_conversions: 0,
      treated_revenue: 10,
      holdout_revenue: 0,
    };
    const stats = campaignStatistics({ fixedCost: 0, costPerTouch: 1 }, row);
    expect(stats).toMatchObject({
      cost: 0,
      roi: null,
      openRate: null,
      lift: null,
      pValue: null,
      incrementalConversions: null,
      conversionRate: { treated: 0.25, holdout: null },
    });
  });
});
