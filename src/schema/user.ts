import { Field, ID, ObjectType } from "type-graphql";
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
