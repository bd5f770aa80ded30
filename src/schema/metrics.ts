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
});

export const ComparePeriod = { PREVIOUS_PERIOD: "PREVIOUS_PERIOD", PREVIOUS_YEAR: "PREVIOUS_YEAR" } as const;
registerEnumType(ComparePeriod, {
  name: "ComparePeriod",
  description:
    "PREVIOUS_PERIOD: as many buckets back as the range has (ALL: the equally long window before); PREVIOUS_YEAR: one year back (52 weeks for WEEK)",
});

export const MetricOrderDirection = { ASC: "ASC", DESC: "DESC" } as const;
registerEnumType(MetricOrderDirection, { name: "MetricOrderDirection" });

export const MetricUnit = { COUNT: "COUNT", CURRENCY: "CURRENCY", RATIO: "RATIO" } as const;
registerEnumType(MetricUnit, { name: "MetricUnit" });

export const MetricKind = {
  SIMPLE: "SIMPLE",
  RATIO: "RATIO",
  DERIVED: "DERIVED",
  CHURN: "CHURN",
  CONVERSION: "CONVERSION",
} as const;
registerEnumType(MetricKind, { name: "MetricKind" });

@InputType({
  description:
    "One of: `from` and `to` (a date YYYY-MM-DD, local midnight in the query's time zone, or an ISO 8601 date-time; `to` is exclusive); `last`; or `named`. Relative ranges are resolved at the time of the query in the query's time zone",
})
export class TimeRangeInput {
  @Field(() => String, { nullable: true })
  from?: string;

  @Field(() => String, { nullable: true })
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
  @Field(() => String, { nullable: true })
  eq?: string;
  @Field(() => [String], { nullable: true })
  in?: string[];
  @Field(() => [String], { nullable: true, description: "Rows without a value pass" })
  notIn?: string[];
  @Field(() => String, { nullable: true })
  gt?: string;
  @Field(() => String, { nullable: true })
  gte?: string;
  @Field(() => String, { nullable: true })
  lt?: string;
  @Field(() => String, { nullable: true })
  lte?: string;
  @Field(() => String, { nullable: true, description: "Substring, case-sensitive" })
  contains?: string;
  @Field(() => Boolean, { nullable: true })
  isNull?: boolean;
}

@InputType({ description: "Conditions on the value of the value tag `key`" })
export class TagValueFilterInput extends DimensionFilterInput {
  @Field(() => String)
  key!: string;
}

@InputType({ description: "Members (member: true, the default) or non-members of a tag or segment" })
export class MembershipFilterInput {
  @Field(() => String)
  key!: string;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  member?: boolean;
}

@InputType({ description: "Filters on any dimension; the fields of one object must all hold" })
export class MetricFilterInput {
  @Field(() => MembershipFilterInput, { nullable: true })
  hasTag?: MembershipFilterInput;
  @Field(() => MembershipFilterInput, { nullable: true })
  inSegment?: MembershipFilterInput;
  @Field(() => TagValueFilterInput, { nullable: true })
  tagValue?: TagValueFilterInput;
  @Field(() => [MetricFilterInput], { nullable: true })
  and?: MetricFilterInput[];
  @Field(() => [MetricFilterInput], { nullable: true })
  or?: MetricFilterInput[];
  @Field(() => MetricFilterInput, { nullable: true })
  not?: MetricFilterInput;
}
for (const dimension of DIMENSIONS.filter((d) => !d.parametrised)) {
  Field(() => DimensionFilterInput, { nullable: true, description: dimension.description })(
    MetricFilterInput.prototype,
    dimension.field,
  );
}

@InputType()
export class MetricOrderInput {
  @Field(() => String, { description: "`time`, a selected metric field or a selected dimension field" })
  field!: string;

  @Field(() => MetricOrderDirection, { defaultValue: "ASC" })
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
for (const metric of METRICS) {
  Field(() => Float, {
    nullable: true,
    description: `${metric.label.en} (${metric.label.zh}): ${metric.description}`,
  })(MetricRow.prototype, metric.field);
  Field(() => Float, {
    nullable: true,
    description: `${metric.field} of the comparison bucket (needs compareTo)`,
  })(MetricRow.prototype, previousField(metric.field));
  Field(() => Float, {
    nullable: true,
    description: `(${metric.field} − previous) / |previous|; null when the previous value is 0 or null (needs compareTo)`,
  })(MetricRow.prototype, changeField(metric.field));
}

@ObjectType()
export class MetricResult {
  @Field(() => [MetricRow])
  rows!: MetricRow[];

  @Field(() => String, { description: "The compiled, parameterised SQL (one statement)" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}

@ObjectType()
export class LocalizedLabel {
  @Field(() => String)
  en!: string;
  @Field(() => String)
  zh!: string;
}

@ObjectType()
export class MetricDefinition {
  @Field(() => String, { description: "Catalog key (snake_case)" })
  key!: string;
  @Field(() => String, { description: "Field of MetricRow (camelCase)" })
  field!: string;
  @Field(() => LocalizedLabel)
  labels!: LocalizedLabel;
  @Field(() => String)
  description!: string;
  @Field(() => MetricUnit)
  unit!: keyof typeof MetricUnit;
  @Field(() => MetricKind)
  kind!: keyof typeof MetricKind;
  @Field(() => [String], { description: "Facts it reads: events, orders, items" })
  facts!: string[];
  @Field(() => [String], { description: "Dimension keys it can be split and filtered by" })
  supportedDimensions!: string[];
}

@ObjectType()
export class DimensionDefinition {
  @Field(() => String)
  key!: string;
  @Field(() => String, { description: "Field of MetricRow and MetricFilterInput" })
  field!: string;
  @Field(() => LocalizedLabel)
  labels!: LocalizedLabel;
  @Field(() => String)
  description!: string;
  @Field(() => Boolean, { description: "Takes a tag or segment key (hasTag, tagValue, inSegment)" })
  parametrised!: boolean;
  @Field(() => [String], { description: "Metric keys that support it" })
  metrics!: string[];
}
