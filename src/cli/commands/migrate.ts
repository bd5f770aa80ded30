import type { Command } from "commander";
import { loadConfig } from "../../config";
import { openRuntime } from "../../server/runtime";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("apply database migrations")
    .action(async () => {
      const services = await openRuntime(loadConfig());
      console.log(`migrated (${services.db.kind})`);
      await services.db.close();
    });
}
