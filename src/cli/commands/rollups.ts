import type { Command } from "commander";
import { loadConfig } from "../../config";
import { openRuntime } from "../../server/runtime";

export function registerRollups(program: Command): void {
  const rollups = program
    .command("rollups")
    .description("the user-day rollups metrics read (pre-aggregations)");
  rollups
    .command("rebuild")
    .description(
      "rebuild the user-day rollups from the facts, days in STRATUM_TIMEZONE (ingestion keeps them afterwards)",
    )
    .action(async () => {
      const config = loadConfig();
      const services = await openRuntime(config, { migrate: false });
      try {
        const started = performance.now();
        const built = await services.rollups.rebuild(config.timezone);
        console.log(
          `rebuilt ${built.eventRows} event and ${built.orderRows} order rows (time zone ${built.timezone}, ${services.db.kind}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
      } finally {
        await services.db.close();
      }
    });
}
