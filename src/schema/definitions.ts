import { Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime } from "./scalars";

/** What tags, segments and experiments share in the API, declared once. */

export enum DefinitionStatus {
  ACTIVE = "ACTIVE",
  ARCHIVED = "ARCHIVED",
}
registerEnumType(DefinitionStatus, {
  name: "DefinitionStatus",
  description: "Whether a tag, segment or experiment is in use. Archiving is one-way and keeps the history",
  valuesConfig: {
    ACTIVE: { description: "In use: can be edited, refreshed and referenced by rules" },
    ARCHIVED: {
      description:
        "Retired and read-only: a tag or segment loses its members, is no longer refreshed and new rules cannot refer to it; its history (and an experiment's results) stay readable",
    },
  },
});

@ObjectType({ description: "One saved version of a definition" })
export class DefinitionVersion {
  @Field(() => Int, { description: "The version number, 1 for the creation and +1 for every later change" })
  version!: number;

  @Field(() => String, {
    nullable: true,
    description:
      "The rule of this version (none for MANUAL tags, static segments and experiments); literals compared with PII are masked without read_pii",
  })
  rule?: string | null;

  @Field(() => String, { description: "The name as of this version" })
  name!: string;

  @Field(() => String, { description: "The description as of this version (empty when none was given)" })
  description!: string;

  @Field(() => DefinitionStatus, {
    description: "The status as of this version (archiving writes a version)",
  })
  status!: DefinitionStatus;

  @Field(() => String, { description: "Who saved this version" })
  author!: string;

  @Field(() => DateTime, { description: "When this version was saved" })
  createdAt!: Date;
}

/** The fields every definition type starts with. */
@ObjectType()
export abstract class Definition {
  @Field(() => String, {
    description: "The stable identifier used in rules, queries and tracking; cannot change after creation",
  })
  key!: string;

  @Field(() => String, { description: "The display name" })
  name!: string;

  @Field(() => String, { description: "What it is for, in words (empty when none was given)" })
  description!: string;

  @Field(() => DefinitionStatus, { description: "ACTIVE, or ARCHIVED once retired" })
  status!: DefinitionStatus;

  @Field(() => Int, {
    description:
      "The current version; pass it as expectedVersion to update (a stale one is refused with CONFLICT)",
  })
  version!: number;

  @Field(() => DateTime, { description: "When it was created" })
  createdAt!: Date;

  @Field(() => DateTime, { description: "When its definition last changed (creation, update or archive)" })
  updatedAt!: Date;
}

/** The fields every create input starts with. */
@InputType()
export abstract class CreateDefinitionInput {
  @Field(() => String, {
    description:
      "1–128 letters, digits, _ . : - (starting with a letter, digit or _); unique among its kind (an existing key is a CONFLICT), archived ones included",
  })
  key!: string;

  @Field(() => String, { description: "The display name, 1–200 characters" })
  name!: string;

  @Field(() => String, { nullable: true, description: "At most 2000 characters; default empty" })
  description?: string;
}

/** The fields every update input starts with (absent: unchanged). */
@InputType()
export abstract class UpdateDefinitionInput {
  @Field(() => String, {
    nullable: true,
    description: "A new display name, 1–200 characters; absent: unchanged",
  })
  name?: string;

  @Field(() => String, {
    nullable: true,
    description: "A new description, at most 2000 characters; absent: unchanged",
  })
  description?: string;
}
