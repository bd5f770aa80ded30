import { sql } from "drizzle-orm";
import {
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import { type Role, Role as Roles, SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import type { Database } from "../../src/db/client";
import type { Services } from "../../src/server/services";

export const ROLES = Object.values(Roles) as Role[];

/** One live key per role, created through the service as the CLI would. */
export async function keysForEveryRole(services: Services): Promise<Record<Role, string>> {
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) {
    keys[role] = (await services.apiKeys.create({ name: `test ${role}`, role }, SYSTEM_PRINCIPAL)).key;
  }
  return keys;
}

/**
 * Row count and an md5 of the ordered rows of every table, so a test can prove that a
 * run of hostile requests changed nothing (definitions, keys, facts, audit log).
 */
export async function databaseFingerprint(db: Database): Promise<Record<string, string>> {
  const tables = await db.query<{ name: string }>(sql`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`);
  const fingerprint: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await db.query<{ count: number; checksum: string }>(sql`
      select count(*)::int as count, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as checksum
      from ${sql.identifier(name)} t`);
    fingerprint[name] = `${row.count}:${row.checksum}`;
  }
  return fingerprint;
}

/** PII-bearing profile used by several suites: user 1 with an email, a phone and a name. */
export async function seedPiiProfile(db: Database): Promise<void> {
  await db.query(sql`
    insert into users (id, traits) overriding system value values
      (1, ${JSON.stringify({ name: "Jane Doe", email: "jane@example.com", phone: "13812345678", city: "上海" })}::jsonb)`);
  await db.query(sql`
    insert into identities (type, value, user_id) values
      ('email', 'jane@example.com', 1), ('phone', '13812345678', 1),
      ('user_id', 'shop-1', 1), ('wechat_openid', 'oWx123456', 1)`);
}

const SAMPLE_SCALARS: Record<string, string> = {
  Int: "1",
  Float: "1",
  Boolean: "false",
  ID: '"1"',
  String: '"x"',
  DateTime: '"2026-01-01T00:00:00Z"',
  Date: '"2026-01-01"',
  JSON: "{}",
  JSONObject: "{}",
};

/** A literal that passes GraphQL validation for `type` (required input fields only). */
export function sampleLiteral(type: GraphQLInputType): string {
  if (isNonNullType(type)) return sampleLiteral(type.ofType);
  if (isListType(type)) return `[${sampleLiteral(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter(
      (field) => isNonNullType(field.type) && field.defaultValue === undefined,
    );
    return `{ ${fields.map((field) => `${field.name}: ${sampleLiteral(field.type)}`).join(", ")} }`;
  }
  if (isScalarType(type)) return SAMPLE_SCALARS[type.name] ?? '"x"';
  throw new Error(`no sample for ${String(type)}`);
}

export function operationFor(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>): string {
  const args = field.args
    .filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)
    .map((arg) => `${arg.name}: ${sampleLiteral(arg.type)}`);
  const selection = isLeafType(getNamedType(field.type)) ? "" : " { __typename }";
  return `${kind} { ${field.name}${args.length ? `(${args.join(", ")})` : ""}${selection} }`;
}
