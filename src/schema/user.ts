import { Field, ID, Int, ObjectType } from "type-graphql";
import type { ErasureResult } from "../users/erasure";
import type { UserRecord } from "../users/service";
import { Connection } from "./connection";
import { DateTime, JSONScalar } from "./scalars";

@ObjectType()
export class Identity {
  @Field(() => String)
  type!: string;

  @Field(() => String)
  value!: string;
}

/** A unified profile. Fields that read other tables are resolved in `UserResolver` via loaders. */
@ObjectType()
export class User {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => DateTime)
  firstSeenAt!: Date;

  @Field(() => DateTime)
  lastSeenAt!: Date;

  @Field(() => JSONScalar)
  traits!: Record<string, unknown>;

  static from(record: UserRecord): User {
    return Object.assign(new User(), { ...record, id: String(record.id) });
  }
}

@ObjectType()
export class UserConnection extends Connection(User) {}

@ObjectType({ description: "What an erasure removed; all zero when the person had already been erased" })
export class UserErasure {
  @Field(() => ID, { description: "The surviving profile the id resolves to" })
  userId!: string;

  @Field(() => [ID], { description: "That profile and every profile merged into it" })
  profiles!: string[];

  @Field(() => Int, { description: "Identities deleted" })
  identities!: number;

  @Field(() => Int, { description: "Profiles whose traits were cleared" })
  profilesWithTraits!: number;

  @Field(() => Int, { description: "Events whose PII properties and anonymous id were removed" })
  events!: number;

  @Field(() => Int)
  tagMemberships!: number;

  @Field(() => Int)
  segmentMemberships!: number;

  @Field(() => Int, { description: "Audit entries whose payloads held the person's values" })
  auditEntries!: number;

  @Field(() => Boolean, { description: "False when nothing was left to remove" })
  changed!: boolean;

  static from(result: ErasureResult): UserErasure {
    return Object.assign(new UserErasure(), {
      ...result,
      userId: String(result.userId),
      profiles: result.profiles.map(String),
    });
  }
}
