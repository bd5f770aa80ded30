import { Field, Float, InputType, ObjectType, registerEnumType } from "type-graphql";
import { METRICS } from "../metrics/catalog";
import { DIMENSIONS } from "../metrics/dimensions";
import { TIME_GRAINS } from "../semantic/time";
import { NAMED_TIME_RANGES } from "../semantic/time-range";

/**
 * GraphQL types of the semantic layer. `MetricRow` and `MetricFilterInput` are generated
 * from the catalog: one nullable Float per metric (camelCase key), `previous<Key>` and
 * `<key>Change` for comparisons, one field per dimension.
 */

export const TimeGrain = Object.fromEntries(TIME_GRAINS.map((g) => [g, g])) as {
  [K in (typeof TIME_GRAINS)[number]]: K;
};
registerEnumType(TimeGrain, {
  name: "TimeGrain",
  description: "Time bucket size, in the query's time zone; weeks start on Monday",
  valuesConfig: {
    HOUR: { description: "Clock hour" },
    DAY: { description: "Calendar day, from local midnight" },
    WEEK: { description: "ISO week, from Monday" },
    MONTH: { description: "Calendar month" },
    QUARTER: { description: "Calendar quarter (January, April, July, October)" },
    YEAR: { description: "Calendar year" },
    ALL: { description: "The whole range as one bucket, starting at its `from`" },
  },
});

export const ComparePeriod = { PREVIOUS_PERIOD: "PREVIOUS_PERIOD", PREVIOUS_YEAR: "PREVIOUS_YEAR" } as const;
registerEnumType(ComparePeriod, {
  name: "ComparePeriod",
  description: "What each bucket is compared with (fills previous<Metric> and <metric>Change)",
  valuesConfig: {
    PREVIOUS_PERIOD: {
      description: "The bucket as many buckets back as the range has (ALL: the equally long window before)",
    },
    PREVIOUS_YEAR: { description: "The bucket one year back (52 weeks back for WEEK)" },
  },
});

export const MetricOrderDirection = { ASC: "ASC", DESC: "DESC" } as const;
registerEnumType(MetricOrderDirection, {
  name: "MetricOrderDirection",
  description: "Sort direction; rows without a value come last either way",
  valuesConfig: {
    ASC: { description: "Smallest (earliest) first" },
    DESC: { description: "Largest (latest) first" },
  },
});

export const MetricUnit = { COUNT: "COUNT", CURRENCY: "CURRENCY", RATIO: "RATIO" } as const;
registerEnumType(MetricUnit, {
  name: "MetricUnit",
  description: "What a metric's numbers measure",
  valuesConfig: {
    COUNT: { description: "A number of things: users, orders, events, units" },
    CURRENCY: {
      description: "An amount of money in the deployment's currency (STRATUM_CURRENCY, CNY by default)",
    },
    RATIO: { description: "A 0–1 fraction (0.25 = 25 %)" },
  },
});

export const MetricKind = {
  SIMPLE: "SIMPLE",
  RATIO: "RATIO",
  DERIVED: "DERIVED",
  CHURN: "CHURN",
  CONVERSION: "CONVERSION",
} as const;
registerEnumType(MetricKind, {
  name: "MetricKind",
  description: "How a metric is computed from its measures",
  valuesConfig: {
    SIMPLE: { description: "One measure of the bucket's facts: a sum, a count of rows or a count of users" },
    RATIO: { description: "One measure divided by another; null when the denominator is 0" },
    DERIVED: { description: "The difference of two measures" },
    CHURN: {
      description:
        "Share of the previous bucket's buyers (same slice; ALL: the equally long window before the range) with no counted order in this bucket",
    },
    CONVERSION: {
      description:
        "Share of the users with a base event in the bucket who did a target event within a window after it",
    },
  },
});

@InputType({
  description:
    "One of: `from` and `to` (a date YYYY-MM-DD, local midnight in the query's time zone, or an ISO 8601 date-time; `to` is exclusive); `last`; or `named`. Relative ranges are resolved at the time of the query in the query's time zone",
})
export class TimeRangeInput {
  @Field(() => String, {
    nullable: true,
    description:
      "Start, inclusive: a date YYYY-MM-DD (local midnight in the query's time zone) or an ISO 8601 date-time; give it with `to`",
  })
  from?: string;

  @Field(() => String, {
    nullable: true,
    description:
      "End, exclusive: a date YYYY-MM-DD (local midnight in the query's time zone) or an ISO 8601 date-time; give it with `from`",
  })
  to?: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The N whole units before the current one: "30d" (days before today), "12w" (ISO weeks before this one), "6m" (months), "1y" (years), "24h" (hours before the current hour); N from 1 to 9999',
  })
  last?: string;

  @Field(() => String, {
    nullable: true,
    description: `A whole calendar period: ${NAMED_TIME_RANGES.join(", ")} (this_… includes what is still to come; weeks start on Monday)`,
  })
  named?: string;
}

@InputType({
  description: "Conditions on one dimension (values compare as text); all given conditions must hold",
})
export class DimensionFilterInput {
  @Field(() => String, { nullable: true, description: "Equal to this value" })
  eq?: string;
  @Field(() => [String], { nullable: true, description: "Equal to one of these values (a non-empty list)" })
  in?: string[];
  @Field(() => [String], {
    nullable: true,
    description: "Equal to none of these values (a non-empty list); rows without a value pass",
  })
  notIn?: string[];
  @Field(() => String, { nullable: true, description: "After this value in text order" })
  gt?: string;
  @Field(() => String, { nullable: true, description: "Equal to or after this value in text order" })
  gte?: string;
  @Field(() => String, { nullable: true, description: "Before this value in text order" })
  lt?: string;
  @Field(() => String, { nullable: true, description: "Equal to or before this value in text order" })
  lte?: string;
  @Field(() => String, { nullable: true, description: "Substring, case-sensitive" })
  contains?: string;
  @Field(() => Boolean, {
    nullable: true,
    description: "true: only rows without a value; false: only rows with one",
  })
  isNull?: boolean;
}

@InputType({ description: "Conditions on the value of the value tag `key`" })
export class TagValueFilterInput extends DimensionFilterInput {
  @Field(() => String, { description: "The value tag's key; an unknown or archived key is NOT_FOUND" })
  key!: string;
}

@InputType({ description: "Members (member: true, the default) or non-members of a tag or segment" })
export class MembershipFilterInput {
  @Field(() => String, { description: "The tag's or segment's key; an unknown or archived key is NOT_FOUND" })
  key!: string;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: true,
    description: "true: current members only; false: everyone else",
  })
  member?: boolean;
}

@InputType({ description: "Filters on any dimension; the fields of one object must all hold" })
export class MetricFilterInput {
  @Field(() => MembershipFilterInput, {
    nullable: true,
    description: "Facts of the tag's members (or non-members)",
  })
  hasTag?: MembershipFilterInput;
  @Field(() => MembershipFilterInput, {
    nullable: true,
    description: "Facts of the segment's members (or non-members)",
  })
  inSegment?: MembershipFilterInput;
  @Field(() => TagValueFilterInput, {
    nullable: true,
    description: "Conditions on a value tag's value (null for non-members)",
  })
  tagValue?: TagValueFilterInput;
  @Field(() => [MetricFilterInput], { nullable: true, description: "Every filter of the list holds" })
  and?: MetricFilterInput[];
  @Field(() => [MetricFilterInput], { nullable: true, description: "At least one filter of the list holds" })
  or?: MetricFilterInput[];
  @Field(() => MetricFilterInput, { nullable: true, description: "The filter does not hold" })
  not?: MetricFilterInput;
}
for (const dimension of DIMENSIONS.filter((d) => !d.parametrised)) {
  Field(() => DimensionFilterInput, { nullable: true, description: dimension.description })(
    MetricFilterInput.prototype,
    dimension.field,
  );
}

@InputType({
  description:
    "One sort key of the rows; each later key breaks ties of the ones before, then time and the dimensions",
})
export class MetricOrderInput {
  @Field(() => String, { description: "`time`, a selected metric field or a selected dimension field" })
  field!: string;

  @Field(() => MetricOrderDirection, { defaultValue: "ASC", description: "Sort direction" })
  direction!: keyof typeof MetricOrderDirection;
}

const pascal = (field: string) => field[0].toUpperCase() + field.slice(1);
export const previousField = (field: string) => `previous${pascal(field)}`;
export const changeField = (field: string) => `${field}Change`;

@ObjectType({
  description:
    "One bucket of one slice. Selecting a metric computes it; selecting a dimension groups by it. Membership dimensions: hasTag(key), tagValue(key), inSegment(key).",
})
export class MetricRow {
  @Field(() => String, { description: "Bucket start, ISO 8601 with the offset of the query's time zone" })
  time!: string;

  /** Values of parametrised dimensions by `<dimension key>:<tag or segment key>`. */
  memberships!: Record<string, unknown>;
}
for (const dimension of DIMENSIONS.filter((d) => !d.parametrised)) {
  Field(() => String, { nullable: true, description: dimension.description })(
    MetricRow.prototype,
    dimension.field,
  );
}
/** What a metric's numbers are, for its field descriptions. */
const UNIT_NOTES: Record<keyof typeof MetricUnit, string> = {
  COUNT: "a count",
  CURRENCY: "an amount in the deployment's currency",
  RATIO: "a 0–1 fraction",
};
for (const metric of METRICS) {
  Field(() => Float, {
    nullable: true,
    description: `${metric.label.en} (${metric.label.zh}): ${metric.description} (${UNIT_NOTES[metric.unit]})`,
  })(MetricRow.prototype, metric.field);
  Field(() => Float, {
    nullable: true,
    description: `${metric.field} of the comparison bucket (needs compareTo)`,
  })(MetricRow.prototype, previousField(metric.field));
  Field(() => Float, {
    nullable: true,
    description: `(${metric.field} − previous) / |previous|, a fraction (0.1 = +10 %); null when the previous value is 0 or null (needs compareTo)`,
  })(MetricRow.prototype, changeField(metric.field));
}

@ObjectType({ description: "Metric rows and the one SQL statement that computed them" })
export class MetricResult {
  @Field(() => [MetricRow], {
    description:
      "One per bucket and slice: every bucket of the range for every combination of dimension values seen (counts 0, ratios null where nothing happened); by orderBy, then time, then dimensions; at most limit rows",
  })
  rows!: MetricRow[];

  @Field(() => String, { description: "The compiled, parameterised SQL (one statement)" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@ObjectType({ description: "A display name in English and Simplified Chinese" })
export class LocalizedLabel {
  @Field(() => String, { description: "English" })
  en!: string;
  @Field(() => String, { description: "Simplified Chinese (简体中文)" })
  zh!: string;
}

@ObjectType({ description: "A metric of the catalog: what it means and how it can be split" })
export class MetricDefinition {
  @Field(() => String, { description: "Catalog key (snake_case)" })
  key!: string;
  @Field(() => String, { description: "Field of MetricRow (camelCase)" })
  field!: string;
  @Field(() => LocalizedLabel, { description: "Display names" })
  labels!: LocalizedLabel;
  @Field(() => String, { description: "What the metric counts or measures, exactly" })
  description!: string;
  @Field(() => MetricUnit, { description: "What its numbers measure" })
  unit!: keyof typeof MetricUnit;
  @Field(() => MetricKind, { description: "How it is computed from its measures" })
  kind!: keyof typeof MetricKind;
  @Field(() => [String], { description: "Facts it reads: events, orders, items" })
  facts!: string[];
  @Field(() => [String], { description: "Dimension keys it can be split and filtered by" })
  supportedDimensions!: string[];
}

@ObjectType({ description: "A dimension of the catalog: something metrics can be split and filtered by" })
export class DimensionDefinition {
  @Field(() => String, {
    description: "Catalog key (snake_case), as MetricDefinition.supportedDimensions lists it",
  })
  key!: string;
  @Field(() => String, { description: "Field of MetricRow and MetricFilterInput" })
  field!: string;
  @Field(() => LocalizedLabel, { description: "Display names" })
  labels!: LocalizedLabel;
  @Field(() => String, { description: "What the dimension's values are" })
  description!: string;
  @Field(() => Boolean, { description: "Takes a tag or segment key (hasTag, tagValue, inSegment)" })
  parametrised!: boolean;
  @Field(() => [String], { description: "Metric keys that support it" })
  metrics!: string[];
}
