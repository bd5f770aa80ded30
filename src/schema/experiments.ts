import { Field, Float, InputType, ObjectType } from "type-graphql";
import type { ExperimentRecord } from "../experiments/definitions";
import { CreateDefinitionInput, Definition, UpdateDefinitionInput } from "./definitions";
import { DateTime } from "./scalars";

@ObjectType({ description: "One arm of an experiment" })
export class ExperimentVariant {
  @Field(() => String)
  key!: string;

  @Field(() => Float, { description: "Share of the audience; the weights of an experiment sum to 1" })
  weight!: number;
}

@InputType()
export class ExperimentVariantInput {
  @Field(() => String)
  key!: string;

  @Field(() => Float, { description: "Greater than 0; the weights sum to 1" })
  weight!: number;
}

@ObjectType({ description: "An experiment definition: variants, metrics, audience and window" })
export class Experiment extends Definition {
  @Field(() => String)
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

  @Field(() => DateTime, { nullable: true })
  start!: Date | null;

  @Field(() => DateTime, { nullable: true })
  end!: Date | null;

  @Field(() => String, { description: "Salts the assignment; defaults to the key" })
  seed!: string;

  @Field(() => Float, { nullable: true })
  minimumDetectableEffect!: number | null;

  static from(record: ExperimentRecord): Experiment {
    return Object.assign(new Experiment(), record, { control: record.variants[0].key });
  }
}

@InputType()
export class CreateExperimentInput extends CreateDefinitionInput {
  @Field(() => String, { nullable: true })
  hypothesis?: string;

  @Field(() => [ExperimentVariantInput], {
    description: "At least two, unique keys, weights > 0 summing to 1; the first is the control",
  })
  variants!: ExperimentVariantInput[];

  @Field(() => String, { description: "A key of the metric catalog" })
  primaryMetric!: string;

  @Field(() => [String], { nullable: true })
  metrics?: string[];

  @Field(() => String, { nullable: true, description: "An active segment's key; none: everyone" })
  segment?: string;

  @Field(() => DateTime, { nullable: true })
  start?: Date;

  @Field(() => DateTime, { nullable: true, description: "After start" })
  end?: Date;

  @Field(() => String, { nullable: true, description: "Defaults to the key" })
  seed?: string;

  @Field(() => Float, { nullable: true })
  minimumDetectableEffect?: number;
}

@InputType({ description: "Absent fields stay as they are; variants and metrics are replaced whole" })
export class UpdateExperimentInput extends UpdateDefinitionInput {
  @Field(() => String, { nullable: true })
  hypothesis?: string;

  @Field(() => [ExperimentVariantInput], { nullable: true })
  variants?: ExperimentVariantInput[];

  @Field(() => String, { nullable: true })
  primaryMetric?: string;

  @Field(() => [String], { nullable: true })
  metrics?: string[];

  @Field(() => String, { nullable: true })
  segment?: string;

  @Field(() => DateTime, { nullable: true })
  start?: Date;

  @Field(() => DateTime, { nullable: true })
  end?: Date;

  @Field(() => String, { nullable: true })
  seed?: string;

  @Field(() => Float, { nullable: true })
  minimumDetectableEffect?: number;
}
