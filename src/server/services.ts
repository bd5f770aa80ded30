import { ApiKeyService } from "../access/keys";
import type { StratumConfig } from "../config";
import type { Database } from "../db/client";
import { MetricsService } from "../metrics/service";
import { UserService } from "../users/service";

/**
 * Every service of Stratum, built once per process around one database. Services know
 * nothing of GraphQL or HTTP; resolvers, exports and the CLI all call them.
 */
export interface Services {
  db: Database;
  config: StratumConfig;
  users: UserService;
  apiKeys: ApiKeyService;
  metrics: MetricsService;
}

export function createServices(db: Database, config: StratumConfig): Services {
  return {
    db,
    config,
    users: new UserService(db),
    apiKeys: new ApiKeyService(db),
    metrics: new MetricsService(db),
  };
}
