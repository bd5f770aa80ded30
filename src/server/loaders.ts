import DataLoader from "dataloader";
import type { UserRfm } from "../analytics/compile/rfm-report";
import type { DeliveryAttemptRecord } from "../automation/deliveries";
import type { DefinitionVersionRecord } from "../definitions/store";
import { activityLoaders } from "../ingest/activity-loaders";
import { similarProductsLoader } from "../personalisation/recommendations";
import type { BestSendTimeRecord } from "../personalisation/send-time";
import { type PredictionRequest, predictionLoader } from "../prediction/loader";
import { piiValueTags } from "../rules/pii";
import type { SegmentMembershipRecord } from "../segments/service";
import type { TagMembershipRecord } from "../tags/service";
import type { IdentityRecord, UserRecord } from "../users/service";
import type { Services } from "./services";

/**
 * Per-request DataLoaders: every field that reads another table for a list of parents
 * goes through one of these, so a page costs a fixed number of statements.
 * Never create them on a resolver class (type-graphql reuses resolver instances).
 */
export function createLoaders(services: Services) {
  return {
    user: new DataLoader<number, UserRecord | null>((ids) => services.users.byIds(ids)),
    identities: new DataLoader<number, IdentityRecord[]>((ids) => services.users.identitiesOf(ids)),
    rfm: new DataLoader<number, UserRfm | null>((ids) => services.analytics.rfmOfUsers(ids)),
    bestSendTime: new DataLoader<number, BestSendTimeRecord | null>((ids) => services.sendTime.bestOf(ids)),
    userTags: new DataLoader<number, TagMembershipRecord[]>((ids) => services.tags.tagsOfUsers(ids)),
    userSegments: new DataLoader<number, SegmentMembershipRecord[]>((ids) =>
      services.segments.segmentsOfUsers(ids),
    ),
    tagHistory: new DataLoader<string, DefinitionVersionRecord[]>((keys) => services.tags.historyOf(keys)),
    segmentHistory: new DataLoader<string, DefinitionVersionRecord[]>((keys) =>
      services.segments.historyOf(keys),
    ),
    experimentHistory: new DataLoader<string, DefinitionVersionRecord[]>((keys) =>
      services.experiments.historyOf(keys),
    ),
    campaignHistory: new DataLoader<string, DefinitionVersionRecord[]>((keys) =>
      services.campaigns.historyOf(keys),
    ),
    destinationHistory: new DataLoader<string, DefinitionVersionRecord[]>((keys) =>
      services.destinations.historyOf(keys),
    ),
    triggerHistory: new DataLoader<string, DefinitionVersionRecord[]>((keys) =>
      services.triggers.historyOf(keys),
    ),
    deliveryAttempts: new DataLoader<number, DeliveryAttemptRecord[]>((ids) =>
      services.deliveries.attemptsOf(ids),
    ),
    predictions: new DataLoader(predictionLoader(services.prediction), {
      cacheKeyFn: (request: PredictionRequest) => `${request.model ?? ""}\u0000${request.userId}`,
    }),
    similarProducts: new DataLoader(similarProductsLoader(services.recommendations), {
      cacheKeyFn: (request: { productId: string; first: number }) =>
        `${request.first}\u0000${request.productId}`,
    }),
    ...activityLoaders(services.activity),
    /** VALUE tags computed from PII, read once per request. */
    piiValueTags: once(() => piiValueTags(services.db, services.pii)),
    /** Every tag's and segment's real-time mode, computed once per request. */
    realtimeModes: once(() => services.audiences.modes()),
  };
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
