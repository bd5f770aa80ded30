import type { StratumConfig } from "../config";
import { connect, type Database, migrate } from "../db/client";
import { createServices, type Services } from "./services";

/** Opens the configured database, applies migrations and builds the services. */
export async function openRuntime(
  config: StratumConfig,
  options: { migrate?: boolean } = {},
): Promise<Services> {
  const db: Database = await connect({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    statementTimeoutMs: config.statementTimeoutMs,
  });
  if (options.migrate !== false) await migrate(db);
  return createServices(db, config);
}
