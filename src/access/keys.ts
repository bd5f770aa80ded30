import { createHash, randomBytes, randomUUID } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { recordAudit } from "../audit/service";
import type { Database } from "../db/client";
import { apiKeys } from "../db/schema";
import { badInput, notFound } from "../errors";
import { type Principal, Role } from "./permissions";

/** A key as the API shows it: the row of `api_keys` without its hash. */
export type ApiKeyRecord = Omit<typeof apiKeys.$inferSelect, "keyHash" | "role"> & { role: Role };

export interface CreatedApiKey {
  /** The secret, returned once and never stored. */
  key: string;
  apiKey: ApiKeyRecord;
}

/** Secrets start with a recognisable prefix so leaked keys are easy to scan for. */
export const KEY_PREFIX = "strat_";
const MAX_NAME_LENGTH = 100;
const ROLES = new Set<string>(Object.values(Role));

export const hashKey = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex");

/** The columns of `ApiKeyRecord`: every column but the hash. */
const keyColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  role: apiKeys.role,
  createdAt: apiKeys.createdAt,
  revokedAt: apiKeys.revokedAt,
};

const asRecord = (row: { role: string } & Omit<ApiKeyRecord, "role">): ApiKeyRecord => row as ApiKeyRecord;

/** What the audit log keeps of a key: never the secret nor its hash. */
const auditView = (key: ApiKeyRecord) => ({
  id: key.id,
  name: key.name,
  role: key.role,
  revokedAt: key.revokedAt ? new Date(key.revokedAt).toISOString() : null,
});

/**
 * API keys: random secrets shown once and stored as SHA-256 hashes, each with a role.
 * Lookups happen on every request without a cache, so a revocation holds from the next request.
 */
export class ApiKeyService {
  constructor(private readonly db: Database) {}

  async create(
    input: { name: string; role: string },
    actor: Principal,
    requestId?: string,
  ): Promise<CreatedApiKey> {
    const name = typeof input.name === "string" ? input.name.trim() : "";
    if (!name || name.length > MAX_NAME_LENGTH)
      throw badInput(`\`name\` must be 1 to ${MAX_NAME_LENGTH} characters`, { argument: "name" });
    if (!ROLES.has(input.role))
      throw badInput(`\`role\` must be one of ${[...ROLES].join(", ")}`, { argument: "role" });
    const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
    const apiKey = await this.db.transaction(async (tx) => {
      const [inserted] = await tx.orm
        .insert(apiKeys)
        .values({ id: randomUUID(), name, role: input.role, keyHash: hashKey(key) })
        .returning(keyColumns);
      const row = asRecord(inserted);
      await recordAudit(tx, {
        actor: actor.name,
        action: "create",
        entityType: "api_key",
        entityKey: row.id,
        after: auditView(row),
        requestId,
      });
      return row;
    });
    return { key, apiKey };
  }

  /** Every key, revoked ones included, newest first. Keys are few: no paging. */
  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.orm
      .select(keyColumns)
      .from(apiKeys)
      .orderBy(desc(apiKeys.createdAt), apiKeys.id);
    return rows.map(asRecord);
  }

  /** Revokes a key; revoking an already revoked key changes nothing and records nothing. */
  async revoke(id: string, actor: Principal, requestId?: string): Promise<ApiKeyRecord> {
    return this.db.transaction(async (tx) => {
      const [locked] = await tx.orm.select(keyColumns).from(apiKeys).where(eq(apiKeys.id, id)).for("update");
      if (!locked) throw notFound(`No API key with id ${id}`, { argument: "id" });
      const before = asRecord(locked);
      if (before.revokedAt) return before;
      const [revoked] = await tx.orm
        .update(apiKeys)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .returning(keyColumns);
      const after = asRecord(revoked);
      await recordAudit(tx, {
        actor: actor.name,
        action: "revoke",
        entityType: "api_key",
        entityKey: id,
        before: auditView(before),
        after: auditView(after),
        requestId,
      });
      return after;
    });
  }

  /**
   * What a presented secret is: a live key (its principal), a revoked key, or unknown.
   * Callers must not fall back to other credentials for a revoked key.
   */
  async lookup(
    token: string,
  ): Promise<{ status: "live"; principal: Principal } | { status: "revoked" | "unknown" }> {
    if (!token.startsWith(KEY_PREFIX)) return { status: "unknown" };
    const [row] = await this.db.orm
      .select(keyColumns)
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, hashKey(token)));
    if (!row) return { status: "unknown" };
    if (row.revokedAt || !ROLES.has(row.role)) return { status: "revoked" };
    return { status: "live", principal: { keyId: row.id, name: row.name, role: row.role as Role } };
  }
}
