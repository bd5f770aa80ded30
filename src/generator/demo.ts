import type { SegmentService } from "../segments/service";
import type { TagService } from "../tags/service";
import { createDemoDefinitions } from "./definitions";
import { seedExampleShopper } from "./example-shopper";
import { type SeedProgress, type SeedResult, type SeedServices, seedShop } from "./seed";
import type { ShopOptions } from "./shop";

export interface DemoServices extends SeedServices {
  tags: TagService;
  segments: SegmentService;
}

/**
 * The whole demo, as `stratum start` and `stratum seed` write it: the generated shop, the
 * example shopper the README looks up, then the example tags and segments (refreshed over
 * all of it). `elapsedMs` covers all three.
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
  return { ...result, elapsedMs: Date.now() - started };
}
