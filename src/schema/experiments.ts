import { Field, Float, InputType, ObjectType } from "type-graphql";
import type { ExperimentRecord } from "../experiments/definitions";
import { CreateDefinitionInput, Definition, UpdateDefinitionInput } from "./definitions";
import { DateTime } from "./scalars";

@ObjectType({ description: "One arm of an experiment" })
export class ExperimentVariant {
  @Field(() => String, {
    description: "The variant's key, as sent in the variation_id of experiment_viewed events",
  })
  key!: string;

  @Field(() => Float, { description: "Share of the audience; the weights of an experiment sum to 1" })
  weight!: number;
}

@InputType({ description: "One arm of an experiment and its share of the audience" })
export class ExperimentVariantInput {
  @Field(() => String, {
    description:
      "1–128 letters, digits, _ . : - ; unique within the experiment; the variation_id its experiment_viewed events send",
  })
  key!: string;

  @Field(() => Float, { description: "Greater than 0; the weights sum to 1" })
  weight!: number;
}

@ObjectType({ description: "An experiment definition: variants, metrics, audience and window" })
export class Experiment extends Definition {
  @Field(() => String, {
    description: "What the experiment expects to change and why (empty when none was given)",
  })
  hypothesis!: string;

  @Field(() => [ExperimentVariant], { description: "In order; the first is the control" })
  variants!: ExperimentVariant[];

  @Field(() => String, { description: "The first variant's key" })
  control!: string;

  @Field(() => String, { description: "A key of the metric catalog" })
  primaryMetric!: string;

  @Field(() => [String], { description: "Further keys of the metric catalog" })
  metrics!: string[];

  @Field(() => String, { nullable: true, description: "The segment whose members take part; none: everyone" })
  segment!: string | null;

  @Field(() => DateTime, {
    nullable: true,
    description: "When exposures start counting (inclusive); none: no lower bound",
  })
  start!: Date | null;

  @Field(() => DateTime, {
    nullable: true,
    description: "When exposures and outcomes stop counting (exclusive); none: still running",
  })
  end!: Date | null;

  @Field(() => String, { description: "Salts the assignment; defaults to the key" })
  seed!: string;

  @Field(() => Float, {
    nullable: true,
    description:
      "The smallest absolute change in conversion rate worth detecting (0.01 = one percentage point), used to size the sample; none: no sample size",
  })
  minimumDetectableEffect!: number | null;

  static from(record: ExperimentRecord): Experiment {
    return Object.assign(new Experiment(), record, { control: record.variants[0].key });
  }
}

@InputType({
  description: "A new experiment; any invalid field is refused with BAD_USER_INPUT naming it",
})
export class CreateExperimentInput extends CreateDefinitionInput {
  @Field(() => String, {
    nullable: true,
    description: "What the experiment expects to change and why, at most 2000 characters; default empty",
  })
  hypothesis?: string;

  @Field(() => [ExperimentVariantInput], {
    description: "2–20 variants with unique keys and weights > 0 summing to 1; the first is the control",
  })
  variants!: ExperimentVariantInput[];

  @Field(() => String, { description: "A key of the metric catalog" })
  primaryMetric!: string;

  @Field(() => [String], {
    nullable: true,
    description:
      "Further metric catalog keys to report (secondary metrics), at most 50, no repeats; default none",
  })
  metrics?: string[];

  @Field(() => String, { nullable: true, description: "An active segment's key; none: everyone" })
  segment?: string;

  @Field(() => DateTime, {
    nullable: true,
    description: "When exposures start counting (inclusive); none: no lower bound",
  })
  start?: Date;

  @Field(() => DateTime, {
    nullable: true,
    description: "When exposures and outcomes stop counting (exclusive); after start; none: open-ended",
  })
  end?: Date;

  @Field(() => String, {
    nullable: true,
    description: "Salts the assignment hash, 1–200 characters; defaults to the key",
  })
  seed?: string;

  @Field(() => Float, {
    nullable: true,
    description:
      "Greater than 0: the smallest absolute change in conversion rate worth detecting (0.01 = one percentage point), used to size the sample",
  })
  minimumDetectableEffect?: number;
}

@InputType({ description: "Absent fields stay as they are; variants and metrics are replaced whole" })
export class UpdateExperimentInput extends UpdateDefinitionInput {
  @Field(() => String, { nullable: true, description: "A new hypothesis, at most 2000 characters" })
  hypothesis?: string;

  @Field(() => [ExperimentVariantInput], {
    nullable: true,
    description:
      "The whole new list of variants (2–20, unique keys, weights > 0 summing to 1; the first is the control)",
  })
  variants?: ExperimentVariantInput[];

  @Field(() => String, { nullable: true, description: "A new primary metric, a key of the metric catalog" })
  primaryMetric?: string;

  @Field(() => [String], {
    nullable: true,
    description: "The whole new list of further metric catalog keys (at most 50, no repeats)",
  })
  metrics?: string[];

  @Field(() => String, { nullable: true, description: "A new audience: an active segment's key" })
  segment?: string;

  @Field(() => DateTime, { nullable: true, description: "A new start of the window (inclusive); before end" })
  start?: Date;

  @Field(() => DateTime, { nullable: true, description: "A new end of the window (exclusive); after start" })
  end?: Date;

  @Field(() => String, {
    nullable: true,
    description: "A new assignment seed, 1–200 characters; changing it reshuffles who sees which variant",
  })
  seed?: string;

  @Field(() => Float, {
    nullable: true,
    description: "A new minimum detectable effect: an absolute change in conversion rate, greater than 0",
  })
  minimumDetectableEffect?: number;
}
