import { sql } from "drizzle-orm";
import type { Database } from "../db/client";

export interface AuditEntry {
  /** The key name (or `system`) that acted. */
  actor: string;
  /** Verb such as `create`, `update`, `archive`, `assign`, `merge_refused`. */
  action: string;
  /** `tag`, `segment`, `api_key`, `identity` … */
  entityType: string;
  entityKey?: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
}

/** Appends to the audit log; call it inside the transaction that makes the change. */
export async function recordAudit(db: Database, entry: AuditEntry): Promise<void> {
  await db.query(sql`
    insert into audit_log (actor, action, entity_type, entity_key, before, after, request_id)
    values (${entry.actor}, ${entry.action}, ${entry.entityType}, ${entry.entityKey ?? null},
      ${entry.before === undefined ? null : JSON.stringify(entry.before)}::jsonb,
      ${entry.after === undefined ? null : JSON.stringify(entry.after)}::jsonb, ${entry.requestId ?? null})`);
}
