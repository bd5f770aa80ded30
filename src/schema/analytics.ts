import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { TimeRangeInput } from "./metrics";
import { DateTime, JSONScalar } from "./scalars";

export enum FunnelMode {
  ORDERED = "ORDERED",
  STRICT = "STRICT",
  UNORDERED = "UNORDERED",
}
registerEnumType(FunnelMode, {
  name: "FunnelMode",
  description: "How a funnel's steps must follow each other",
  valuesConfig: {
    ORDERED: {
      description:
        "In the given order; other events may occur between steps (each step takes the first matching event after the previous step's)",
    },
    STRICT: { description: "In the given order, with none of the user's other events between steps" },
    UNORDERED: { description: "In any order, each step satisfied by a distinct event at or after the entry" },
  },
});

export enum WindowUnit {
  SECOND = "SECOND",
  MINUTE = "MINUTE",
  HOUR = "HOUR",
  DAY = "DAY",
  WEEK = "WEEK",
  MONTH = "MONTH",
}
registerEnumType(WindowUnit, {
  name: "WindowUnit",
  description: "Conversion window unit; a MONTH is 30 days",
  valuesConfig: {
    SECOND: { description: "1 second" },
    MINUTE: { description: "60 seconds" },
    HOUR: { description: "60 minutes" },
    DAY: { description: "24 hours" },
    WEEK: { description: "7 days" },
    MONTH: { description: "30 days (not a calendar month)" },
  },
});

export enum AnalysisPeriod {
  DAY = "DAY",
  WEEK = "WEEK",
  MONTH = "MONTH",
}
registerEnumType(AnalysisPeriod, {
  name: "AnalysisPeriod",
  description: "Period of retention and lifecycle, in the query's time zone; weeks start on Monday",
  valuesConfig: {
    DAY: { description: "Calendar day, from local midnight" },
    WEEK: { description: "ISO week, from Monday's local midnight" },
    MONTH: { description: "Calendar month, from the 1st's local midnight" },
  },
});

export enum RetentionType {
  FIRST_TIME = "FIRST_TIME",
  RECURRING = "RECURRING",
}
registerEnumType(RetentionType, {
  name: "RetentionType",
  description: "Which start events put a user in a cohort",
  valuesConfig: {
    FIRST_TIME: {
      description:
        "Only the user's first-ever start event: one cohort per user, for users whose first one is in the range",
    },
    RECURRING: { description: "Every period of the range in which the user did the start event" },
  },
});

/** What every analysis input also takes: a segment restriction and the time zone of its buckets. */
@InputType()
export abstract class AnalysisScopeInput {
  @Field(() => String, {
    nullable: true,
    description: "Only the current members of this active segment (its key); an unknown key is NOT_FOUND",
  })
  segment?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "IANA time zone of buckets and dates; default from config",
  })
  timezone?: string | null;
}

@InputType({ description: "One funnel step: an event, optionally with property equalities" })
export class FunnelStepInput {
  @Field(() => String, {
    description:
      "snake_case event name, e.g. add_to_cart; an event never seen counts 0 and is named in warnings",
  })
  event!: string;

  @Field(() => JSONScalar, {
    nullable: true,
    description:
      'Event property equalities that must all hold, e.g. {"category": "beauty"}; PII properties need PII access',
  })
  where?: Record<string, string | number | boolean | null> | null;
}

@InputType({
  description:
    "How long after entering the funnel (step 0) a user has to reach each later step; at most 366 days",
})
export class WindowInput {
  @Field(() => Int, { description: "A positive whole number of units" })
  value!: number;

  @Field(() => WindowUnit, { description: "Unit of value" })
  unit!: WindowUnit;
}

@InputType({ description: "An event that voids a funnel attempt when it happens between two steps" })
export class FunnelExclusionInput {
  @Field(() => String, { description: "snake_case event name" })
  event!: string;

  @Field(() => Int, {
    description: "0-based step after which the event voids the attempt (UNORDERED: must be 0)",
  })
  fromStep!: number;

  @Field(() => Int, {
    description: "0-based step before which the event voids the attempt (UNORDERED: must be the last step)",
  })
  toStep!: number;
}

@InputType({
  description:
    "A funnel (PostHog's semantics): users entering step 0 in timeRange and how far each got within the window. Each user counts once, at the furthest step of their best attempt; events with equal timestamps count in ingestion order",
})
export class FunnelInput extends AnalysisScopeInput {
  @Field(() => [FunnelStepInput], { description: "1 to 20 steps; step 0 is the entry" })
  steps!: FunnelStepInput[];

  @Field(() => WindowInput, {
    nullable: true,
    description: "Conversion window from the entry; default 14 DAY",
  })
  window?: WindowInput | null;

  @Field(() => FunnelMode, {
    nullable: true,
    defaultValue: FunnelMode.ORDERED,
    description: "How the steps must follow each other",
  })
  mode?: FunnelMode | null;

  @Field(() => TimeRangeInput, { description: "Entries into step 0 must fall in this range" })
  timeRange!: TimeRangeInput;

  @Field(() => [FunnelExclusionInput], {
    nullable: true,
    description:
      "Events that void an attempt between two steps; a user whose furthest attempts are all void is left out of the funnel",
  })
  exclusions?: FunnelExclusionInput[] | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Split the funnel by an event dimension of the entry event (channel, platform, utm_source, utm_campaign, category, product, event.<property>) or a user dimension (city, region, gender, age_band, signup_channel); PII keys need PII access",
  })
  breakdown?: string | null;
}

@ObjectType({ description: "Users whose time from one funnel step to the next fell in one bin" })
export class FunnelTimeBin {
  @Field(() => Int, {
    description:
      "Lower edge in seconds (inclusive): 0, 60, 300, 900, 3600, 21600, 86400, 259200, 604800 or 2592000",
  })
  fromSeconds!: number;

  @Field(() => Int, {
    nullable: true,
    description: "Upper edge in seconds (exclusive); null for the open last bin",
  })
  toSeconds!: number | null;

  @Field(() => Int, { description: "Users in the bin" })
  users!: number;
}

@ObjectType({ description: "One step of a funnel: the users who reached it and the conversion to it" })
export class FunnelStep {
  @Field(() => Int, { description: "Position of the step, from 0 (the entry)" })
  index!: number;

  @Field(() => String, { description: "The step's event name" })
  event!: string;

  @Field(() => Int, { description: "Users whose best attempt reached this step" })
  count!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "count / the previous step's count, a 0–1 fraction (1 for step 0); null when the previous step counts 0",
  })
  conversionFromPrevious!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "count / step 0's count, a 0–1 fraction; null when step 0 counts 0",
  })
  conversionFromStart!: number | null;

  @Field(() => Int, { description: "Users of the previous step who did not reach this one" })
  dropOff!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "Mean seconds from the previous step, over users who reached this one; null for step 0 and when nobody did",
  })
  avgTimeToConvertSeconds!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Median seconds from the previous step, over users who reached this one; null for step 0 and when nobody did",
  })
  medianTimeToConvertSeconds!: number | null;

  @Field(() => [FunnelTimeBin], {
    description:
      "Users who reached this step by time from the previous one, in bins from 0 up to the one holding the window's length (every bin, empty ones included); empty for step 0",
  })
  timeToConvert!: FunnelTimeBin[];
}

@ObjectType({ description: "The funnel of the users with one breakdown value" })
export class FunnelBreakdown {
  @Field(() => String, {
    nullable: true,
    description: "The value (of the user's entry event, or of the user); null for users without one",
  })
  value!: string | null;

  @Field(() => [FunnelStep], { description: "The steps, counted over these users only" })
  steps!: FunnelStep[];
}

@ObjectType({
  description: "A funnel's steps, overall and per breakdown value, and the SQL that computed them",
})
export class FunnelResult {
  @Field(() => [FunnelStep], { description: "Every step, over all users" })
  steps!: FunnelStep[];

  @Field(() => [FunnelBreakdown], {
    nullable: true,
    description: "One funnel per breakdown value; null without a breakdown",
  })
  breakdowns!: FunnelBreakdown[] | null;

  @Field(() => [String], {
    description:
      "Problems that do not stop the funnel, e.g. a step (0-based index) whose event has never been seen counts 0",
  })
  warnings!: string[];

  @Field(() => String, { description: "The compiled, parameterised SQL" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@InputType({
  description:
    "A retention analysis (PostHog's semantics): cohorts by start event, returns by return event, per period, everything observed inside timeRange",
})
export class RetentionInput extends AnalysisScopeInput {
  @Field(() => String, {
    description: "snake_case event that puts a user in a cohort; one never seen is BAD_USER_INPUT",
  })
  startEvent!: string;

  @Field(() => String, {
    description:
      "snake_case event that counts as coming back (may equal startEvent); one never seen is BAD_USER_INPUT",
  })
  returnEvent!: string;

  @Field(() => AnalysisPeriod, {
    nullable: true,
    defaultValue: AnalysisPeriod.WEEK,
    description: "Length of cohorts and return periods",
  })
  period?: AnalysisPeriod | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 11,
    description: "Periods per cohort including period 0; 1 to 60",
  })
  periods?: number | null;

  @Field(() => RetentionType, {
    nullable: true,
    defaultValue: RetentionType.FIRST_TIME,
    description: "Which start events put a user in a cohort",
  })
  type?: RetentionType | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: "Count a user in period k when they came back in period k or any later reported period",
  })
  cumulative?: boolean | null;

  @Field(() => TimeRangeInput, {
    description: "Cohorts are the periods of this range; return events after its end do not count",
  })
  timeRange!: TimeRangeInput;
}

@ObjectType({ description: "The users who did the start event in one period, and how many came back later" })
export class RetentionCohort {
  @Field(() => DateTime, { description: "Start of the cohort's period in the query's time zone (ISO 8601)" })
  start!: Date;

  @Field(() => Int, { description: "Users in the cohort" })
  size!: number;

  @Field(() => [Int], { description: "values[0] is the cohort size; values[k] the users back in period k" })
  values!: number[];

  @Field(() => [Float], {
    nullable: "items",
    description: "values / size, 0–1 fractions (percentages[0] is 1); null for an empty cohort",
  })
  percentages!: Array<number | null>;
}

@ObjectType({ description: "Retention over all cohorts" })
export class RetentionAverage {
  @Field(() => [Float], {
    nullable: "items",
    description:
      "Per period, a 0–1 fraction weighted by the size of the cohorts that reached it; null when those cohorts are empty",
  })
  percentages!: Array<number | null>;
}

@ObjectType({
  description:
    "Retention cohorts (a triangle: a period is reported once it has begun before the range's end), their average and the SQL",
})
export class RetentionResult {
  @Field(() => [RetentionCohort], {
    description: "One per period of the range, oldest first, empty ones included",
  })
  cohorts!: RetentionCohort[];

  @Field(() => RetentionAverage, { description: "The cohorts' weighted average per period" })
  average!: RetentionAverage;

  @Field(() => String, { description: "The compiled, parameterised SQL (one statement)" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@InputType({
  description:
    "A paths analysis (PostHog's semantics): the most common sequences of events within users' sessions; consecutive repeats of an event count as one step",
})
export class PathsInput extends AnalysisScopeInput {
  @Field(() => String, {
    nullable: true,
    description:
      "Paths begin at the session's first event of this name (sessions without it are left out); by default at the session's first event",
  })
  startEvent?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Paths end at the first event of this name after the start (sessions without it are left out); with endEvent alone, the steps leading up to it",
  })
  endEvent?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: 5, description: "Steps per path, 2 to 20" })
  maxSteps?: number | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 30,
    description: "A longer gap between two events of a user starts a new session; 1 to 1440 minutes",
  })
  sessionGapMinutes?: number | null;

  @Field(() => TimeRangeInput, { description: "Only events in this range count" })
  timeRange!: TimeRangeInput;

  @Field(() => [String], {
    nullable: true,
    description: "Event names left out of the paths entirely (not startEvent or endEvent)",
  })
  excludeEvents?: string[] | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 50,
    description: "Keep this many links, those with the most users; 1 to 1000",
  })
  topLinks?: number | null;
}

@ObjectType({ description: "One event at one step of the paths" })
export class PathNode {
  @Field(() => ID, { description: "<step>_<event>" })
  id!: string;

  @Field(() => Int, {
    description: "Position in the path, from 1 (with endEvent alone, the end event is step maxSteps)",
  })
  step!: number;

  @Field(() => String, { description: "The event name" })
  event!: string;

  @Field(() => Int, { description: "Distinct users with this event at this step" })
  users!: number;
}

@ObjectType({ description: "Users going from a node at one step to a node at the next step" })
export class PathLink {
  @Field(() => ID, { description: "id of the node at step n" })
  source!: string;

  @Field(() => ID, { description: "id of the node at step n + 1" })
  target!: string;

  @Field(() => Int, { description: "Distinct users who went this way" })
  users!: number;
}

@ObjectType({ description: "Paths as a Sankey diagram: nodes and the links with the most users" })
export class PathsResult {
  @Field(() => [PathNode], {
    description: "Nodes touched by a kept link (every node when there is no link), by step then users",
  })
  nodes!: PathNode[];

  @Field(() => [PathLink], { description: "The topLinks links with the most users, by step then users" })
  links!: PathLink[];

  @Field(() => String, { description: "The compiled, parameterised SQL (one statement)" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@InputType({
  description:
    "A lifecycle analysis (PostHog's semantics): per bucket, the users who did the event, as new, returning or resurrecting, and those who went dormant",
})
export class LifecycleInput extends AnalysisScopeInput {
  @Field(() => String, {
    description: "snake_case event that makes a user active; one never seen is BAD_USER_INPUT",
  })
  event!: string;

  @Field(() => AnalysisPeriod, {
    nullable: true,
    defaultValue: AnalysisPeriod.DAY,
    description: "Bucket size",
  })
  grain?: AnalysisPeriod | null;

  @Field(() => TimeRangeInput, { description: "The range whose buckets are reported" })
  timeRange!: TimeRangeInput;
}

@ObjectType({ description: "One bucket of a lifecycle analysis" })
export class LifecycleRow {
  @Field(() => DateTime, { description: "Bucket start in the query's time zone (ISO 8601)" })
  time!: Date;

  @Field(() => Int, { description: "Users whose first-ever such event is in the bucket" })
  new!: number;

  @Field(() => Int, { description: "Users active in the bucket and in the one before" })
  returning!: number;

  @Field(() => Int, {
    description: "Users active in the bucket, not in the one before, but at some earlier time",
  })
  resurrecting!: number;

  @Field(() => Int, { description: "Active in the bucket before but not in this one, as a negative count" })
  dormant!: number;
}

@ObjectType({ description: "A lifecycle analysis and the SQL that computed it" })
export class LifecycleResult {
  @Field(() => [LifecycleRow], {
    description: "Every bucket of the range, oldest first, empty ones included",
  })
  rows!: LifecycleRow[];

  @Field(() => String, { description: "The compiled, parameterised SQL (one statement)" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@ObjectType({ description: "One cell of the R×F grid" })
export class RfmCell {
  @Field(() => Int, { description: "Recency score, 1 to 5 (5: bought most recently)" })
  r!: number;

  @Field(() => Int, { description: "Frequency score, 1 to 5 (5: most orders)" })
  f!: number;

  @Field(() => String, {
    description: "The named RFM segment of these scores (as RfmSegmentSize.name), e.g. champions or at_risk",
  })
  segment!: string;

  @Field(() => Int, { description: "Customers with these two scores" })
  users!: number;
}

@ObjectType({ description: "The size of one named RFM segment" })
export class RfmSegmentSize {
  @Field(() => String, {
    description:
      "champions, loyal_customers, potential_loyalists, new_customers, promising, need_attention, about_to_sleep, at_risk, cannot_lose_them or hibernating",
  })
  name!: string;

  @Field(() => Int, { description: "Customers in the segment" })
  users!: number;

  @Field(() => Float, {
    nullable: true,
    description: "users / customers, a 0–1 fraction; null without customers",
  })
  share!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Mean monetary value (total amount of counted orders in the lookback) of its customers, in the deployment's currency; null when empty",
  })
  avgMonetary!: number | null;
}

@ObjectType({
  description:
    "RFM as of asOf over the lookback: each customer's recency, frequency and monetary value, scored 1 to 5 by rank among all customers (ties share a score)",
})
export class RfmResult {
  @Field(() => Int, { description: "Customers with ≥1 counted order in (asOf − lookback, asOf]" })
  customers!: number;

  @Field(() => [RfmCell], { description: "The 5×5 R×F grid" })
  grid!: RfmCell[];

  @Field(() => [RfmSegmentSize], { description: "Every named segment in a fixed order, empty ones included" })
  segments!: RfmSegmentSize[];

  @Field(() => String, { description: "The compiled, parameterised SQL (one statement)" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@ObjectType({ description: "RFM as of now over the default 365-day lookback" })
export class UserRfm {
  @Field(() => Int, { description: "Whole days since the customer's last counted order" })
  recencyDays!: number;

  @Field(() => Int, { description: "Counted orders in the lookback" })
  frequency!: number;

  @Field(() => Float, {
    description: "Total amount of those orders (refunds not deducted), in the deployment's currency",
  })
  monetary!: number;

  @Field(() => Int, { description: "Recency score, 1 to 5 (5: bought most recently)" })
  r!: number;

  @Field(() => Int, { description: "Frequency score, 1 to 5 (5: most orders)" })
  f!: number;

  @Field(() => Int, { description: "Monetary score, 1 to 5 (5: spent most)" })
  m!: number;

  @Field(() => String, { description: "The named RFM segment of (r, f), e.g. champions, at_risk" })
  segment!: string;
}

@ObjectType({ description: "Gaps from fromDays (inclusive) to toDays (exclusive)" })
export class RepurchaseHistogramBin {
  @Field(() => Float, { description: "Lower edge in days: 0, 1, 7, 14, 30, 60, 90, 180 or 365" })
  fromDays!: number;

  @Field(() => Float, { nullable: true, description: "Exclusive; null for the open last bin" })
  toDays!: number | null;

  @Field(() => Int, { description: "Gaps in the bin" })
  count!: number;
}

@ObjectType({
  description:
    "How long customers take to buy again: the gaps, in fractional days, between consecutive counted orders",
})
export class RepurchaseDistribution {
  @Field(() => Float, { nullable: true, description: "Median gap in days (continuous); null without gaps" })
  medianDays!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "First quartile of the gaps in days; null without gaps",
  })
  p25Days!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Third quartile of the gaps in days; null without gaps",
  })
  p75Days!: number | null;

  @Field(() => Int, { description: "Number of gaps between consecutive counted orders" })
  intervals!: number;

  @Field(() => [RepurchaseHistogramBin], { description: "Every bin, empty ones included" })
  histogram!: RepurchaseHistogramBin[];
}

@ObjectType({
  description:
    "The distribution for one category or brand: gaps between a customer's consecutive counted orders containing an item of it",
})
export class RepurchaseGroup extends RepurchaseDistribution {
  @Field(() => String, {
    nullable: true,
    description: "The category or brand; null for items of products without one",
  })
  value!: string | null;
}

@ObjectType({
  description:
    "Repurchase cycle: the gap between each counted order placed in the range and the same customer's previous counted order, whenever that was",
})
export class RepurchaseCycleResult {
  @Field(() => RepurchaseDistribution, { description: "Over all counted orders" })
  overall!: RepurchaseDistribution;

  @Field(() => [RepurchaseGroup], { description: "One per value of `by`; empty without by" })
  groups!: RepurchaseGroup[];

  @Field(() => String, { description: "The compiled, parameterised SQL (one statement)" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}
