import { ApiKeyService } from "../access/keys";
import { PiiPolicy } from "../access/pii";
import { AnalyticsService } from "../analytics/service";
import { DestinationService, TriggerService } from "../automation/definitions";
import { DeliveryService } from "../automation/deliveries";
import { CampaignService } from "../campaigns/definitions";
import { CampaignResultsService } from "../campaigns/results";
import type { StratumConfig } from "../config";
import type { Database } from "../db/client";
import { ExperimentService } from "../experiments/definitions";
import { ExperimentResultsService } from "../experiments/results";
import { ActivityService } from "../ingest/activity";
import type { IngestService } from "../ingest/service";
import { TrackingService } from "../ingest/tracking-service";
import { RollupService } from "../metrics-service/rollups";
import { MetricsService } from "../metrics-service/service";
import { AssociationRulesService } from "../personalisation/association-rules";
import { RecommendationService } from "../personalisation/recommendations";
import { SendTimeService } from "../personalisation/send-time";
import { PredictionService } from "../prediction/service";
import { RealtimeAudiences } from "../rules/realtime";
import { RuleService } from "../rules/service";
import type { SegmentService } from "../segments/service";
import type { TagService } from "../tags/service";
import { ErasureService } from "../users/erasure";
import { UserService } from "../users/service";
import { ObservedIngestService, ObservedSegmentService, ObservedTagService } from "./observed";
import { Telemetry } from "./telemetry";

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
  /** Real-time definitions: their modes, and their re-evaluation after every ingested batch. */
  audiences: RealtimeAudiences;
  /** The Segment-compatible tracking API, written through `ingest`. */
  tracking: TrackingService;
  activity: ActivityService;
  apiKeys: ApiKeyService;
  metrics: MetricsService;
  /** The user-day rollups metrics read: rebuild (`stratum rollups rebuild`) and the zone they are in. */
  rollups: RollupService;
  rules: RuleService;
  tags: TagService;
  segments: SegmentService;
  experiments: ExperimentService;
  prediction: PredictionService;
  /** A/B experiment assignment and results. */
  experimentResults: ExperimentResultsService;
  /** Campaign definitions and launches (frozen audiences). */
  campaigns: CampaignService;
  /** Campaign results against the holdout. */
  campaignResults: CampaignResultsService;
  /** Best send times from activity, smoothed toward the population (issue 14). */
  sendTime: SendTimeService;
  /** Webhook destinations and triggers (definitions), and the outbox they fill. */
  destinations: DestinationService;
  triggers: TriggerService;
  deliveries: DeliveryService;
  /** Market basket analysis: association rules of the counted orders' baskets. */
  associationRules: AssociationRulesService;
  /** Item-to-item recommendations: refresh, personal top-N, offline evaluation. */
  recommendations: RecommendationService;
  /** Prometheus metrics of this process (`GET /metrics`). */
  telemetry: Telemetry;
}

export function createServices(db: Database, config: StratumConfig): Services {
  const telemetry = new Telemetry(db);
  const sendTime = new SendTimeService(db, config.sendTime, config.timezone);
  const audiences = new RealtimeAudiences(db, sendTime.model);
  const ingest = new ObservedIngestService(db, telemetry, audiences);
  const pii = new PiiPolicy(config.pii);
  const experiments = new ExperimentService(db);
  const campaigns = new CampaignService(db);
  const destinations = new DestinationService(db);
  return {
    db,
    config,
    pii,
    users: new UserService(db),
    erasure: new ErasureService(db, pii),
    analytics: new AnalyticsService(db, config.timezone, config.maxBuckets),
    ingest,
    audiences,
    tracking: new TrackingService(ingest),
    activity: new ActivityService(db),
    apiKeys: new ApiKeyService(db),
    metrics: new MetricsService(db, config.maxBuckets, config.rollups),
    rollups: new RollupService(db),
    rules: new RuleService(db, sendTime.model),
    tags: new ObservedTagService(db, new RuleService(db, sendTime.model), telemetry),
    segments: new ObservedSegmentService(db, new RuleService(db, sendTime.model), telemetry),
    experiments,
    prediction: new PredictionService(db, config.timezone),
    experimentResults: new ExperimentResultsService(db, (key) => experiments.definition(key)),
    campaigns,
    campaignResults: new CampaignResultsService(db, (key) => campaigns.definition(key), config.timezone),
    sendTime,
    destinations,
    triggers: new TriggerService(db),
    deliveries: new DeliveryService(db, destinations, config.delivery),
    associationRules: new AssociationRulesService(db, config.timezone),
    recommendations: new RecommendationService(db),
    telemetry,
  };
}
