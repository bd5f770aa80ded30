import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import type { AuditRecord } from "../access/audit-log";
import type { ApiKeyRecord } from "../access/keys";
import { Role } from "../access/permissions";
import { Connection } from "./connection";
import { DateTime, JSONScalar } from "./scalars";

registerEnumType(Role, {
  name: "Role",
  description:
    "What an API key may do. Roles without PII access (ANALYST, VIEWER) see emails, phones, PII traits and identity values masked (j***@example.com, 138****5678) and may not filter or group by them",
  valuesConfig: {
    ADMIN: {
      description: "Everything: reads with PII, ingestion, definitions, API keys, the audit log, erasure",
    },
    EDITOR: {
      description: "Reads with PII, and creates and changes definitions (tags, segments, purchase models)",
    },
    ANALYST: { description: "Reads profiles, metrics, analyses and definitions, with PII masked" },
    INGEST: {
      description:
        "Sends events, identities, orders and products (identify answers with the profile) and asks experimentAssignment; no other reads",
    },
    VIEWER: {
      description: "Reads profiles, metrics, analyses and definitions, with PII masked (like ANALYST)",
    },
  },
});

@ObjectType({ description: "An API key; its secret is shown only once, when it is created" })
export class ApiKey {
  @Field(() => ID, { description: "The key's id (what revokeApiKey takes), not its secret" })
  id!: string;

  @Field(() => String, { description: "Who or what uses the key; the audit log names it as the actor" })
  name!: string;

  @Field(() => Role, { description: "What the key may do" })
  role!: Role;

  @Field(() => DateTime, { description: "When the key was created (ISO 8601)" })
  createdAt!: Date;

  @Field(() => DateTime, {
    nullable: true,
    description: "When the key was revoked (ISO 8601); null while it is usable",
  })
  revokedAt!: Date | null;

  static from(record: ApiKeyRecord): ApiKey {
    return Object.assign(new ApiKey(), record);
  }
}

@ObjectType({ description: "A new API key with its secret, which no other answer ever shows" })
export class CreatedApiKey {
  @Field(() => String, { description: "The secret for `Authorization: Bearer …`; it cannot be shown again" })
  key!: string;

  @Field(() => ApiKey, { description: "The key's record, as apiKeys lists it" })
  apiKey!: ApiKey;
}

@InputType({ description: "A new API key" })
export class CreateApiKeyInput {
  @Field(() => String, {
    description: "Who or what will use the key, 1 to 100 characters (surrounding spaces are trimmed)",
  })
  name!: string;

  @Field(() => Role, { description: "What the key may do" })
  role!: Role;
}

@ObjectType({ description: "One change of a definition or key: who, what, before, after, when" })
export class AuditEntry {
  @Field(() => ID, { description: "The entry's id; higher ids are later entries" })
  id!: string;

  @Field(() => DateTime, { description: "When the change was made (ISO 8601)" })
  at!: Date;

  @Field(() => String, { description: "Name of the key that acted, or `system`" })
  actor!: string;

  @Field(() => String, {
    description:
      "What was done, e.g. `create`, `update`, `archive`, `assign`, `revoke`, `fit`, `erase`, `merge_refused`",
  })
  action!: string;

  @Field(() => String, {
    description: "Kind of thing changed: `tag`, `segment`, `api_key`, `purchase_model` or `user`",
  })
  entityType!: string;

  @Field(() => String, {
    nullable: true,
    description: "Which one: the tag, segment or model key, the API key id or the profile id; null when none",
  })
  entityKey!: string | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description:
      "What the entry records of the thing before the change; null when nothing, e.g. for a creation",
  })
  before!: unknown;

  @Field(() => JSONScalar, {
    nullable: true,
    description: "What the entry records of the thing after the change; null when nothing",
  })
  after!: unknown;

  @Field(() => String, {
    nullable: true,
    description:
      "Id of the API request that made the change (its `x-request-id`, or one generated for it); null for work not started by a request",
  })
  requestId!: string | null;

  static from(record: AuditRecord): AuditEntry {
    return Object.assign(new AuditEntry(), record, { id: String(record.id) });
  }
}

@ObjectType({ description: "A page of audit entries, newest first" })
export class AuditEntryConnection extends Connection(AuditEntry) {}
