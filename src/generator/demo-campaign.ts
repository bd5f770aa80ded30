import type { CampaignService } from "../campaigns/definitions";
import { type EventInput, MAX_BATCH_SIZE, type OrderInput } from "../ingest/contract";
import { EVENT_CHUNK } from "../ingest/load";
import { CAMPAIGN_PROPERTY, CAMPAIGN_TOUCH_EVENTS } from "../semantic/campaigns";
import { buildCatalog } from "./catalog";
import { Random, streamSeed } from "./random";
import { SEED_WRITES, type ShopIngest } from "./seed";
import { DAY_MS, type ResolvedShopOptions } from "./shop";

/**
 * A campaign the demo has already run, so `campaignResults` answers with real numbers on the
 * day the shop is seeded: an SMS win-back of the buyers who went quiet, launched ten
 * days before the shop's end with a 20 % holdout, its receipts (sent, delivered, opened,
 * clicked) and the orders it brought, all sent through the same ingestion as any shop's data.
 *
 * The audience is the segment's members when the demo is seeded, frozen with the launch time
 * set ten days back: the generated history has no "then" to take it from. Holdout members
 * come back at the segment's natural rate; treated members at that rate, and clickers far more.
 */
export const DEMO_CAMPAIGN = {
  key: "winback_sms",
  name: "Win back lapsed repeat buyers",
  channel: "sms",
  segment: "lapsed_buyers",
  holdoutShare: 0.2,
  fixedCost: 100,
  costPerTouch: 0.05,
  attributionDays: 7,
} as const;

const LAUNCH_DAYS_BEFORE_END = 10;
/** Chances per member; the natural return rate applies to both arms. */
const RATES = { delivered: 0.96, opened: 0.4, clicked: 0.45, naturalReturn: 0.03, clickerBuys: 0.5 };

export interface DemoCampaignServices {
  ingest: ShopIngest;
  campaigns: CampaignService;
}

/** Creates, launches and plays out the demo campaign, unless it exists (an operator may have edited it). */
export async function seedDemoCampaign(
  services: DemoCampaignServices,
  options: ResolvedShopOptions,
): Promise<void> {
  if (await services.campaigns.get(DEMO_CAMPAIGN.key)) return;
  const actor = { name: "demo" };
  const launchedAt = new Date(options.end.getTime() - LAUNCH_DAYS_BEFORE_END * DAY_MS);
  await services.campaigns.create(DEMO_CAMPAIGN, actor);
  await services.campaigns.launch(DEMO_CAMPAIGN.key, actor, launchedAt);
  const members = await services.campaigns.audience(DEMO_CAMPAIGN.key);
  const catalog = buildCatalog(options.seed);
  const events: EventInput[] = [];
  const orders: OrderInput[] = [];
  members.forEach(({ userId, arm }, index) => {
    if (!userId) return;
    const rng = new Random(streamSeed(options.seed, 0xca4a, index));
    const at = (hours: number) => new Date(launchedAt.getTime() + hours * 3_600_000);
    const touch = (name: string, hours: number) =>
      events.push({
        messageId: `demo-${DEMO_CAMPAIGN.key}-${name}-${index}`,
        event: name,
        timestamp: at(hours),
        userId,
        properties: { [CAMPAIGN_PROPERTY]: DEMO_CAMPAIGN.key },
      });
    let clicked = false;
    if (arm === "treatment") {
      touch(CAMPAIGN_TOUCH_EVENTS.sent, 10);
      if (rng.chance(RATES.delivered)) {
        touch(CAMPAIGN_TOUCH_EVENTS.delivered, 10.1);
        if (rng.chance(RATES.opened)) {
          const openedAfter = 10.5 + rng.next() * 30;
          touch(CAMPAIGN_TOUCH_EVENTS.opened, openedAfter);
          if (rng.chance(RATES.clicked)) {
            clicked = true;
            touch(CAMPAIGN_TOUCH_EVENTS.clicked, openedAfter + 0.05);
          }
        }
      }
    }
    const broughtBack = clicked && rng.chance(RATES.clickerBuys);
    if (broughtBack || rng.chance(RATES.naturalReturn)) {
      const product = rng.pick(catalog);
      const quantity = 1;
      orders.push({
        orderId: `DEMO-${DEMO_CAMPAIGN.key.toUpperCase()}-${index}`,
        userId,
        placedAt: at(12 + rng.next() * 24 * (DEMO_CAMPAIGN.attributionDays - 1)),
        status: "COMPLETED",
        totalAmount: Math.round(product.price * quantity * 100) / 100,
        channel: "app",
        campaignId: broughtBack ? DEMO_CAMPAIGN.key : null,
        items: [{ productId: product.id, quantity, unitPrice: product.price }],
      });
    }
  });
  for (let start = 0; start < events.length; start += EVENT_CHUNK)
    await services.ingest.trackBulk(events.slice(start, start + EVENT_CHUNK), SEED_WRITES);
  for (let start = 0; start < orders.length; start += MAX_BATCH_SIZE)
    await services.ingest.recordOrders(orders.slice(start, start + MAX_BATCH_SIZE), SEED_WRITES);
}
