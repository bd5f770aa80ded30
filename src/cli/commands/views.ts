import type { Command } from "commander";
import { loadConfig } from "../../config";
import { recreateSemanticViews } from "../../semantic/views";
import { openRuntime } from "../../server/runtime";

export function registerViews(program: Command): void {
  program
    .command("views")
    .description("(re)create the `semantic` schema of SQL views for BI tools (buckets in STRATUM_TIMEZONE)")
    .action(async () => {
      const config = loadConfig();
      const services = await openRuntime(config, { migrate: false });
      try {
        const views = await recreateSemanticViews(services.db, config.timezone);
        console.log(`created ${views.join(", ")} (time zone ${config.timezone}, ${services.db.kind})`);
      } finally {
        await services.db.close();
      }
    });
}
