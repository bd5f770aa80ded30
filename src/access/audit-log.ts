import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { columnsOf, selectListOf } from "../db/columns";
import { auditLog } from "../db/schema";
import { badInput } from "../errors";
import { isNumberKey, type Page, type PageRequest, pageWindow, toPage } from "../pagination";
import { type KeysetOrder, keysetPage } from "../semantic/keyset";

export type AuditRecord = typeof auditLog.$inferSelect & Record<string, unknown>;

const AUDIT_COLUMNS = selectListOf(columnsOf(auditLog));

export interface AuditFilter {
  entityType?: string | null;
  entityKey?: string | null;
}

const NEWEST_FIRST: KeysetOrder<number> = {
  direction: "desc",
  columns: [sql`id`],
  values: (id) => [sql`${id}::bigint`],
};

/** Reads the audit log written by `recordAudit`: newest first, optionally for one entity. */
export async function listAudit(
  db: Database,
  request: PageRequest & AuditFilter,
): Promise<Page<AuditRecord>> {
  const window = pageWindow(request, isNumberKey);
  if (request.entityKey != null && request.entityType == null)
    throw badInput("`entityKey` needs `entityType`", { argument: "entityKey" });
  const entity = sql.join(
    [
      request.entityType != null ? sql`entity_type = ${request.entityType}` : sql`true`,
      request.entityKey != null ? sql`entity_key = ${request.entityKey}` : sql`true`,
    ],
    sql` and `,
  );
  const page = keysetPage(window, NEWEST_FIRST);
  const [rows, [{ count }]] = await Promise.all([
    db.query<AuditRecord>(sql`
      select ${AUDIT_COLUMNS}
      from audit_log where ${entity} and ${page.past}
      order by ${page.orderBy} limit ${page.limit}`),
    db.query<{ count: number }>(sql`select count(*)::int as count from audit_log where ${entity}`),
  ]);
  return toPage(rows, window, (row) => row.id, count);
}
