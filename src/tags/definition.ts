import { sql } from "drizzle-orm";
import type { PiiAccess } from "../access/pii";
import type { Database } from "../db/client";
import type { DefinitionColumn } from "../definitions/store";
import { badInput } from "../errors";
import { bigintArray } from "../semantic/arrays";
import { mergeSurvivor } from "../semantic/facts";

/** Shared by tags and segments: who acts, and the validation of keys, names, descriptions. */
export interface Actor {
  /** Shown in history and the audit log (the API key's name, or `system`). */
  name: string;
  requestId?: string;
  /** A request's principal under the PII policy: rules naming PII keys need read_pii. None for internal work. */
  pii?: PiiAccess;
}

export const DEFINITION_STATUSES = ["ACTIVE", "ARCHIVED"] as const;
export type DefinitionStatus = (typeof DEFINITION_STATUSES)[number];

/** What tags and segments add for their rules: kind and rule (versioned), when last refreshed. */
export const RULE_DEFINITION_COLUMNS: readonly DefinitionColumn[] = [
  { column: "kind", field: "kind", versioned: true },
  { column: "rule", field: "rule", versioned: true },
  { column: "refreshed_at", field: "refreshedAt", versioned: false, unaudited: true },
];

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 2000;
/** The most user ids one assign / static-segment call takes. */
export const MAX_USER_IDS = 100_000;

export function validateKey(key: unknown, argument = "key"): string {
  if (typeof key !== "string" || !KEY.test(key)) {
    throw badInput(
      `${argument} must be 1–128 characters of letters, digits, _ . : - (starting with a letter, digit or _)`,
      {
        argument,
      },
    );
  }
  return key;
}

export function validateName(name: unknown, argument = "name"): string {
  if (typeof name !== "string" || name.trim().length === 0 || Array.from(name).length > MAX_NAME_LENGTH) {
    throw badInput(`${argument} must be 1–${MAX_NAME_LENGTH} characters`, { argument });
  }
  return name;
}

export function validateDescription(description: unknown, argument = "description"): string {
  if (description === undefined || description === null) return "";
  if (typeof description !== "string" || Array.from(description).length > MAX_DESCRIPTION_LENGTH) {
    throw badInput(`${argument} must be at most ${MAX_DESCRIPTION_LENGTH} characters`, { argument });
  }
  return description;
}

/** The key, name and description every created definition has. */
export function validateNewDefinition(input: { key: unknown; name: unknown; description?: unknown }): {
  key: string;
  name: string;
  description: string;
} {
  return {
    key: validateKey(input.key),
    name: validateName(input.name),
    description: validateDescription(input.description),
  };
}

/** Name and description after an update: an absent (null) field keeps its stored value. */
export function updatedNameAndDescription(
  before: { name: string; description: string },
  input: { name?: unknown; description?: unknown },
): { name: string; description: string } {
  return {
    name: input.name == null ? before.name : validateName(input.name),
    description: input.description == null ? before.description : validateDescription(input.description),
  };
}

export function validateUserIds(userIds: unknown, argument = "userIds"): number[] {
  if (!Array.isArray(userIds) || userIds.length > MAX_USER_IDS) {
    throw badInput(`${argument} must be a list of at most ${MAX_USER_IDS} user ids`, { argument });
  }
  return [
    ...new Set(
      userIds.map((id) => {
        const text = String(id);
        if (!/^\d{1,15}$/.test(text))
          throw badInput(`${argument} holds "${text}", which is not a user id`, { argument });
        return Number(text);
      }),
    ),
  ];
}

/** Resolves ids to their surviving active profiles; any unknown id is a BAD_USER_INPUT naming it. */
export async function resolveUserIds(
  db: Database,
  ids: readonly number[],
  argument = "userIds",
): Promise<number[]> {
  if (ids.length === 0) return [];
  const requested = mergeSurvivor(sql`r.id`);
  const rows = await db.query<{ requested: number; resolved: number | null }>(sql`
    select r.id as requested, u.id as resolved
    from unnest(${bigintArray(ids)}) as r(id)
    ${requested.join}
    left join users u on u.id = ${requested.id} and u.merged_into is null`);
  const missing = rows.filter((row) => row.resolved === null).map((row) => row.requested);
  if (missing.length) {
    throw badInput(
      `${argument}: no profile has id ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? " …" : ""}`,
      {
        argument,
        missing: missing.slice(0, 100),
      },
    );
  }
  return [...new Set(rows.map((row) => row.resolved as number))];
}
