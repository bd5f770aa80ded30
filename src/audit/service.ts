import type { Database } from "../db/client";
import { auditLog } from "../db/schema";

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
  await db.orm.insert(auditLog).values({
    actor: entry.actor,
    action: entry.action,
    entityType: entry.entityType,
    entityKey: entry.entityKey ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    requestId: entry.requestId ?? null,
  });
}
