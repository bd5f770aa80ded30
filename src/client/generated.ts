/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Period of retention and lifecycle, in the query's time zone; weeks start on Monday */
export type AnalysisPeriod =
  /** Calendar day, from local midnight */
  | 'DAY'
  /** Calendar month, from the 1st's local midnight */
  | 'MONTH'
  /** ISO week, from Monday's local midnight */
  | 'WEEK';

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

/** What each bucket is compared with (fills previous<Metric> and <metric>Change) */
export type ComparePeriod =
  /** The bucket as many buckets back as the range has (ALL: the equally long window before) */
  | 'PREVIOUS_PERIOD'
  /** The bucket one year back (52 weeks back for WEEK) */
  | 'PREVIOUS_YEAR';

/** The test of a variant against the control */
export type ComparisonTest =
  /** Welch's unequal-variances t-test (per-unit means) */
  | 'WELCH_T_TEST'
  /** Pooled two-proportion z-test (converted-style metrics) */
  | 'Z_TEST';

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

/** A lifecycle analysis (PostHog's semantics): per bucket, the users who did the event, as new, returning or resurrecting, and those who went dormant */
export type LifecycleInput = {
  /** snake_case event that makes a user active; one never seen is BAD_USER_INPUT */
  event: string;
  /** Bucket size */
  grain?: AnalysisPeriod | null | undefined;
  /** Only the current members of this active segment (its key); an unknown key is NOT_FOUND */
  segment?: string | null | undefined;
  /** The range whose buckets are reported */
  timeRange: TimeRangeInput;
  /** IANA time zone of buckets and dates; default from config */
  timezone?: string | null | undefined;
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

/** The time unit of a purchase model's parameters */
export type ModelUnit =
  /** Days */
  | 'DAY'
  /** Weeks (days / 7) */
  | 'WEEK';

/** A paths analysis (PostHog's semantics): the most common sequences of events within users' sessions; consecutive repeats of an event count as one step */
export type PathsInput = {
  /** Paths end at the first event of this name after the start (sessions without it are left out); with endEvent alone, the steps leading up to it */
  endEvent?: string | null | undefined;
  /** Event names left out of the paths entirely (not startEvent or endEvent) */
  excludeEvents?: Array<string> | null | undefined;
  /** Steps per path, 2 to 20 */
  maxSteps?: number | null | undefined;
  /** Only the current members of this active segment (its key); an unknown key is NOT_FOUND */
  segment?: string | null | undefined;
  /** A longer gap between two events of a user starts a new session; 1 to 1440 minutes */
  sessionGapMinutes?: number | null | undefined;
  /** Paths begin at the session's first event of this name (sessions without it are left out); by default at the session's first event */
  startEvent?: string | null | undefined;
  /** Only events in this range count */
  timeRange: TimeRangeInput;
  /** IANA time zone of buckets and dates; default from config */
  timezone?: string | null | undefined;
  /** Keep this many links, those with the most users; 1 to 1000 */
  topLinks?: number | null | undefined;
};

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

/** A retention analysis (PostHog's semantics): cohorts by start event, returns by return event, per period, everything observed inside timeRange */
export type RetentionInput = {
  /** Count a user in period k when they came back in period k or any later reported period */
  cumulative?: boolean | null | undefined;
  /** Length of cohorts and return periods */
  period?: AnalysisPeriod | null | undefined;
  /** Periods per cohort including period 0; 1 to 60 */
  periods?: number | null | undefined;
  /** snake_case event that counts as coming back (may equal startEvent); one never seen is BAD_USER_INPUT */
  returnEvent: string;
  /** Only the current members of this active segment (its key); an unknown key is NOT_FOUND */
  segment?: string | null | undefined;
  /** snake_case event that puts a user in a cohort; one never seen is BAD_USER_INPUT */
  startEvent: string;
  /** Cohorts are the periods of this range; return events after its end do not count */
  timeRange: TimeRangeInput;
  /** IANA time zone of buckets and dates; default from config */
  timezone?: string | null | undefined;
  /** Which start events put a user in a cohort */
  type?: RetentionType | null | undefined;
};

/** Which start events put a user in a cohort */
export type RetentionType =
  /** Only the user's first-ever start event: one cohort per user, for users whose first one is in the range */
  | 'FIRST_TIME'
  /** Every period of the range in which the user did the start event */
  | 'RECURRING';

/** How a segment's members are decided; fixed when the segment is created */
export type SegmentKind =
  /** Members are the users matching a rule, recomputed at creation, on a rule change and on every refresh */
  | 'DYNAMIC'
  /** A fixed list: uploaded user ids or identities, or a snapshot of another segment; never refreshed */
  | 'STATIC';

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

/** Time bucket size, in the query's time zone; weeks start on Monday */
export type TimeGrain =
  /** The whole range as one bucket, starting at its `from` */
  | 'ALL'
  /** Calendar day, from local midnight */
  | 'DAY'
  /** Clock hour */
  | 'HOUR'
  /** Calendar month */
  | 'MONTH'
  /** Calendar quarter (January, April, July, October) */
  | 'QUARTER'
  /** ISO week, from Monday */
  | 'WEEK'
  /** Calendar year */
  | 'YEAR';

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

export type DashboardCatalogQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardCatalogQuery = { metricCatalog: Array<{ key: string, field: string, unit: MetricUnit, kind: MetricKind, supportedDimensions: Array<string>, labels: { en: string, zh: string } }>, dimensionCatalog: Array<{ key: string, field: string, labels: { en: string, zh: string } }>, segments: Array<{ key: string, name: string, kind: SegmentKind, size: number, rule: string | null, refreshedAt: string | null }>, tags: Array<{ key: string, name: string, category: TagCategory, kind: TagKind, userCount: number, refreshedAt: string | null }> };

export type OverviewCardsQueryVariables = Exact<{
  timeRange: TimeRangeInput;
  segment?: string | null | undefined;
  compareTo?: ComparePeriod | null | undefined;
}>;


export type OverviewCardsQuery = { total: { rows: Array<{ gmv: number | null, previousGmv: number | null, gmvChange: number | null, orders: number | null, previousOrders: number | null, ordersChange: number | null, buyers: number | null, previousBuyers: number | null, buyersChange: number | null, visitors: number | null, previousVisitors: number | null, visitorsChange: number | null, aov: number | null, previousAov: number | null, aovChange: number | null, conversionRate: number | null, previousConversionRate: number | null, conversionRateChange: number | null, repurchaseRate: number | null, previousRepurchaseRate: number | null, repurchaseRateChange: number | null, netRevenue: number | null, previousNetRevenue: number | null, netRevenueChange: number | null }> }, daily: { rows: Array<{ time: string, gmv: number | null, orders: number | null, buyers: number | null, visitors: number | null, aov: number | null, conversionRate: number | null, repurchaseRate: number | null, netRevenue: number | null }> } };

export type TrendQueryVariables = Exact<{
  timeRange: TimeRangeInput;
  grain: TimeGrain;
  segment?: string | null | undefined;
  gmv?: boolean | null | undefined;
  orders?: boolean | null | undefined;
  buyers?: boolean | null | undefined;
  visitors?: boolean | null | undefined;
  aov?: boolean | null | undefined;
  conversionRate?: boolean | null | undefined;
  repurchaseRate?: boolean | null | undefined;
  netRevenue?: boolean | null | undefined;
  channel?: boolean | null | undefined;
  platform?: boolean | null | undefined;
  region?: boolean | null | undefined;
  city?: boolean | null | undefined;
  gender?: boolean | null | undefined;
  ageBand?: boolean | null | undefined;
  signupChannel?: boolean | null | undefined;
  category?: boolean | null | undefined;
  brand?: boolean | null | undefined;
  rfmSegment?: boolean | null | undefined;
}>;


export type TrendQuery = { metrics: { rows: Array<{ time: string, gmv?: number | null, orders?: number | null, buyers?: number | null, visitors?: number | null, aov?: number | null, conversionRate?: number | null, repurchaseRate?: number | null, netRevenue?: number | null, channel?: string | null, platform?: string | null, region?: string | null, city?: string | null, gender?: string | null, ageBand?: string | null, signupChannel?: string | null, category?: string | null, brand?: string | null, rfmSegment?: string | null }> } };

export type DashboardFunnelQueryVariables = Exact<{
  input: FunnelInput;
}>;


export type DashboardFunnelQuery = { funnel: { steps: Array<{ index: number, event: string, count: number, conversionFromPrevious: number | null, conversionFromStart: number | null, dropOff: number, medianTimeToConvertSeconds: number | null, timeToConvert: Array<{ fromSeconds: number, toSeconds: number | null, users: number }> }>, breakdowns: Array<{ value: string | null, steps: Array<{ index: number, count: number, conversionFromStart: number | null }> }> | null } };

export type DashboardRetentionQueryVariables = Exact<{
  input: RetentionInput;
}>;


export type DashboardRetentionQuery = { retention: { cohorts: Array<{ start: string, size: number, percentages: Array<number | null> }>, average: { percentages: Array<number | null> } } };

export type DashboardRfmQueryVariables = Exact<{
  segment?: string | null | undefined;
}>;


export type DashboardRfmQuery = { rfm: { customers: number, grid: Array<{ r: number, f: number, segment: string, users: number }>, segments: Array<{ name: string, users: number, share: number | null, avgMonetary: number | null }> } };

export type DashboardPathsQueryVariables = Exact<{
  input: PathsInput;
}>;


export type DashboardPathsQuery = { paths: { nodes: Array<{ id: string, step: number, event: string, users: number }>, links: Array<{ source: string, target: string, users: number }> } };

export type DashboardLifecycleQueryVariables = Exact<{
  input: LifecycleInput;
}>;


export type DashboardLifecycleQuery = { lifecycle: { rows: Array<{ time: string, new: number, returning: number, resurrecting: number, dormant: number }> } };

export type DashboardRepurchaseQueryVariables = Exact<{
  timeRange: TimeRangeInput;
  segment?: string | null | undefined;
}>;


export type DashboardRepurchaseQuery = { repurchaseCycle: { overall: { medianDays: number | null, p25Days: number | null, p75Days: number | null, intervals: number, histogram: Array<{ fromDays: number, toDays: number | null, count: number }> } } };

export type DashboardMembersQueryVariables = Exact<{
  key: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type DashboardMembersQuery = { segment: { key: string, name: string, size: number, members: { totalCount: number, edges: Array<{ node: { id: string, lastSeenAt: string, traits: unknown, identities: Array<{ type: string, value: string }> } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } } | null };

export type DashboardRulePreviewQueryVariables = Exact<{
  rule: string;
}>;


export type DashboardRulePreviewQuery = { previewRule: { valid: boolean, matchingUsers: number, errors: Array<{ message: string, line: number, column: number }> } };

export type DashboardSegmentOverlapQueryVariables = Exact<{
  key: string;
  others: Array<string> | string;
}>;


export type DashboardSegmentOverlapQuery = { segment: { key: string, overlap: Array<{ key: string, otherKey: string, size: number }> } | null };

export type DashboardSegmentHistoryQueryVariables = Exact<{
  key: string;
  timeRange: TimeRangeInput;
}>;


export type DashboardSegmentHistoryQuery = { segment: { key: string, sizeHistory: Array<{ at: string, size: number }> } | null };

export type DashboardExperimentsQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardExperimentsQuery = { experiments: Array<{ key: string, name: string, control: string, primaryMetric: string, metrics: Array<string>, start: string | null, end: string | null }> };

export type DashboardExperimentResultsQueryVariables = Exact<{
  key: string;
}>;


export type DashboardExperimentResultsQuery = { experimentResults: { key: string, excludedUnits: number, sampleSizePerVariant: number | null, srm: { chiSquare: number, pValue: number, warning: boolean }, variants: Array<{ key: string, weight: number, units: number, conversions: number, conversionRate: number | null, absoluteLift: number | null, relativeLift: number | null, pValue: number | null, ci95: { low: number, high: number } | null, metrics: Array<{ metric: string, test: ComparisonTest, mean: number | null, absoluteLift: number | null, relativeLift: number | null, pValue: number | null, adjustedPValue: number | null, ci95: { low: number, high: number } | null, relativeCi95: { low: number, high: number } | null }> }> } };

export type DashboardCampaignsQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardCampaignsQuery = { campaigns: Array<{ key: string, name: string, channel: string, segment: string, launchedAt: string | null }> };

export type DashboardCampaignResultsQueryVariables = Exact<{
  key: string;
}>;


export type DashboardCampaignResultsQuery = { campaignResults: { key: string, audience: number, treated: number, holdout: number, sent: number, delivered: number, opened: number, clicked: number, holdoutTouched: number, incrementalConversions: number | null, incrementalRevenue: number | null, absoluteLift: number | null, pValue: number | null, cost: number, roi: number | null, conversions: { treated: number, holdout: number }, conversionRate: { treated: number | null, holdout: number | null }, absoluteCi95: { low: number, high: number } | null, daily: Array<{ day: string, sent: number, opened: number, clicked: number, conversions: { treated: number, holdout: number } }> } };

export type DashboardPredictionQueryVariables = Exact<{
  key: string;
  holdoutEnd: unknown;
  timeRange: TimeRangeInput;
}>;


export type DashboardPredictionQuery = { purchaseModel: { key: string, version: number, fittedAt: string, calibrationEnd: unknown, unit: ModelUnit, customers: number, repeatCustomers: number, riskThresholds: { medium: number, high: number }, holdout: { predictedTotal: number, actualTotal: number, periods: Array<{ start: unknown, predicted: number, actual: number }>, riskBands: Array<{ band: string, customers: number, predicted: number, actual: number }> } } | null, metrics: { rows: Array<{ riskBand: string | null, buyers: number | null, gmv: number | null }> } };

export type DashboardTagOverlapQueryVariables = Exact<{
  key: string;
  others: Array<string> | string;
}>;


export type DashboardTagOverlapQuery = { tag: { key: string, overlap: Array<{ key: string, otherKey: string, size: number }> } | null };

export type DashboardTagHistoryQueryVariables = Exact<{
  key: string;
  timeRange: TimeRangeInput;
}>;


export type DashboardTagHistoryQuery = { tag: { key: string, sizeHistory: Array<{ at: string, size: number }> } | null };

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
export const DashboardCatalogDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardCatalog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metricCatalog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"labels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"en"}},{"kind":"Field","name":{"kind":"Name","value":"zh"}}]}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"supportedDimensions"}}]}},{"kind":"Field","name":{"kind":"Name","value":"dimensionCatalog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"labels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"en"}},{"kind":"Field","name":{"kind":"Name","value":"zh"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"segments"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"EnumValue","value":"ACTIVE"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"rule"}},{"kind":"Field","name":{"kind":"Name","value":"refreshedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tags"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"EnumValue","value":"ACTIVE"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"userCount"}},{"kind":"Field","name":{"kind":"Name","value":"refreshedAt"}}]}}]}}]} as unknown as DocumentNode<DashboardCatalogQuery, DashboardCatalogQueryVariables>;
export const OverviewCardsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OverviewCards"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TimeRangeInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"segment"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"compareTo"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ComparePeriod"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"total"},"name":{"kind":"Name","value":"metrics"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"timeRange"},"value":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}}},{"kind":"Argument","name":{"kind":"Name","value":"grain"},"value":{"kind":"EnumValue","value":"ALL"}},{"kind":"Argument","name":{"kind":"Name","value":"segment"},"value":{"kind":"Variable","name":{"kind":"Name","value":"segment"}}},{"kind":"Argument","name":{"kind":"Name","value":"compareTo"},"value":{"kind":"Variable","name":{"kind":"Name","value":"compareTo"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gmv"}},{"kind":"Field","name":{"kind":"Name","value":"previousGmv"}},{"kind":"Field","name":{"kind":"Name","value":"gmvChange"}},{"kind":"Field","name":{"kind":"Name","value":"orders"}},{"kind":"Field","name":{"kind":"Name","value":"previousOrders"}},{"kind":"Field","name":{"kind":"Name","value":"ordersChange"}},{"kind":"Field","name":{"kind":"Name","value":"buyers"}},{"kind":"Field","name":{"kind":"Name","value":"previousBuyers"}},{"kind":"Field","name":{"kind":"Name","value":"buyersChange"}},{"kind":"Field","name":{"kind":"Name","value":"visitors"}},{"kind":"Field","name":{"kind":"Name","value":"previousVisitors"}},{"kind":"Field","name":{"kind":"Name","value":"visitorsChange"}},{"kind":"Field","name":{"kind":"Name","value":"aov"}},{"kind":"Field","name":{"kind":"Name","value":"previousAov"}},{"kind":"Field","name":{"kind":"Name","value":"aovChange"}},{"kind":"Field","name":{"kind":"Name","value":"conversionRate"}},{"kind":"Field","name":{"kind":"Name","value":"previousConversionRate"}},{"kind":"Field","name":{"kind":"Name","value":"conversionRateChange"}},{"kind":"Field","name":{"kind":"Name","value":"repurchaseRate"}},{"kind":"Field","name":{"kind":"Name","value":"previousRepurchaseRate"}},{"kind":"Field","name":{"kind":"Name","value":"repurchaseRateChange"}},{"kind":"Field","name":{"kind":"Name","value":"netRevenue"}},{"kind":"Field","name":{"kind":"Name","value":"previousNetRevenue"}},{"kind":"Field","name":{"kind":"Name","value":"netRevenueChange"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"daily"},"name":{"kind":"Name","value":"metrics"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"timeRange"},"value":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}}},{"kind":"Argument","name":{"kind":"Name","value":"grain"},"value":{"kind":"EnumValue","value":"DAY"}},{"kind":"Argument","name":{"kind":"Name","value":"segment"},"value":{"kind":"Variable","name":{"kind":"Name","value":"segment"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"time"}},{"kind":"Field","name":{"kind":"Name","value":"gmv"}},{"kind":"Field","name":{"kind":"Name","value":"orders"}},{"kind":"Field","name":{"kind":"Name","value":"buyers"}},{"kind":"Field","name":{"kind":"Name","value":"visitors"}},{"kind":"Field","name":{"kind":"Name","value":"aov"}},{"kind":"Field","name":{"kind":"Name","value":"conversionRate"}},{"kind":"Field","name":{"kind":"Name","value":"repurchaseRate"}},{"kind":"Field","name":{"kind":"Name","value":"netRevenue"}}]}}]}}]}}]} as unknown as DocumentNode<OverviewCardsQuery, OverviewCardsQueryVariables>;
export const TrendDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Trend"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TimeRangeInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"grain"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TimeGrain"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"segment"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"gmv"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"orders"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"buyers"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"visitors"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"aov"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"conversionRate"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"repurchaseRate"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"netRevenue"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"channel"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"platform"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"region"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"city"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"gender"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ageBand"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"signupChannel"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"category"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"brand"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"rfmSegment"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":false}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metrics"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"timeRange"},"value":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}}},{"kind":"Argument","name":{"kind":"Name","value":"grain"},"value":{"kind":"Variable","name":{"kind":"Name","value":"grain"}}},{"kind":"Argument","name":{"kind":"Name","value":"segment"},"value":{"kind":"Variable","name":{"kind":"Name","value":"segment"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"time"}},{"kind":"Field","name":{"kind":"Name","value":"gmv"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"gmv"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"orders"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"orders"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"buyers"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"buyers"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"visitors"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"visitors"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"aov"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"aov"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"conversionRate"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"conversionRate"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"repurchaseRate"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"repurchaseRate"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"netRevenue"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"netRevenue"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"channel"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"channel"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"platform"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"platform"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"region"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"region"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"city"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"city"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"gender"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"gender"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"ageBand"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ageBand"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"signupChannel"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"signupChannel"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"category"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"category"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"brand"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"brand"}}}]}]},{"kind":"Field","name":{"kind":"Name","value":"rfmSegment"},"directives":[{"kind":"Directive","name":{"kind":"Name","value":"include"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"if"},"value":{"kind":"Variable","name":{"kind":"Name","value":"rfmSegment"}}}]}]}]}}]}}]}}]} as unknown as DocumentNode<TrendQuery, TrendQueryVariables>;
export const DashboardFunnelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardFunnel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"FunnelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"funnel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"conversionFromPrevious"}},{"kind":"Field","name":{"kind":"Name","value":"conversionFromStart"}},{"kind":"Field","name":{"kind":"Name","value":"dropOff"}},{"kind":"Field","name":{"kind":"Name","value":"medianTimeToConvertSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"timeToConvert"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"toSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"users"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"breakdowns"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"conversionFromStart"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardFunnelQuery, DashboardFunnelQueryVariables>;
export const DashboardRetentionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardRetention"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RetentionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retention"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cohorts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"percentages"}}]}},{"kind":"Field","name":{"kind":"Name","value":"average"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"percentages"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardRetentionQuery, DashboardRetentionQueryVariables>;
export const DashboardRfmDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardRfm"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"segment"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rfm"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"segment"},"value":{"kind":"Variable","name":{"kind":"Name","value":"segment"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"customers"}},{"kind":"Field","name":{"kind":"Name","value":"grid"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"r"}},{"kind":"Field","name":{"kind":"Name","value":"f"}},{"kind":"Field","name":{"kind":"Name","value":"segment"}},{"kind":"Field","name":{"kind":"Name","value":"users"}}]}},{"kind":"Field","name":{"kind":"Name","value":"segments"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"share"}},{"kind":"Field","name":{"kind":"Name","value":"avgMonetary"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardRfmQuery, DashboardRfmQueryVariables>;
export const DashboardPathsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardPaths"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PathsInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paths"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"step"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"users"}}]}},{"kind":"Field","name":{"kind":"Name","value":"links"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"users"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardPathsQuery, DashboardPathsQueryVariables>;
export const DashboardLifecycleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardLifecycle"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LifecycleInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lifecycle"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"time"}},{"kind":"Field","name":{"kind":"Name","value":"new"}},{"kind":"Field","name":{"kind":"Name","value":"returning"}},{"kind":"Field","name":{"kind":"Name","value":"resurrecting"}},{"kind":"Field","name":{"kind":"Name","value":"dormant"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardLifecycleQuery, DashboardLifecycleQueryVariables>;
export const DashboardRepurchaseDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardRepurchase"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TimeRangeInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"segment"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repurchaseCycle"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"timeRange"},"value":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}}},{"kind":"Argument","name":{"kind":"Name","value":"segment"},"value":{"kind":"Variable","name":{"kind":"Name","value":"segment"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"overall"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"medianDays"}},{"kind":"Field","name":{"kind":"Name","value":"p25Days"}},{"kind":"Field","name":{"kind":"Name","value":"p75Days"}},{"kind":"Field","name":{"kind":"Name","value":"intervals"}},{"kind":"Field","name":{"kind":"Name","value":"histogram"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromDays"}},{"kind":"Field","name":{"kind":"Name","value":"toDays"}},{"kind":"Field","name":{"kind":"Name","value":"count"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardRepurchaseQuery, DashboardRepurchaseQueryVariables>;
export const DashboardMembersDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardMembers"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"last"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"before"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"members"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"Variable","name":{"kind":"Name","value":"last"}}},{"kind":"Argument","name":{"kind":"Name","value":"before"},"value":{"kind":"Variable","name":{"kind":"Name","value":"before"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"traits"}},{"kind":"Field","name":{"kind":"Name","value":"identities"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardMembersQuery, DashboardMembersQueryVariables>;
export const DashboardRulePreviewDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardRulePreview"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"rule"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"previewRule"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"rule"},"value":{"kind":"Variable","name":{"kind":"Name","value":"rule"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"valid"}},{"kind":"Field","name":{"kind":"Name","value":"errors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"line"}},{"kind":"Field","name":{"kind":"Name","value":"column"}}]}},{"kind":"Field","name":{"kind":"Name","value":"matchingUsers"}}]}}]}}]} as unknown as DocumentNode<DashboardRulePreviewQuery, DashboardRulePreviewQueryVariables>;
export const DashboardSegmentOverlapDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardSegmentOverlap"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"others"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"overlap"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"with"},"value":{"kind":"Variable","name":{"kind":"Name","value":"others"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"otherKey"}},{"kind":"Field","name":{"kind":"Name","value":"size"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardSegmentOverlapQuery, DashboardSegmentOverlapQueryVariables>;
export const DashboardSegmentHistoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardSegmentHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TimeRangeInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"sizeHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"timeRange"},"value":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"size"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardSegmentHistoryQuery, DashboardSegmentHistoryQueryVariables>;
export const DashboardExperimentsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardExperiments"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"experiments"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"EnumValue","value":"ACTIVE"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"control"}},{"kind":"Field","name":{"kind":"Name","value":"primaryMetric"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"}},{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}}]}}]}}]} as unknown as DocumentNode<DashboardExperimentsQuery, DashboardExperimentsQueryVariables>;
export const DashboardExperimentResultsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardExperimentResults"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"experimentResults"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"excludedUnits"}},{"kind":"Field","name":{"kind":"Name","value":"sampleSizePerVariant"}},{"kind":"Field","name":{"kind":"Name","value":"srm"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"chiSquare"}},{"kind":"Field","name":{"kind":"Name","value":"pValue"}},{"kind":"Field","name":{"kind":"Name","value":"warning"}}]}},{"kind":"Field","name":{"kind":"Name","value":"variants"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}},{"kind":"Field","name":{"kind":"Name","value":"units"}},{"kind":"Field","name":{"kind":"Name","value":"conversions"}},{"kind":"Field","name":{"kind":"Name","value":"conversionRate"}},{"kind":"Field","name":{"kind":"Name","value":"absoluteLift"}},{"kind":"Field","name":{"kind":"Name","value":"relativeLift"}},{"kind":"Field","name":{"kind":"Name","value":"ci95"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"low"}},{"kind":"Field","name":{"kind":"Name","value":"high"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pValue"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metric"}},{"kind":"Field","name":{"kind":"Name","value":"test"}},{"kind":"Field","name":{"kind":"Name","value":"mean"}},{"kind":"Field","name":{"kind":"Name","value":"absoluteLift"}},{"kind":"Field","name":{"kind":"Name","value":"ci95"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"low"}},{"kind":"Field","name":{"kind":"Name","value":"high"}}]}},{"kind":"Field","name":{"kind":"Name","value":"relativeLift"}},{"kind":"Field","name":{"kind":"Name","value":"relativeCi95"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"low"}},{"kind":"Field","name":{"kind":"Name","value":"high"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pValue"}},{"kind":"Field","name":{"kind":"Name","value":"adjustedPValue"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardExperimentResultsQuery, DashboardExperimentResultsQueryVariables>;
export const DashboardCampaignsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardCampaigns"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"campaigns"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"EnumValue","value":"ACTIVE"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"segment"}},{"kind":"Field","name":{"kind":"Name","value":"launchedAt"}}]}}]}}]} as unknown as DocumentNode<DashboardCampaignsQuery, DashboardCampaignsQueryVariables>;
export const DashboardCampaignResultsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardCampaignResults"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"campaignResults"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"audience"}},{"kind":"Field","name":{"kind":"Name","value":"treated"}},{"kind":"Field","name":{"kind":"Name","value":"holdout"}},{"kind":"Field","name":{"kind":"Name","value":"sent"}},{"kind":"Field","name":{"kind":"Name","value":"delivered"}},{"kind":"Field","name":{"kind":"Name","value":"opened"}},{"kind":"Field","name":{"kind":"Name","value":"clicked"}},{"kind":"Field","name":{"kind":"Name","value":"holdoutTouched"}},{"kind":"Field","name":{"kind":"Name","value":"conversions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"treated"}},{"kind":"Field","name":{"kind":"Name","value":"holdout"}}]}},{"kind":"Field","name":{"kind":"Name","value":"conversionRate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"treated"}},{"kind":"Field","name":{"kind":"Name","value":"holdout"}}]}},{"kind":"Field","name":{"kind":"Name","value":"incrementalConversions"}},{"kind":"Field","name":{"kind":"Name","value":"incrementalRevenue"}},{"kind":"Field","name":{"kind":"Name","value":"absoluteLift"}},{"kind":"Field","name":{"kind":"Name","value":"absoluteCi95"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"low"}},{"kind":"Field","name":{"kind":"Name","value":"high"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pValue"}},{"kind":"Field","name":{"kind":"Name","value":"cost"}},{"kind":"Field","name":{"kind":"Name","value":"roi"}},{"kind":"Field","name":{"kind":"Name","value":"daily"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"day"}},{"kind":"Field","name":{"kind":"Name","value":"sent"}},{"kind":"Field","name":{"kind":"Name","value":"opened"}},{"kind":"Field","name":{"kind":"Name","value":"clicked"}},{"kind":"Field","name":{"kind":"Name","value":"conversions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"treated"}},{"kind":"Field","name":{"kind":"Name","value":"holdout"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardCampaignResultsQuery, DashboardCampaignResultsQueryVariables>;
export const DashboardPredictionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardPrediction"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"holdoutEnd"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Date"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TimeRangeInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"purchaseModel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"fittedAt"}},{"kind":"Field","name":{"kind":"Name","value":"calibrationEnd"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"customers"}},{"kind":"Field","name":{"kind":"Name","value":"repeatCustomers"}},{"kind":"Field","name":{"kind":"Name","value":"riskThresholds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"medium"}},{"kind":"Field","name":{"kind":"Name","value":"high"}}]}},{"kind":"Field","name":{"kind":"Name","value":"holdout"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"end"},"value":{"kind":"Variable","name":{"kind":"Name","value":"holdoutEnd"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"predictedTotal"}},{"kind":"Field","name":{"kind":"Name","value":"actualTotal"}},{"kind":"Field","name":{"kind":"Name","value":"periods"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"predicted"}},{"kind":"Field","name":{"kind":"Name","value":"actual"}}]}},{"kind":"Field","name":{"kind":"Name","value":"riskBands"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"band"}},{"kind":"Field","name":{"kind":"Name","value":"customers"}},{"kind":"Field","name":{"kind":"Name","value":"predicted"}},{"kind":"Field","name":{"kind":"Name","value":"actual"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"timeRange"},"value":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}}},{"kind":"Argument","name":{"kind":"Name","value":"grain"},"value":{"kind":"EnumValue","value":"ALL"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"riskBand"}},{"kind":"Field","name":{"kind":"Name","value":"buyers"}},{"kind":"Field","name":{"kind":"Name","value":"gmv"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardPredictionQuery, DashboardPredictionQueryVariables>;
export const DashboardTagOverlapDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardTagOverlap"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"others"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tag"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"overlap"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"with"},"value":{"kind":"Variable","name":{"kind":"Name","value":"others"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"otherKey"}},{"kind":"Field","name":{"kind":"Name","value":"size"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardTagOverlapQuery, DashboardTagOverlapQueryVariables>;
export const DashboardTagHistoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DashboardTagHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TimeRangeInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tag"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"sizeHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"timeRange"},"value":{"kind":"Variable","name":{"kind":"Name","value":"timeRange"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"size"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardTagHistoryQuery, DashboardTagHistoryQueryVariables>;
export const DailyGmvByChannelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DailyGmvByChannel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"timezone"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metrics"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"timeRange"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}]}},{"kind":"Argument","name":{"kind":"Name","value":"grain"},"value":{"kind":"EnumValue","value":"DAY"}},{"kind":"Argument","name":{"kind":"Name","value":"timezone"},"value":{"kind":"Variable","name":{"kind":"Name","value":"timezone"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"time"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"gmv"}},{"kind":"Field","name":{"kind":"Name","value":"orders"}},{"kind":"Field","name":{"kind":"Name","value":"buyers"}},{"kind":"Field","name":{"kind":"Name","value":"conversionRate"}}]}},{"kind":"Field","name":{"kind":"Name","value":"sql"}}]}}]}}]} as unknown as DocumentNode<DailyGmvByChannelQuery, DailyGmvByChannelQueryVariables>;
export const MetricCatalogDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MetricCatalog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metricCatalog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"labels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"en"}},{"kind":"Field","name":{"kind":"Name","value":"zh"}}]}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"supportedDimensions"}}]}}]}}]} as unknown as DocumentNode<MetricCatalogQuery, MetricCatalogQueryVariables>;
export const RecommendationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Recommendations"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"context"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"RecommendationContextInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recommendations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"context"},"value":{"kind":"Variable","name":{"kind":"Name","value":"context"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"product"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"price"}}]}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"reason"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"segment"}},{"kind":"Field","name":{"kind":"Name","value":"because"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<RecommendationsQuery, RecommendationsQueryVariables>;
export const SegmentMembersDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SegmentMembers"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"segment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"members"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"traits"}},{"kind":"Field","name":{"kind":"Name","value":"tags"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SegmentMembersQuery, SegmentMembersQueryVariables>;
export const CreateTagDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateTag"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateTagInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createTag"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<CreateTagMutation, CreateTagMutationVariables>;
export const UsersPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UsersPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"users"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"traits"}},{"kind":"Field","name":{"kind":"Name","value":"identities"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<UsersPageQuery, UsersPageQueryVariables>;
export const UserByIdentityDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UserByIdentity"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"type"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"value"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"userByIdentity"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"type"},"value":{"kind":"Variable","name":{"kind":"Name","value":"type"}}},{"kind":"Argument","name":{"kind":"Name","value":"value"},"value":{"kind":"Variable","name":{"kind":"Name","value":"value"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"traits"}}]}}]}}]} as unknown as DocumentNode<UserByIdentityQuery, UserByIdentityQueryVariables>;