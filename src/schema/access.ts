import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import type { AuditRecord } from "../access/audit-log";
import type { ApiKeyRecord } from "../access/keys";
import { Role } from "../access/permissions";
import { Connection } from "./connection";
import { DateTime, JSONScalar } from "./scalars";

registerEnumType(Role, {
  name: "Role",
  description:
    "ADMIN: everything, keys and audit log; EDITOR: definitions; ANALYST and VIEWER: read without PII; INGEST: send data",
});

@ObjectType({ description: "An API key; its secret is shown only once, when it is created" })
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => DateTime, { nullable: true })
  revokedAt!: Date | null;

  static from(record: ApiKeyRecord): ApiKey {
    return Object.assign(new ApiKey(), record);
  }
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => String, { description: "The secret for `Authorization: Bearer …`; it cannot be shown again" })
  key!: string;

  @Field(() => ApiKey)
  apiKey!: ApiKey;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => Role)
  role!: Role;
}

@ObjectType({ description: "One change of a definition or key: who, what, before, after, when" })
export class AuditEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTime)
  at!: Date;

  @Field(() => String, { description: "Name of the key that acted, or `system`" })
  actor!: string;

  @Field(() => String)
  action!: string;

  @Field(() => String)
  entityType!: string;

  @Field(() => String, { nullable: true })
  entityKey!: string | null;

  @Field(() => JSONScalar, { nullable: true })
  before!: unknown;

  @Field(() => JSONScalar, { nullable: true })
  after!: unknown;

  @Field(() => String, { nullable: true })
  requestId!: string | null;

  static from(record: AuditRecord): AuditEntry {
    return Object.assign(new AuditEntry(), record, { id: String(record.id) });
  }
}

@ObjectType()
export class AuditEntryConnection extends Connection(AuditEntry) {}
