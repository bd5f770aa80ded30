import { Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime } from "./scalars";

/** What tags, segments and experiments share in the API, declared once. */

export enum DefinitionStatus {
  ACTIVE = "ACTIVE",
  ARCHIVED = "ARCHIVED",
}
registerEnumType(DefinitionStatus, { name: "DefinitionStatus" });

@ObjectType({ description: "One saved version of a definition" })
export class DefinitionVersion {
  @Field(() => Int)
  version!: number;

  @Field(() => String, { nullable: true })
  rule?: string | null;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => DefinitionStatus)
  status!: DefinitionStatus;

  @Field(() => String, { description: "Who saved this version" })
  author!: string;

  @Field(() => DateTime)
  createdAt!: Date;
}

/** The fields every definition type starts with. */
@ObjectType()
export abstract class Definition {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => DefinitionStatus)
  status!: DefinitionStatus;

  @Field(() => Int)
  version!: number;

  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => DateTime)
  updatedAt!: Date;
}

/** The fields every create input starts with. */
@InputType()
export abstract class CreateDefinitionInput {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string;
}

/** The fields every update input starts with (absent: unchanged). */
@InputType()
export abstract class UpdateDefinitionInput {
  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => String, { nullable: true })
  description?: string;
}
