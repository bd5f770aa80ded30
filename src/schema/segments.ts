import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import type { SegmentRecord } from "../segments/service";
import { CreateDefinitionInput, Definition, UpdateDefinitionInput } from "./definitions";
import { DateTime } from "./scalars";

export enum SegmentKind {
  DYNAMIC = "DYNAMIC",
  STATIC = "STATIC",
}
registerEnumType(SegmentKind, {
  name: "SegmentKind",
  description: "DYNAMIC: a rule re-evaluated on refresh; STATIC: an uploaded list or a frozen snapshot",
});

@ObjectType()
export class Segment extends Definition {
  @Field(() => SegmentKind)
  kind!: SegmentKind;

  @Field(() => String, { nullable: true })
  rule!: string | null;

  @Field(() => String, { nullable: true, description: "For a snapshot: the segment it froze" })
  snapshotOf!: string | null;

  @Field(() => Int, { description: "Current members" })
  size!: number;

  @Field(() => DateTime, { nullable: true })
  refreshedAt!: Date | null;

  static from(record: SegmentRecord): Segment {
    return Object.assign(new Segment(), record);
  }
}

@InputType()
export class CreateSegmentInput extends CreateDefinitionInput {
  @Field(() => String, { description: "Rule text or its JSON AST as a string starting with {" })
  rule!: string;
}

@InputType()
export class SegmentIdentityInput {
  @Field(() => String)
  type!: string;

  @Field(() => String)
  value!: string;
}

@InputType()
export class CreateStaticSegmentInput extends CreateDefinitionInput {
  @Field(() => [ID], { nullable: true })
  userIds?: string[];

  @Field(() => [SegmentIdentityInput], { nullable: true })
  identities?: SegmentIdentityInput[];
}

@InputType()
export class UpdateSegmentInput extends UpdateDefinitionInput {
  @Field(() => String, { nullable: true })
  rule?: string;
}

@ObjectType({ description: "Members shared by two segments" })
export class SegmentOverlap {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  otherKey!: string;

  @Field(() => Int)
  size!: number;
}

@ObjectType()
export class SegmentSizePoint {
  @Field(() => DateTime, { description: "Start of the day" })
  at!: Date;

  @Field(() => Int, { description: "Members at the end of that day" })
  size!: number;
}

@ObjectType({ description: "A user's current membership of a segment" })
export class UserSegment {
  @Field(() => String)
  key!: string;

  @Field(() => DateTime)
  enteredAt!: Date;
}
