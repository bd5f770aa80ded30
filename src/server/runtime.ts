import type { StratumConfig } from "../config";
import { connect, type Database, migrate } from "../db/client";
import { RollupService } from "../metrics-service/rollups";
import { recreateSemanticViews } from "../semantic/views";
import { createServices, type Services } from "./services";

/**
 * Opens the configured database, applies migrations (and recreates the `semantic` views, and
 * builds the user-day rollups unless built in the configured zone) and builds the services.
 */
export async function openRuntime(
  config: StratumConfig,
  options: { migrate?: boolean } = {},
): Promise<Services> {
  const db: Database = await connect({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    statementTimeoutMs: config.statementTimeoutMs,
    analyticalWorkMemMb: config.analyticalWorkMemMb,
  });
  if (options.migrate !== false) {
    await migrate(db);
    // The BI views are compiled from the metric declarations of this build: refresh them with the schema.
    await recreateSemanticViews(db, config.timezone);
    // Facts stored before the rollups existed, or rollups of another zone: build them once now.
    await new RollupService(db).ensureBuilt(config.timezone);
  }
  return createServices(db, config);
}
