import type { Command } from "commander";
import { loadConfig } from "../../config";
import { createServer } from "../../server/app";
import { logger } from "../../server/logger";
import { openRuntime } from "../../server/runtime";
import type { Services } from "../../server/services";
import { startRefreshSchedule } from "../../tags/schedule";

/** Serves until SIGINT/SIGTERM, then drains requests and closes the database. */
export async function serve(services: Services): Promise<void> {
  const server = await createServer(services);
  const port = await server.listen(services.config.port);
  startRefreshSchedule(services);
  const url = `http://localhost:${port}/graphql`;
  logger.info({ url, database: services.db.kind }, "stratum listening");
  console.log(`\nStratum is serving at ${url}`);
  if (services.config.adminKey) console.log(`Admin key: ${services.config.adminKey}`);
  const shutdown = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    await server.stop();
    await services.db.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the GraphQL API (never seeds)")
    .action(async () => {
      await serve(await openRuntime(loadConfig()));
    });
}
