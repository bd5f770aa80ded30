import "reflect-metadata";
import { beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { seedDemo } from "../../src/generator/demo";
import { DEFAULT_SHOP } from "../../src/generator/seed";
import { createServices, type Services } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";

/**
 * On the demo shop (2,000 people × 60 days, seed 42) the generator's shoppers view and buy
 * mostly in one favourite category, with a few products of each category drawn far more
 * often: item-to-item similarity learns the category affinity, global popularity cannot.
 * Trained on the 46 days before the split, scored on the 14 days from it.
 */
describeEachDatabase("offline evaluation on the demo shop", (db) => {
  let services: Services;
  let end: Date;
  beforeAll(async () => {
    services = createServices(db(), loadConfig({}));
    const seeded = await seedDemo(services, DEFAULT_SHOP);
    end = seeded.options.end;
  }, 300_000);

  it("collaborative filtering beats popularity on hit rate, precision and recall at k = 10", async () => {
    const split = new Date(end.getTime() - 14 * 86_400_000);
    const result = await services.recommendations.evaluate({ split, k: 10 });
    expect(result.collaborative.users).toBe(result.popularity.users);
    expect(result.collaborative.users).toBeGreaterThan(50);
    expect(result.collaborative.hitRate).toBeGreaterThan(result.popularity.hitRate);
    expect(result.collaborative.precision).toBeGreaterThan(result.popularity.precision);
    expect(result.collaborative.recall).toBeGreaterThan(result.popularity.recall);
    expect(result.collaborative.coverage).toBeGreaterThan(result.popularity.coverage);
  });
});
