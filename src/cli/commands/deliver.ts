import type { Command } from "commander";
import { DeliveryWorker } from "../../automation/worker";
import { loadConfig } from "../../config";
import { logger } from "../../logger";
import { openRuntime } from "../../server/runtime";

/**
 * `stratum deliver`: a delivery worker without the API, beside or instead of the server's
 * (workers share the outbox through `for update skip locked`). `--once` sends what is due,
 * retries included as they come due, and exits.
 */
export function registerDeliver(program: Command): void {
  program
    .command("deliver")
    .description("send the webhook outbox (signed, retried, dead-lettered) until stopped")
    .option("--once", "send what is due now, then exit")
    .action(async (options: { once?: boolean }) => {
      const services = await openRuntime(loadConfig());
      const worker = new DeliveryWorker(services.db, services.pii, services.config.delivery, {
        sendTime: services.sendTime,
        realtime: services.audiences,
      });
      if (options.once) {
        try {
          console.log(`attempted ${await worker.drain()} deliveries`);
        } finally {
          await services.db.close();
        }
        return;
      }
      worker.start();
      logger.info({ database: services.db.kind }, "delivery worker running");
      const shutdown = async () => {
        await worker.stop();
        await services.db.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void shutdown());
      process.once("SIGTERM", () => void shutdown());
    });
}
