import type { NonEmptyArray } from "type-graphql";
import { AccessResolver } from "./access";
import { AnalyticsResolver } from "./analytics";
import { AssociationRulesResolver } from "./association-rules";
import { DeliveryResolver, DestinationResolver, TriggerResolver } from "./automation";
import { CampaignResolver } from "./campaigns";
import { ExperimentResultsResolver } from "./experiment-results";
import { ExperimentResolver } from "./experiments";
import { IngestResolver } from "./ingest";
import { MetricsResolver } from "./metrics";
import { PurchaseModelResolver, UserPredictionFieldsResolver, UserPredictionResolver } from "./prediction";
import { RecommendationResolver } from "./recommendations";
import { SegmentResolver } from "./segments";
import { SendTimeResolver, UserSendTimeResolver } from "./send-time";
import { DefinitionVersionResolver, RulePreviewResolver, TagResolver } from "./tags";
import { UserResolver } from "./user";
import { UserActivityResolver } from "./user-activity";
import { UserMembershipResolver } from "./user-memberships";
import { UserRfmResolver } from "./user-rfm";

/** Every resolver of the API; the schema is built from exactly this list. */
export const resolvers: NonEmptyArray<Function> = [
  AccessResolver,
  MetricsResolver,
  UserResolver,
  AnalyticsResolver,
  UserRfmResolver,
  IngestResolver,
  UserActivityResolver,
  TagResolver,
  RulePreviewResolver,
  DefinitionVersionResolver,
  SegmentResolver,
  UserMembershipResolver,
  PurchaseModelResolver,
  UserPredictionResolver,
  UserPredictionFieldsResolver,
  ExperimentResultsResolver,
  ExperimentResolver,
  CampaignResolver,
  SendTimeResolver,
  UserSendTimeResolver,
  DestinationResolver,
  TriggerResolver,
  DeliveryResolver,
  AssociationRulesResolver,
  RecommendationResolver,
];
