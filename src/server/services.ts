import { ApiKeyService } from "../access/keys";
import { PiiPolicy } from "../access/pii";
import { AnalyticsService } from "../analytics/service";
import type { StratumConfig } from "../config";
import type { Database } from "../db/client";
import { ActivityService } from "../ingest/activity";
import { IngestService } from "../ingest/service";
import { MetricsService } from "../metrics/service";
import { PredictionService } from "../prediction/service";
import { RuleService } from "../rules/service";
import { SegmentService } from "../segments/service";
import { TagService } from "../tags/service";
import { ErasureService } from "../users/erasure";
import { UserService } from "../users/service";

/**
 * Every service of Stratum, built once per process around one database. Services know
 * nothing of GraphQL or HTTP; resolvers, exports and the CLI all call them.
 */
export interface Services {
  db: Database;
  config: StratumConfig;
  /** The PII declaration and its masking rules, from `config.pii`. */
  pii: PiiPolicy;
  users: UserService;
  /** The right to erasure (`deleteUser`, `stratum erase`). */
  erasure: ErasureService;
  analytics: AnalyticsService;
  ingest: IngestService;
  activity: ActivityService;
  apiKeys: ApiKeyService;
  metrics: MetricsService;
  rules: RuleService;
  tags: TagService;
  segments: SegmentService;
  prediction: PredictionService;
}

export function createServices(db: Database, config: StratumConfig): Services {
  const pii = new PiiPolicy(config.pii);
  return {
    db,
    config,
    pii,
    users: new UserService(db),
    erasure: new ErasureService(db, pii),
    analytics: new AnalyticsService(db, config.timezone),
    ingest: new IngestService(db),
    activity: new ActivityService(db),
    apiKeys: new ApiKeyService(db),
    metrics: new MetricsService(db),
    rules: new RuleService(db),
    tags: new TagService(db, new RuleService(db)),
    segments: new SegmentService(db, new RuleService(db)),
    prediction: new PredictionService(db, config.timezone),
  };
}
