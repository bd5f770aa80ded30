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
  description:
    "ORDERED: other events may occur between steps; STRICT: none of the user's events may; UNORDERED: steps in any order",
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
});

export enum AnalysisPeriod {
  DAY = "DAY",
  WEEK = "WEEK",
  MONTH = "MONTH",
}
registerEnumType(AnalysisPeriod, {
  name: "AnalysisPeriod",
  description: "Period of retention and lifecycle, in the query's time zone; weeks start on Monday",
});

export enum RetentionType {
  FIRST_TIME = "FIRST_TIME",
  RECURRING = "RECURRING",
}
registerEnumType(RetentionType, {
  name: "RetentionType",
  description:
    "FIRST_TIME: cohort of each user's first-ever start event; RECURRING: every period with a start event",
});

/** What every analysis input also takes: a segment restriction and the time zone of its buckets. */
@InputType()
export abstract class AnalysisScopeInput {
  @Field(() => String, { nullable: true, description: "Only members of this segment" })
  segment?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "IANA time zone of buckets and dates; default from config",
  })
  timezone?: string | null;
}

@InputType()
export class FunnelStepInput {
  @Field(() => String)
  event!: string;

  @Field(() => JSONScalar, {
    nullable: true,
    description: 'Event property equalities, e.g. {"category": "beauty"}',
  })
  where?: Record<string, string | number | boolean | null> | null;
}

@InputType()
export class WindowInput {
  @Field(() => Int)
  value!: number;

  @Field(() => WindowUnit)
  unit!: WindowUnit;
}

@InputType()
export class FunnelExclusionInput {
  @Field(() => String)
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
  description: "A funnel: PostHog's semantics (see docs for equal timestamps and attempts)",
})
export class FunnelInput extends AnalysisScopeInput {
  @Field(() => [FunnelStepInput])
  steps!: FunnelStepInput[];

  @Field(() => WindowInput, {
    nullable: true,
    description: "Conversion window from the entry; default 14 DAY",
  })
  window?: WindowInput | null;

  @Field(() => FunnelMode, { nullable: true, defaultValue: FunnelMode.ORDERED })
  mode?: FunnelMode | null;

  @Field(() => TimeRangeInput, { description: "Entries into step 0 must fall in this range" })
  timeRange!: TimeRangeInput;

  @Field(() => [FunnelExclusionInput], { nullable: true })
  exclusions?: FunnelExclusionInput[] | null;

  @Field(() => String, {
    nullable: true,
    description:
      "An event dimension (of the entry event, e.g. channel, event.<property>) or a user dimension (city …)",
  })
  breakdown?: string | null;
}

@ObjectType()
export class FunnelStep {
  @Field(() => Int)
  index!: number;

  @Field(() => String)
  event!: string;

  @Field(() => Int, { description: "Users whose best attempt reached this step" })
  count!: number;

  @Field(() => Float, { nullable: true })
  conversionFromPrevious!: number | null;

  @Field(() => Float, { nullable: true })
  conversionFromStart!: number | null;

  @Field(() => Int, { description: "Users of the previous step who did not reach this one" })
  dropOff!: number;

  @Field(() => Float, {
    nullable: true,
    description: "From the previous step, over users who reached this one",
  })
  avgTimeToConvertSeconds!: number | null;

  @Field(() => Float, { nullable: true })
  medianTimeToConvertSeconds!: number | null;
}

@ObjectType()
export class FunnelBreakdown {
  @Field(() => String, { nullable: true })
  value!: string | null;

  @Field(() => [FunnelStep])
  steps!: FunnelStep[];
}

@ObjectType()
export class FunnelResult {
  @Field(() => [FunnelStep])
  steps!: FunnelStep[];

  @Field(() => [FunnelBreakdown], { nullable: true })
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

@InputType()
export class RetentionInput extends AnalysisScopeInput {
  @Field(() => String)
  startEvent!: string;

  @Field(() => String)
  returnEvent!: string;

  @Field(() => AnalysisPeriod, { nullable: true, defaultValue: AnalysisPeriod.WEEK })
  period?: AnalysisPeriod | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 11,
    description: "Periods per cohort including period 0; ≤ 60",
  })
  periods?: number | null;

  @Field(() => RetentionType, { nullable: true, defaultValue: RetentionType.FIRST_TIME })
  type?: RetentionType | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: "Count returns in period k or later",
  })
  cumulative?: boolean | null;

  @Field(() => TimeRangeInput)
  timeRange!: TimeRangeInput;
}

@ObjectType()
export class RetentionCohort {
  @Field(() => DateTime)
  start!: Date;

  @Field(() => Int)
  size!: number;

  @Field(() => [Int], { description: "values[0] is the cohort size; values[k] the users back in period k" })
  values!: number[];

  @Field(() => [Float], { nullable: "items", description: "values / size; null for an empty cohort" })
  percentages!: Array<number | null>;
}

@ObjectType()
export class RetentionAverage {
  @Field(() => [Float], {
    nullable: "items",
    description: "Per period, weighted by the size of the cohorts that reached it",
  })
  percentages!: Array<number | null>;
}

@ObjectType()
export class RetentionResult {
  @Field(() => [RetentionCohort])
  cohorts!: RetentionCohort[];

  @Field(() => RetentionAverage)
  average!: RetentionAverage;

  @Field(() => String)
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@InputType()
export class PathsInput extends AnalysisScopeInput {
  @Field(() => String, { nullable: true })
  startEvent?: string | null;

  @Field(() => String, { nullable: true })
  endEvent?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: 5 })
  maxSteps?: number | null;

  @Field(() => Int, { nullable: true, defaultValue: 30 })
  sessionGapMinutes?: number | null;

  @Field(() => TimeRangeInput)
  timeRange!: TimeRangeInput;

  @Field(() => [String], { nullable: true })
  excludeEvents?: string[] | null;

  @Field(() => Int, { nullable: true, defaultValue: 50 })
  topLinks?: number | null;
}

@ObjectType()
export class PathNode {
  @Field(() => ID, { description: "<step>_<event>" })
  id!: string;

  @Field(() => Int)
  step!: number;

  @Field(() => String)
  event!: string;

  @Field(() => Int)
  users!: number;
}

@ObjectType()
export class PathLink {
  @Field(() => ID)
  source!: string;

  @Field(() => ID)
  target!: string;

  @Field(() => Int)
  users!: number;
}

@ObjectType()
export class PathsResult {
  @Field(() => [PathNode])
  nodes!: PathNode[];

  @Field(() => [PathLink])
  links!: PathLink[];

  @Field(() => String)
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@InputType()
export class LifecycleInput extends AnalysisScopeInput {
  @Field(() => String)
  event!: string;

  @Field(() => AnalysisPeriod, { nullable: true, defaultValue: AnalysisPeriod.DAY })
  grain?: AnalysisPeriod | null;

  @Field(() => TimeRangeInput)
  timeRange!: TimeRangeInput;
}

@ObjectType()
export class LifecycleRow {
  @Field(() => DateTime)
  time!: Date;

  @Field(() => Int)
  new!: number;

  @Field(() => Int)
  returning!: number;

  @Field(() => Int)
  resurrecting!: number;

  @Field(() => Int, { description: "Active in the bucket before but not in this one, as a negative count" })
  dormant!: number;
}

@ObjectType()
export class LifecycleResult {
  @Field(() => [LifecycleRow])
  rows!: LifecycleRow[];

  @Field(() => String)
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@ObjectType()
export class RfmCell {
  @Field(() => Int)
  r!: number;

  @Field(() => Int)
  f!: number;

  @Field(() => Int)
  users!: number;
}

@ObjectType()
export class RfmSegmentSize {
  @Field(() => String)
  name!: string;

  @Field(() => Int)
  users!: number;

  @Field(() => Float, { nullable: true })
  share!: number | null;

  @Field(() => Float, { nullable: true })
  avgMonetary!: number | null;
}

@ObjectType()
export class RfmResult {
  @Field(() => Int, { description: "Customers with ≥1 counted order in (asOf − lookback, asOf]" })
  customers!: number;

  @Field(() => [RfmCell], { description: "The 5×5 R×F grid" })
  grid!: RfmCell[];

  @Field(() => [RfmSegmentSize])
  segments!: RfmSegmentSize[];

  @Field(() => String)
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@ObjectType({ description: "RFM as of now over the default 365-day lookback" })
export class UserRfm {
  @Field(() => Int)
  recencyDays!: number;

  @Field(() => Int)
  frequency!: number;

  @Field(() => Float)
  monetary!: number;

  @Field(() => Int)
  r!: number;

  @Field(() => Int)
  f!: number;

  @Field(() => Int)
  m!: number;

  @Field(() => String)
  segment!: string;
}

@ObjectType()
export class RepurchaseHistogramBin {
  @Field(() => Float)
  fromDays!: number;

  @Field(() => Float, { nullable: true, description: "Exclusive; null for the open last bin" })
  toDays!: number | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class RepurchaseDistribution {
  @Field(() => Float, { nullable: true })
  medianDays!: number | null;

  @Field(() => Float, { nullable: true })
  p25Days!: number | null;

  @Field(() => Float, { nullable: true })
  p75Days!: number | null;

  @Field(() => Int, { description: "Number of gaps between consecutive counted orders" })
  intervals!: number;

  @Field(() => [RepurchaseHistogramBin])
  histogram!: RepurchaseHistogramBin[];
}

@ObjectType()
export class RepurchaseGroup extends RepurchaseDistribution {
  @Field(() => String, { nullable: true })
  value!: string | null;
}

@ObjectType()
export class RepurchaseCycleResult {
  @Field(() => RepurchaseDistribution)
  overall!: RepurchaseDistribution;

  @Field(() => [RepurchaseGroup])
  groups!: RepurchaseGroup[];

  @Field(() => String)
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}
