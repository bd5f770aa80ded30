import { Field, ID, Int, ObjectType } from "type-graphql";
import type { ErasureResult } from "../users/erasure";
import type { UserRecord } from "../users/service";
import { Connection } from "./connection";
import { DateTime, JSONScalar } from "./scalars";

@ObjectType({ description: "An identifier linked to a profile; profiles sharing one are merged" })
export class Identity {
  @Field(() => String, {
    description:
      "user_id (the shop's account id), anonymous_id, email, phone, wechat_unionid, wechat_openid or a custom type",
  })
  type!: string;

  @Field(() => String, {
    description: "The identifier; masked (j***@example.com, 138****5678) for PII types without PII access",
  })
  value!: string;
}

/** A unified profile. Fields that read other tables are resolved in `UserResolver` via loaders. */
@ObjectType({
  description:
    "A unified customer profile: every identifier, event and order resolved to one person, including the profiles merged into it",
})
export class User {
  @Field(() => ID, { description: "The profile's id" })
  id!: string;

  @Field(() => DateTime, { description: "When Stratum created the profile (ISO 8601)" })
  createdAt!: Date;

  @Field(() => DateTime, {
    description:
      "Earliest time the person was seen (an event, an order, or the identify call that created the profile), over the profile and those merged into it (ISO 8601)",
  })
  firstSeenAt!: Date;

  @Field(() => DateTime, {
    description:
      "Latest time the person was seen (an event, an order or a timestamped identify call), over the profile and those merged into it (ISO 8601)",
  })
  lastSeenAt!: Date;

  @Field(() => JSONScalar, {
    description:
      "Attributes of the person (e.g. city, gender), the most recently observed value per key; PII traits masked without PII access",
  })
  traits!: Record<string, unknown>;

  static from(record: UserRecord): User {
    return Object.assign(new User(), { ...record, id: String(record.id) });
  }
}

@ObjectType({ description: "A page of profiles, in id order" })
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

  @Field(() => Int, { description: "Tag memberships removed" })
  tagMemberships!: number;

  @Field(() => Int, { description: "Segment memberships removed" })
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
