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
  description: "How a segment's members are decided; fixed when the segment is created",
  valuesConfig: {
    DYNAMIC: {
      description:
        "Members are the users matching a rule, recomputed at creation, on a rule change and on every refresh",
    },
    STATIC: {
      description:
        "A fixed list: uploaded user ids or identities, or a snapshot of another segment; never refreshed",
    },
  },
});

@ObjectType({
  description:
    "A named group of users, from a rule or a fixed list, to analyse, target or export; rules refer to it with in_segment",
})
export class Segment extends Definition {
  @Field(() => SegmentKind, { description: "DYNAMIC (from a rule) or STATIC (a fixed list); cannot change" })
  kind!: SegmentKind;

  @Field(() => String, {
    nullable: true,
    description: "The rule of a DYNAMIC segment; literals compared with PII are masked without read_pii",
  })
  rule!: string | null;

  @Field(() => String, { nullable: true, description: "For a snapshot: the segment it froze" })
  snapshotOf!: string | null;

  @Field(() => Int, { description: "Current members" })
  size!: number;

  @Field(() => DateTime, {
    nullable: true,
    description: "When a DYNAMIC segment's members were last recomputed; none for STATIC segments",
  })
  refreshedAt!: Date | null;

  static from(record: SegmentRecord): Segment {
    return Object.assign(new Segment(), record);
  }
}

@InputType({ description: "A new dynamic segment" })
export class CreateSegmentInput extends CreateDefinitionInput {
  @Field(() => String, { description: "Rule text or its JSON AST as a string starting with {" })
  rule!: string;
}

@InputType({ description: "A user named by one of their identities, as loaded with their profile" })
export class SegmentIdentityInput {
  @Field(() => String, { description: "The identity type, e.g. email, phone or an external id type" })
  type!: string;

  @Field(() => String, { description: "The identity's value, matched exactly" })
  value!: string;
}

@InputType({ description: "A new static segment from a list of users; give userIds, identities or both" })
export class CreateStaticSegmentInput extends CreateDefinitionInput {
  @Field(() => [ID], {
    nullable: true,
    description:
      "At most 100,000 user ids; a merged profile counts as its survivor, an unknown id is refused with BAD_USER_INPUT",
  })
  userIds?: string[];

  @Field(() => [SegmentIdentityInput], {
    nullable: true,
    description:
      "At most 100,000 identities, each of which must belong to a profile (BAD_USER_INPUT lists the ones that do not)",
  })
  identities?: SegmentIdentityInput[];
}

@InputType({ description: "Changes to a segment; absent fields stay as they are (the kind cannot change)" })
export class UpdateSegmentInput extends UpdateDefinitionInput {
  @Field(() => String, {
    nullable: true,
    description:
      "A new rule (text or JSON AST) for a DYNAMIC segment, refused for STATIC ones; a changed rule recomputes the members at once",
  })
  rule?: string;
}

@ObjectType({ description: "Members shared by two segments" })
export class SegmentOverlap {
  @Field(() => String, { description: "One segment of the pair" })
  key!: string;

  @Field(() => String, { description: "The other segment of the pair" })
  otherKey!: string;

  @Field(() => Int, { description: "Users currently in both segments" })
  size!: number;
}

@ObjectType({ description: "A segment's size on one day" })
export class SegmentSizePoint {
  @Field(() => DateTime, { description: "Start of the day" })
  at!: Date;

  @Field(() => Int, { description: "Members at the end of that day" })
  size!: number;
}

@ObjectType({ description: "A user's current membership of a segment" })
export class UserSegment {
  @Field(() => String, { description: "The segment's key" })
  key!: string;

  @Field(() => DateTime, { description: "When the user entered the segment (this membership's start)" })
  enteredAt!: Date;
}
