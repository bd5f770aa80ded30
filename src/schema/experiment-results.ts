import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import type { ComparisonTest } from "../experiments/results";

export const ComparisonTestEnum = {
  Z_TEST: "Z_TEST",
  WELCH_T_TEST: "WELCH_T_TEST",
} as const satisfies Record<ComparisonTest, ComparisonTest>;
registerEnumType(ComparisonTestEnum, {
  name: "ComparisonTest",
  description: "The test of a variant against the control",
  valuesConfig: {
    Z_TEST: { description: "Pooled two-proportion z-test (converted-style metrics)" },
    WELCH_T_TEST: { description: "Welch's unequal-variances t-test (per-unit means)" },
  },
});

@ObjectType({
  description: "A unit's deterministic variant, the same a GrowthBook SDK (hash version 2) gives",
})
export class Assignment {
  @Field(() => Float, { description: "The unit's hash in [0, 1)" })
  bucket!: number;

  @Field(() => String, { nullable: true, description: "The variant's key; null outside every range" })
  variant!: string | null;

  @Field(() => Boolean, { description: "In a variant's range while the experiment runs (between its dates)" })
  inExperiment!: boolean;
}

@ObjectType({ description: "A 95 % confidence interval" })
export class ConfidenceInterval {
  @Field(() => Float, { description: "Lower bound of the 95 % interval" })
  low!: number;

  @Field(() => Float, { description: "Upper bound of the 95 % interval" })
  high!: number;
}

@ObjectType({
  description: "Sample-ratio mismatch: χ² goodness of fit of the units per variant against the weights",
})
export class SampleRatioMismatch {
  @Field(() => Float, { description: "The χ² statistic (k − 1 degrees of freedom)" })
  chiSquare!: number;

  @Field(() => Float, {
    description: "χ² test of the units per variant against the weights; below 0.001 the split is broken",
  })
  pValue!: number;

  @Field(() => Boolean, { description: "p < 0.001 (GrowthBook's threshold): do not trust the comparison" })
  warning!: boolean;
}

@ObjectType({ description: "One chosen metric of a variant, read per exposed unit, against the control" })
export class ExperimentMetricResult {
  @Field(() => String, { description: "The metric catalog key" })
  metric!: string;

  @Field(() => ComparisonTestEnum, { description: "The test behind the p-value and interval" })
  test!: ComparisonTest;

  @Field(() => Float, { nullable: true, description: "Per-unit mean (the rate for converted-style metrics)" })
  mean!: number | null;

  @Field(() => Float, { nullable: true, description: "Per-unit sample variance" })
  variance!: number | null;

  @Field(() => Float, { nullable: true, description: "Variant − control; null for the control" })
  absoluteLift!: number | null;

  @Field(() => Float, { nullable: true, description: "Variant / control − 1; null for the control" })
  relativeLift!: number | null;

  @Field(() => ConfidenceInterval, { nullable: true, description: "95 % interval of the absolute lift" })
  ci95!: ConfidenceInterval | null;

  @Field(() => ConfidenceInterval, {
    nullable: true,
    description: "95 % interval of the relative lift (delta method)",
  })
  relativeCi95!: ConfidenceInterval | null;

  @Field(() => Float, { nullable: true, description: "Two-sided p-value" })
  pValue!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Holm-adjusted p-value across every non-control variant × chosen metric",
  })
  adjustedPValue!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "With cuped: θ = cov(metric, pre-period metric) / var(pre-period metric) over all units; mean and variance are then the adjusted metric's. Null without cuped",
  })
  cupedTheta!: number | null;
}

@ObjectType({
  description: "A variant's units and outcomes; comparisons are against the control (the first variant)",
})
export class ExperimentVariantResult {
  @Field(() => String, { description: "The variant's key; the first variant is the control" })
  key!: string;

  @Field(() => Float, { description: "The variant's weight in the definition" })
  weight!: number;

  @Field(() => Int, { description: "Users exposed to this variant only (first exposure within the dates)" })
  units!: number;

  @Field(() => Int, { description: "Units with a counted order after their first exposure" })
  conversions!: number;

  @Field(() => Float, { nullable: true, description: "conversions / units; null without units" })
  conversionRate!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Sum of counted order totals after exposure / units; null without units",
  })
  revenuePerUnit!: number | null;

  @Field(() => Float, { nullable: true, description: "The primary metric's lift; null for the control" })
  absoluteLift!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "The primary metric's relative lift; null for the control",
  })
  relativeLift!: number | null;

  @Field(() => ConfidenceInterval, {
    nullable: true,
    description: "95 % interval of the primary metric's absolute lift",
  })
  ci95!: ConfidenceInterval | null;

  @Field(() => Float, { nullable: true, description: "The primary metric's two-sided p-value" })
  pValue!: number | null;

  @Field(() => Float, { nullable: true, description: "The primary metric's Holm-adjusted p-value" })
  adjustedPValue!: number | null;

  @Field(() => Float, { nullable: true, description: "Pooled two-proportion z of the conversion rate" })
  zScore!: number | null;

  @Field(() => Float, { nullable: true, description: "Welch's t of revenue per unit" })
  tStatistic!: number | null;

  @Field(() => [ExperimentMetricResult], { description: "The primary metric first, then the guardrails" })
  metrics!: ExperimentMetricResult[];
}

@ObjectType({
  description: "An experiment's results: units per variant, outcomes and tests against the control",
})
export class ExperimentResults {
  @Field(() => String, { description: "The experiment's key" })
  key!: string;

  @Field(() => Date, { nullable: true, description: "Start of the window read (inclusive); null: open" })
  from!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: "End of the window read (exclusive): the earlier of the end and asOf; null: open",
  })
  to!: Date | null;

  @Field(() => Int, { description: "Users exposed to more than one variant, left out of every count" })
  excludedUnits!: number;

  @Field(() => SampleRatioMismatch, { description: "Whether the units split as the weights say" })
  srm!: SampleRatioMismatch;

  @Field(() => Int, {
    nullable: true,
    description:
      "Units per variant to detect the minimum detectable effect on the control's conversion rate (α 0.05, power 0.8); null without an effect or a usable rate",
  })
  sampleSizePerVariant!: number | null;

  @Field(() => [ExperimentVariantResult], { description: "In the definition's order, the control first" })
  variants!: ExperimentVariantResult[];

  @Field(() => String, { description: "The compiled, parameterised SQL (one statement)" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}
