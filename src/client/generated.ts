/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Which rules come first; ties go by the other two measures, then by the items */
export type AssociationRuleOrder =
  /** Highest confidence first */
  | 'CONFIDENCE'
  /** Highest lift first */
  | 'LIFT'
  /** Highest support first */
  | 'SUPPORT';

/** Association rules over baskets (the distinct items of each counted order placed in the range), as R's arules::apriori finds them */
export type AssociationRulesInput = {
  /** Rules returned, from the top of orderBy; 0 to 1000 (totalRules counts them all) */
  first?: number | null | undefined;
  /** Whether the items are products or their categories */
  level?: BasketLevel | null | undefined;
  /** Most items of a rule, lhs and rhs together; 1 to 10 */
  maxLength?: number | null | undefined;
  /** Minimum confidence: support(lhs ∪ rhs) / support(lhs), the share of baskets with the lhs that also hold the rhs, in (0, 1] */
  minConfidence: number;
  /** Fewest items of a rule, lhs and rhs together (1 also gives the rules {} → {item}); 1 to 10, at most maxLength */
  minLength?: number | null | undefined;
  /** Minimum support of a rule: the share of baskets holding all its items, a fraction in (0, 1] (0.01 = 1 %) */
  minSupport: number;
  /** Which rules are returned first */
  orderBy?: AssociationRuleOrder | null | undefined;
  /** Only rules with this item (a product id, or a category at CATEGORY level) as their right-hand side */
  rhs?: string | null | undefined;
  /** Only the baskets of the current members of this active segment (its key); an unknown key is BAD_USER_INPUT */
  segment?: string | null | undefined;
  /** Counted orders placed in this range are the baskets (dates in the deployment's time zone) */
  timeRange: TimeRangeInput;
};

/** What the items of a basket are */
export type BasketLevel =
  /** The distinct categories of the order's products (items of products without one are left out) */
  | 'CATEGORY'
  /** The order's distinct products, named by product id */
  | 'PRODUCT';

/** A new tag */
export type CreateTagInput = {
  /** The group to list it under */
  category: TagCategory;
  /** At most 2000 characters; default empty */
  description?: string | null | undefined;
  /** 1–128 letters, digits, _ . : - (starting with a letter, digit or _); unique among its kind (an existing key is a CONFLICT), archived ones included */
  key: string;
  /** RULE and VALUE need a rule and are computed at once; MANUAL takes none and starts empty */
  kind: TagKind;
  /** The display name, 1–200 characters */
  name: string;
  /** Rule text, or its JSON AST as a string starting with {; none for MANUAL tags */
  rule?: string | null | undefined;
};

/** Whether a tag, segment or experiment is in use. Archiving is one-way and keeps the history */
export type DefinitionStatus =
  /** In use: can be edited, refreshed and referenced by rules */
  | 'ACTIVE'
  /** Retired and read-only: a tag or segment loses its members, is no longer refreshed and new rules cannot refer to it; its history (and an experiment's results) stay readable */
  | 'ARCHIVED';

/** An event that voids a funnel attempt when it happens between two steps */
export type FunnelExclusionInput = {
  /** snake_case event name */
  event: string;
  /** 0-based step after which the event voids the attempt (UNORDERED: must be 0) */
  fromStep: number;
  /** 0-based step before which the event voids the attempt (UNORDERED: must be the last step) */
  toStep: number;
};

/** A funnel (PostHog's semantics): users entering step 0 in timeRange and how far each got within the window. Each user counts once, at the furthest step of their best attempt; events with equal timestamps count in ingestion order */
export type FunnelInput = {
  /** Split the funnel by an event dimension of the entry event (channel, platform, utm_source, utm_campaign, category, product, event.<property>) or a user dimension (city, region, gender, age_band, signup_channel); PII keys need PII access */
  breakdown?: string | null | undefined;
  /** Events that void an attempt between two steps; a user whose furthest attempts are all void is left out of the funnel */
  exclusions?: Array<FunnelExclusionInput> | null | undefined;
  /** How the steps must follow each other */
  mode?: FunnelMode | null | undefined;
  /** Only the current members of this active segment (its key); an unknown key is NOT_FOUND */
  segment?: string | null | undefined;
  /** 1 to 20 steps; step 0 is the entry */
  steps: Array<FunnelStepInput>;
  /** Entries into step 0 must fall in this range */
  timeRange: TimeRangeInput;
  /** IANA time zone of buckets and dates; default from config */
  timezone?: string | null | undefined;
  /** Conversion window from the entry; default 14 DAY */
  window?: WindowInput | null | undefined;
};

/** How a funnel's steps must follow each other */
export type FunnelMode =
  /** In the given order; other events may occur between steps (each step takes the first matching event after the previous step's) */
  | 'ORDERED'
  /** In the given order, with none of the user's other events between steps */
  | 'STRICT'
  /** In any order, each step satisfied by a distinct event at or after the entry */
  | 'UNORDERED';

/** One funnel step: an event, optionally with property equalities */
export type FunnelStepInput = {
  /** snake_case event name, e.g. add_to_cart; an event never seen counts 0 and is named in warnings */
  event: string;
  /** Event property equalities that must all hold, e.g. {"category": "beauty"}; PII properties need PII access */
  where?: unknown;
};

/** How a metric is computed from its measures */
export type MetricKind =
  /** Share of the previous bucket's buyers (same slice; ALL: the equally long window before the range) with no counted order in this bucket */
  | 'CHURN'
  /** Share of the users with a base event in the bucket who did a target event within a window after it */
  | 'CONVERSION'
  /** The difference of two measures */
  | 'DERIVED'
  /** One measure divided by another; null when the denominator is 0 */
  | 'RATIO'
  /** One measure of the bucket's facts: a sum, a count of rows or a count of users */
  | 'SIMPLE';

/** What a metric's numbers measure */
export type MetricUnit =
  /** A number of things: users, orders, events, units */
  | 'COUNT'
  /** An amount of money in the deployment's currency (STRATUM_CURRENCY, CNY by default) */
  | 'CURRENCY'
  /** A 0–1 fraction (0.25 = 25 %) */
  | 'RATIO';

/** What the shopper is looking at, to steer recommendations */
export type RecommendationContextInput = {
  /** Only products of this category */
  category?: string | null | undefined;
  /** A product being viewed: its similar products count as much as a product bought and viewed; never itself recommended */
  productId?: string | number | null | undefined;
};

/** Why a product is recommended */
export type RecommendationKind =
  /** Among the most bought of the shop */
  | 'POPULAR'
  /** Among the most bought of the context category */
  | 'POPULAR_IN_CATEGORY'
  /** Among the most bought by members of a segment the shopper is in */
  | 'POPULAR_IN_SEGMENT'
  /** Mostly similar to the context product (the one being looked at) */
  | 'SIMILAR_TO_CONTEXT'
  /** Mostly similar to products the shopper bought recently */
  | 'SIMILAR_TO_PURCHASED'
  /** Mostly similar to products the shopper viewed recently */
  | 'SIMILAR_TO_VIEWED';

/** How tags are grouped for browsing and filtering; it does not change how a tag is computed */
export type TagCategory =
  /** Profile facts: demographics, location, channel, consent */
  | 'BASIC'
  /** What users do: visits, page views, engagement, recency of activity */
  | 'BEHAVIOR'
  /** What users care about: affinity to categories, brands or products */
  | 'INTEREST'
  /** Value or loyalty levels, such as VIP, churn risk or lifecycle stage */
  | 'TIER'
  /** What users buy: orders, spend, purchase frequency and recency */
  | 'TRANSACTION';

/** How a tag's members are decided; fixed when the tag is created */
export type TagKind =
  /** No rule: members are added and removed through assignTag and unassignTag */
  | 'MANUAL'
  /** A condition: users for whom the rule is true are members, recomputed on every refresh */
  | 'RULE'
  /** A computed value per user (e.g. favourite category): users with a non-null value are members and carry it */
  | 'VALUE';

/** One of: `from` and `to` (a date YYYY-MM-DD, local midnight in the query's time zone, or an ISO 8601 date-time; `to` is exclusive); `last`; or `named`. Relative ranges are resolved at the time of the query in the query's time zone */
export type TimeRangeInput = {
  /** Start, inclusive: a date YYYY-MM-DD (local midnight in the query's time zone) or an ISO 8601 date-time; give it with `to` */
  from?: string | null | undefined;
  /** The N whole units before the current one: "30d" (days before today), "12w" (ISO weeks before this one), "6m" (months), "1y" (years), "24h" (hours before the current hour); N from 1 to 9999 */
  last?: string | null | undefined;
  /** A whole calendar period: today, yesterday, this_week, previous_week, this_month, previous_month, this_quarter, previous_quarter, this_year, previous_year (this_… includes what is still to come; weeks start on Monday) */
  named?: string | null | undefined;
  /** End, exclusive: a date YYYY-MM-DD (local midnight in the query's time zone) or an ISO 8601 date-time; give it with `from` */
  to?: string | null | undefined;
};

/** How long after entering the funnel (step 0) a user has to reach each later step; at most 366 days */
export type WindowInput = {
  /** Unit of value */
  unit: WindowUnit;
  /** A positive whole number of units */
  value: number;
};

/** Conversion window unit; a MONTH is 30 days */
export type WindowUnit =
  /** 24 hours */
  | 'DAY'
  /** 60 minutes */
  | 'HOUR'
  /** 60 seconds */
  | 'MINUTE'
  /** 30 days (not a calendar month) */
  | 'MONTH'
  /** 1 second */
  | 'SECOND'
  /** 7 days */
  | 'WEEK';

export type FunnelQueryVariables = Exact<{
  input: FunnelInput;
}>;


export type FunnelQuery = { funnel: { steps: Array<{ index: number, event: string, count: number, conversionFromPrevious: number | null, conversionFromStart: number | null, dropOff: number, medianTimeToConvertSeconds: number | null }> } };

export type AssociationRulesQueryVariables = Exact<{
  input: AssociationRulesInput;
}>;


export type AssociationRulesQuery = { associationRules: { transactions: number, totalRules: number, rules: Array<{ lhs: Array<string>, rhs: string, support: number, confidence: number, lift: number, count: number }> } };

export type DailyGmvByChannelQueryVariables = Exact<{
  from: string;
  to: string;
  timezone?: string | null | undefined;
}>;


export type DailyGmvByChannelQuery = { metrics: { sql: string, rows: Array<{ time: string, channel: string | null, gmv: number | null, orders: number | null, buyers: number | null, conversionRate: number | null }> } };

export type MetricCatalogQueryVariables = Exact<{ [key: string]: never; }>;


export type MetricCatalogQuery = { metricCatalog: Array<{ key: string, field: string, description: string, unit: MetricUnit, kind: MetricKind, supportedDimensions: Array<string>, labels: { en: string, zh: string } }> };

export type RecommendationsQueryVariables = Exact<{
  userId: string | number;
  first?: number | null | undefined;
  context?: RecommendationContextInput | null | undefined;
}>;


export type RecommendationsQuery = { recommendations: Array<{ score: number, product: { productId: string, name: string, category: string | null, price: number | null }, reason: { kind: RecommendationKind, segment: string | null, because: Array<{ productId: string, name: string }> } }> };

export type SegmentMembersQueryVariables = Exact<{
  key: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SegmentMembersQuery = { segment: { key: string, name: string, size: number, members: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, traits: unknown, tags: Array<{ key: string, value: string | null }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type CreateTagMutationVariables = Exact<{
  input: CreateTagInput;
}>;


export type CreateTagMutation = { createTag: { key: string, version: number, status: DefinitionStatus } };

export type UsersPageQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type UsersPageQuery = { users: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, firstSeenAt: string, lastSeenAt: string, traits: unknown, identities: Array<{ type: string, value: string }> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type UserByIdentityQueryVariables = Exact<{
  type: string;
  value: string;
}>;


export type UserByIdentityQuery = { userByIdentity: { id: string, traits: unknown } | null };


export const FunnelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Funnel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"FunnelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"funnel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"conversionFromPrevious"}},{"kind":"Field","name":{"kind":"Name","value":"conversionFromStart"}},{"kind":"Field","name":{"kind":"Name","value":"dropOff"}},{"kind":"Field","name":{"kind":"Name","value":"medianTimeToConvertSeconds"}}]}}]}}]}}]} as unknown as DocumentNode<FunnelQuery, FunnelQueryVariables>;
export const AssociationRulesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AssociationRules"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AssociationRulesInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"associationRules"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"transactions"}},{"kind":"Field","name":{"kind":"Name","value":"totalRules"}},{"kind":"Field","name":{"kind":"Name","value":"rules"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lhs"}},{"kind":"Field","name":{"kind":"Name","value":"rhs"}},{"kind":"Field","name":{"kind":"Name","value":"support"}},{"kind":"Field","name":{"kind":"Name","value":"confidence"}},{"kind":"Field","name":{"kind":"Name","value":"lift"}},{"kind":"Field","name":{"kind":"Name","value":"count"}}]}}]}}]}}]} as unknown as DocumentNode<AssociationRulesQuery, AssociationRulesQueryVariables>;
export const DailyGmvByChannelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DailyGmvByChannel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"timezone"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metrics"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"timeRange"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}]}},{"kind":"Argument","name":{"kind":"Name","value":"grain"},"value":{"kind":"EnumValue","value":"DAY"}},{"kind":"Argument","name":{"kind":"Name","value":"timezone"},"value":{"kind":"Variable","name":{"kind":"Name","value":"timezone"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"time"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"gmv"}},{"kind":"Field","name":{"kind":"Name","value":"orders"}},{"kind":"Field","name":{"kind":"Name","value":"buyers"}},{"kind":"Field","name":{"kind":"Name","value":"conversionRate"}}]}},{"kind":"Field","name":{"kind":"Name","value":"sql"}}]}}]}}]} as unknown as DocumentNode<DailyGmvByChannelQuery, DailyGmvByChannelQueryVariables>;
export const MetricCatalogDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MetricCatalog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metricCatalog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"labels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"en"}},{"kind":"Field","name":{"kind":"Name","value":"zh"}}]}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"supportedDimensions"}}]}}]}}]} as unknown as DocumentNode<MetricCatalogQuery, MetricCatalogQueryVariables>;
export const RecommendationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Recommendations"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"context"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"RecommendationContextInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recommendations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"context"},"value":{"kind":"Variable","name":{"kind":"Name","value":"context"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"product"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"price"}}]}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"reason"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"segment"}},{"kind":"Field","name":{"kind":"Name","value":"because"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<RecommendationsQuery, RecommendationsQueryVariables>;
export const SegmentMembersDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SegmentMembers"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"members"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"traits"}},{"kind":"Field","name":{"kind":"Name","value":"tags"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SegmentMembersQuery, SegmentMembersQueryVariables>;
export const CreateTagDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateTag"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateTagInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createTag"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<CreateTagMutation, CreateTagMutationVariables>;
export const UsersPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UsersPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"users"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"traits"}},{"kind":"Field","name":{"kind":"Name","value":"identities"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<UsersPageQuery, UsersPageQueryVariables>;
export const UserByIdentityDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UserByIdentity"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"type"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"value"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userByIdentity"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"type"},"value":{"kind":"Variable","name":{"kind":"Name","value":"type"}}},{"kind":"Argument","name":{"kind":"Name","value":"value"},"value":{"kind":"Variable","name":{"kind":"Name","value":"value"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"traits"}}]}}]}}]} as unknown as DocumentNode<UserByIdentityQuery, UserByIdentityQueryVariables>;