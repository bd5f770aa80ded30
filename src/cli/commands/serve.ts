import type { Command } from "commander";
import { DeliveryWorker } from "../../automation/worker";
import { loadConfig } from "../../config";
import { logger } from "../../logger";
import { createServer } from "../../server/app";
import { dashboardBundle } from "../../server/dashboard";
import { openRuntime } from "../../server/runtime";
import type { Services } from "../../server/services";
import { startRefreshSchedule } from "../../tags/schedule";

/**
 * Serves until SIGINT/SIGTERM, then stops the refresh schedule and the delivery worker (unless
 * STRATUM_DELIVERY_WORKER=0), drains requests and closes the database. `demoKey` (demo mode only) is printed for the person at the console;
 * a configured STRATUM_ADMIN_KEY never is.
 */
export async function serve(services: Services, options: { demoKey?: string } = {}): Promise<void> {
  const server = await createServer(services, options);
  const port = await server.listen(services.config.port, services.config.host);
  const stopSchedule = startRefreshSchedule(services);
  const worker = services.config.delivery.inServer
    ? new DeliveryWorker(services.db, services.pii, services.config.delivery, {
        sendTime: services.sendTime,
        realtime: services.audiences,
      })
    : null;
  worker?.start();
  const shutdown = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    stopSchedule();
    await worker?.stop();
    await server.stop();
    await services.db.close();
    process.exit(0);
  };
  // Before announcing the URL: whoever reads it may stop the server at once.
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  const url = `http://localhost:${port}/graphql`;
  logger.info({ url, host: services.config.host, database: services.db.kind }, "stratum listening");
  console.log(`\nStratum is serving at ${url}`);
  console.log(`Dashboard: http://localhost:${port}/app`);
  // Built now rather than on the first visit, so the first page opens without waiting for it.
  dashboardBundle().catch((error: unknown) => logger.error({ err: error }, "dashboard build failed"));
  if (options.demoKey) console.log(`Demo admin key (the IDE on this machine sends it): ${options.demoKey}`);
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the GraphQL API (never seeds)")
    .action(async () => {
      await serve(await openRuntime(loadConfig()));
    });
}
