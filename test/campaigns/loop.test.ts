import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { growthBookHash } from "../../src/experiments/assignment";
import { seedDemo } from "../../src/generator/demo";
import { createServices } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

/**
 * The closed loop on a small demo shop, through the API only: a segment → createCampaign →
 * launchCampaign → touches via track → orders via recordOrders → campaignResults.
 *
 * The audience is the segment's members at launch; the arms are predicted here with the
 * TypeScript GrowthBook hash (checked against GrowthBook's own cases), independently of the SQL
 * that froze them: bucket < 0.2 → holdout. The test then writes, one hour after the launch:
 *   sent to every treated member; opened by the first 10 treated, clicked by the first 4;
 *   an order of 100 by each of the first 8 treated and of 50 by the first holdout member.
 * The demo's own orders all lie before the launch, so these are the only conversions.
 * With T treated and H held out:
 *   treated rate 8 / T, holdout rate 1 / H
 *   incremental conversions (8/T − 1/H) · T = 8 − T/H
 *   incremental revenue (800/T − 50/H) · T = 800 − 50 T/H
 *   cost 100 + 0.2 · T; ROI = (incremental revenue − cost) / cost
 */
const KEY = "loop_push";
const SHARE = 0.2;

describeEachDatabase("the closed loop on the demo shop", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    await seedDemo(createServices(db(), loadConfig({})), { users: 300, days: 30, seed: 7 });
    api = await startTestApi(db());
  }, 300_000);
  afterAll(() => api?.close());

  it("measures a campaign against its holdout from what was tracked", async () => {
    const segment = await api.gql(`mutation { createSegment(input: {
        key: "loop_buyers", name: "Buyers", rule: "count(orders) >= 1" }) { key size } }`);
    expect(segment.errors).toBeUndefined();
    const members = await api.gql(`{ segment(key: "loop_buyers") {
        members(first: 1000) { edges { node { id identities { type value } } } } } }`);
    const people: Array<{ id: number; userId: string }> = members.data.segment.members.edges.map(
      (edge: { node: { id: string; identities: Array<{ type: string; value: string }> } }) => ({
        id: Number(edge.node.id),
        userId: edge.node.identities.find((identity) => identity.type === "user_id")!.value,
      }),
    );
    people.sort((a, b) => a.id - b.id);
    const held = people.filter((p) => growthBookHash(KEY, String(p.id)) < SHARE);
    const treated = people.filter((p) => growthBookHash(KEY, String(p.id)) >= SHARE);
    expect(held.length).toBeGreaterThan(2);
    expect(treated.length).toBeGreaterThan(10);

    const created = await api.gql(`mutation { createCampaign(input: { key: "${KEY}", name: "Push to buyers",
        channel: "push", segment: "loop_buyers", holdoutShare: ${SHARE}, fixedCost: 100, costPerTouch: 0.2 }) { key version } }`);
    expect(created.errors).toBeUndefined();
    const launched = await api.gql(
      `mutation { launchCampaign(key: "${KEY}") { audience treated holdout campaign { launchedAt } } }`,
    );
    expect(launched.errors).toBeUndefined();
    expect(launched.data.launchCampaign).toMatchObject({
      audience: people.length,
      treated: treated.length,
      holdout: held.length,
    });
    const again = await api.gql(`mutation { launchCampaign(key: "${KEY}") { audience } }`);
    expect(again.errors?.[0].extensions?.code).toBe("CONFLICT");

    const at = new Date(new Date(launched.data.launchCampaign.campaign.launchedAt).getTime() + 3_600_000);
    const event = (name: string, person: { userId: string }) => ({
      messageId: `${name}-${person.userId}`,
      event: name,
      timestamp: at.toISOString(),
      userId: person.userId,
      properties: { campaign: KEY },
    });
    const tracked = await api.gql(
      `mutation ($events: [EventInput!]!) { track(events: $events) { accepted rejected { index } } }`,
      {
        events: [
          ...treated.map((p) => event("campaign_sent", p)),
          ...treated.slice(0, 10).map((p) => event("campaign_opened", p)),
          ...treated.slice(0, 4).map((p) => event("campaign_clicked", p)),
        ],
      },
    );
    expect(tracked.errors).toBeUndefined();
    expect(tracked.data.track.accepted).toBe(treated.length + 14);
    const order = (person: { userId: string }, amount: number) => ({
      orderId: `loop-${person.userId}`,
      userId: person.userId,
      placedAt: at.toISOString(),
      status: "PAID",
      totalAmount: amount,
    });
    const orders = await api.gql(
      `mutation ($orders: [OrderInput!]!) { recordOrders(orders: $orders) { accepted } }`,
      {
        orders: [...treated.slice(0, 8).map((p) => order(p, 100)), order(held[0], 50)],
      },
    );
    expect(orders.errors).toBeUndefined();
    expect(orders.data.recordOrders.accepted).toBe(9);

    const answer = await api.gql(`{ campaignResults(key: "${KEY}") {
        audience treated holdout sent opened clicked holdoutTouched openRate clickRate
        conversions { treated holdout } conversionRate { treated holdout }
        incrementalConversions incrementalRevenue lift ci95 { low high } pValue cost roi
        daily { day sent conversions { treated holdout } } sql } }`);
    expect(answer.errors).toBeUndefined();
    const r = answer.data.campaignResults;
    const T = treated.length;
    const H = held.length;
    expect(r).toMatchObject({
      audience: T + H,
      treated: T,
      holdout: H,
      sent: T,
      opened: 10,
      clicked: 4,
      holdoutTouched: 0,
      conversions: { treated: 8, holdout: 1 },
    });
    expect(r.openRate).toBeCloseTo(10 / T, 10);
    expect(r.conversionRate.treated).toBeCloseTo(8 / T, 10);
    expect(r.conversionRate.holdout).toBeCloseTo(1 / H, 10);
    expect(r.incrementalConversions).toBeCloseTo(8 - T / H, 8);
    expect(r.incrementalRevenue).toBeCloseTo(800 - (50 * T) / H, 8);
    const cost = 100 + 0.2 * T;
    expect(r.cost).toBeCloseTo(cost, 10);
    expect(r.roi).toBeCloseTo((800 - (50 * T) / H - cost) / cost, 8);
    expect(r.lift).toBeCloseTo(8 / T / (1 / H) - 1, 8);
    expect(r.daily).toHaveLength(8);
    const sum = (pick: (day: (typeof r.daily)[number]) => number) =>
      r.daily.reduce((total: number, day: (typeof r.daily)[number]) => total + pick(day), 0);
    expect(sum((day) => day.sent)).toBe(T);
    expect(sum((day) => day.conversions.treated)).toBe(8);
    expect(sum((day) => day.conversions.holdout)).toBe(1);
  }, 120_000);
});
