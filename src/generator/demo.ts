import type { CampaignService } from "../campaigns/definitions";
import type { Database } from "../db/client";
import type { RollupService } from "../metrics-service/rollups";
import type { SegmentService } from "../segments/service";
import type { SendTimeModel } from "../semantic/send-time";
import { refreshAll } from "../tags/schedule";
import type { TagService } from "../tags/service";
import { createDemoDefinitions } from "./definitions";
import { seedDemoCampaign } from "./demo-campaign";
import { seedExampleShopper } from "./example-shopper";
import { type SeedProgress, type SeedResult, type SeedServices, seedShop } from "./seed";
import type { ShopOptions } from "./shop";

export interface DemoServices extends SeedServices {
  db: Database;
  rollups: Pick<RollupService, "suspend">;
  sendTime: { model: SendTimeModel };
  tags: TagService;
  segments: SegmentService;
  campaigns: CampaignService;
}

/**
 * The whole demo, as `stratum start` and `stratum seed` write it: the generated shop, the
 * example shopper the README looks up, the example tags and segments, then the demo campaign
 * that has already run on one of them (its orders change who is in the segments, so tags and
 * segments are refreshed again after it), then the recommendations (with their segments'
 * popular products). `elapsedMs` covers all of it.
 */
export async function seedDemo(
  services: DemoServices,
  options: ShopOptions,
  onProgress?: (progress: SeedProgress) => void,
): Promise<SeedResult> {
  const started = Date.now();
  // The rollups are rebuilt once the facts are written, not kept batch by batch.
  const rebuildRollups = await services.rollups.suspend();
  const result = await seedShop(services, options, onProgress);
  await seedExampleShopper(services.ingest, result.options);
  await createDemoDefinitions(services);
  await seedDemoCampaign(services, result.options);
  // Every tag and segment in one pass over the facts, then the recommendations; beside them the
  // rollups' rebuild (both only read the facts; on PostgreSQL they run on two connections).
  await Promise.all([rebuildRollups(), refreshAll(services.db, new Date(), services.sendTime.model)]);
  return { ...result, elapsedMs: Date.now() - started };
}
