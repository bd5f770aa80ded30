import type { Command } from "commander";
import { loadConfig } from "../../config";
import { seedDemo } from "../../generator/demo";
import { DEFAULT_SHOP, isDatabaseEmpty } from "../../generator/seed";
import { ensureDemoAdminKey, isDemoMode } from "../../server/demo";
import { openRuntime } from "../../server/runtime";
import { serve } from "./serve";

/**
 * `npm start`: the zero-setup demo. Embedded database in `./.stratum` (unless
 * DATABASE_URL says otherwise), migrated, seeded with the demo shop when empty, and, in demo
 * mode only (embedded database, not production) with no STRATUM_ADMIN_KEY, an admin key
 * created and printed for the IDE. Against any other database no key is ever created.
 */
export function registerStart(program: Command): void {
  program
    .command("start")
    .description("demo: migrate, seed the demo shop if the database is empty, then serve")
    .action(async () => {
      const services = await openRuntime(loadConfig());
      if (await isDatabaseEmpty(services.db)) {
        console.log(
          `Empty database: seeding the demo shop (${DEFAULT_SHOP.users} people, ${DEFAULT_SHOP.days} days)…`,
        );
        let lastShown = 0;
        const result = await seedDemo(services, DEFAULT_SHOP, (progress) => {
          if (progress.day - lastShown >= 10 || progress.day === progress.days) {
            lastShown = progress.day;
            console.log(`  day ${progress.day}/${progress.days}: ${progress.sent.events} events`);
          }
        });
        console.log(
          `Seeded in ${(result.elapsedMs / 1000).toFixed(1)} s, with the example shopper and the example tags and segments`,
        );
      }
      const demoKey = services.config.adminKey ? undefined : await ensureDemoAdminKey(services);
      if (!isDemoMode(services.config) && !services.config.adminKey)
        console.log(
          "Not the embedded demo database: no admin key is created. Make one with `stratum keys create --name <who> --role ADMIN`.",
        );
      await serve(services, { demoKey });
    });
}
