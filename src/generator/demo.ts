import type { RecommendationService } from "../personalisation/recommendations";
import type { SegmentService } from "../segments/service";
import type { TagService } from "../tags/service";
import { createDemoDefinitions } from "./definitions";
import { seedExampleShopper } from "./example-shopper";
import { type SeedProgress, type SeedResult, type SeedServices, seedShop } from "./seed";
import type { ShopOptions } from "./shop";

export interface DemoServices extends SeedServices {
  tags: TagService;
  segments: SegmentService;
  recommendations: Pick<RecommendationService, "refresh">;
}

/**
 * The whole demo, as `stratum start` and `stratum seed` write it: the generated shop, the
 * example shopper the README looks up, then the example tags and segments (refreshed over
 * all of it), then the recommendations (with their segments' popular products). `elapsedMs`
 * covers all of it.
 */
export async function seedDemo(
  services: DemoServices,
  options: ShopOptions,
  onProgress?: (progress: SeedProgress) => void,
): Promise<SeedResult> {
  const started = Date.now();
  const result = await seedShop(services, options, onProgress);
  await seedExampleShopper(services.ingest, result.options);
  await createDemoDefinitions(services);
  await services.recommendations.refresh({ name: "system" });
  return { ...result, elapsedMs: Date.now() - started };
}
