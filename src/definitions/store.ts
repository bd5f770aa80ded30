import { type SQL, sql } from "drizzle-orm";
import { recordAudit } from "../audit/service";
import type { Database } from "../db/client";
import { badInput, conflict, notFound } from "../errors";
import type { MemberCount } from "../semantic/membership";
import { type Actor, DEFINITION_STATUSES, type DefinitionStatus } from "../tags/definition";

/** A column a definition has beyond key, name, description, status and version. */
export interface DefinitionColumn {
  /** The column in the definition table (and, when `versioned`, in the version table). */
  column: string;
  /** The property of the record (and of the audit before/after). */
  field: string;
  /** Copied into every version row. */
  versioned: boolean;
  /** jsonb: written as JSON text, read back parsed; timestamptz: written from a Date. */
  cast?: "jsonb" | "timestamptz";
  /** Left out of the audit before/after (bookkeeping such as `refreshed_at`). */
  unaudited?: boolean;
}

/** Which tables hold one kind of definition, and what that kind adds to the shared columns. */
export interface DefinitionTable {
  /** `Tag`, `Segment` … as errors name it. */
  label: string;
  /** The audit log's `entityType`. */
  kind: string;
  table: string;
  versionTable: string;
  /** The column of `versionTable` holding the definition's key. */
  versionKeyColumn: string;
  columns: readonly DefinitionColumn[];
  /** The member count read with every definition (`memberCount`, over the row aliased `d`). */
  derived?: MemberCount;
}

/**
 * The descriptor of a kind stored by convention: `<kind>s`, `<kind>_versions` keyed by
 * `<kind>_key`, audited as `<kind>`.
 */
export function definitionTable(
  kind: string,
  label: string,
  columns: readonly DefinitionColumn[],
  derived?: MemberCount,
): DefinitionTable {
  return {
    label,
    kind,
    table: `${kind}s`,
    versionTable: `${kind}_versions`,
    versionKeyColumn: `${kind}_key`,
    columns,
    derived,
  };
}

/** What every definition record holds. */
export interface DefinitionRecord extends Record<string, unknown> {
  key: string;
  name: string;
  description: string;
  status: DefinitionStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

/** One saved version: the shared columns plus the table's versioned ones. */
export interface DefinitionVersionRecord extends Record<string, unknown> {
  key: string;
  version: number;
  name: string;
  description: string;
  status: string;
  author: string;
  createdAt: Date;
}

/** The values a definition is written with: name, description and its own columns by field. */
export type DefinitionValues = Record<string, unknown> & { name: string; description: string };

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);
const joinSql = (parts: SQL[]) => sql.join(parts, sql`, `);

/**
 * Versioned, audited definitions stored in one table plus a version table (tags, segments,
 * experiments). Every write bumps `version`, appends a version row with its author and an
 * audit entry in the same transaction; updates name the version they change (stale → CONFLICT).
 * What a kind adds (rule checks, memberships, refresh) stays in its service.
 */
export class DefinitionStore<R extends DefinitionRecord> {
  private readonly columns: SQL;
  /** The definition table aliased `d`, with the join of its member count. */
  private readonly source: SQL;

  constructor(
    private readonly db: Database,
    private readonly table: DefinitionTable,
  ) {
    const count = table.derived;
    this.source = sql`${ident(table.table)} d ${count?.join ?? sql``}`;
    this.columns = joinSql([
      sql`d.key, d.name, d.description, d.status, d.version`,
      ...table.columns.map((c) => sql`d.${ident(c.column)} as ${ident(c.field)}`),
      ...(count ? [count.column] : []),
      sql`d.created_at as "createdAt", d.updated_at as "updatedAt", d.updated_by as "updatedBy"`,
    ]);
  }

  /** Definitions in key order, optionally of one status and matching `where` (over alias `d`). */
  async list(filter: { status?: DefinitionStatus | null; where?: SQL } = {}): Promise<R[]> {
    if (filter.status && !DEFINITION_STATUSES.includes(filter.status))
      throw badInput("status must be ACTIVE or ARCHIVED", { argument: "status" });
    const status = filter.status ?? null;
    return this.db.query<R>(sql`select ${this.columns} from ${this.source}
      where (${status}::text is null or d.status = ${status}::text) and ${filter.where ?? sql`true`}
      order by d.key`);
  }

  async get(key: string, db: Database = this.db): Promise<R | null> {
    const [row] = await db.query<R>(sql`select ${this.columns} from ${this.source} where d.key = ${key}`);
    return row ?? null;
  }

  /** The definition, or NOT_FOUND; `lock` holds its row (select … for update) until the transaction ends. */
  async require(key: string, db: Database = this.db, lock = false): Promise<R> {
    if (lock) await db.query(sql`select 1 from ${ident(this.table.table)} where key = ${key} for update`);
    const record = await this.get(key, db);
    if (!record) throw notFound(`${this.table.label} "${key}" does not exist`, { argument: "key", key });
    return record;
  }

  /** Versions of several definitions in one statement, newest first. */
  async historyOf(keys: readonly string[]): Promise<DefinitionVersionRecord[][]> {
    const { versionTable, versionKeyColumn } = this.table;
    const versioned = this.table.columns.filter((c) => c.versioned);
    const rows = await this.db.query<DefinitionVersionRecord>(sql`
      select ${joinSql([
        sql`${ident(versionKeyColumn)} as key, version, name, description`,
        ...versioned.map((c) => sql`${ident(c.column)} as ${ident(c.field)}`),
        sql`status, author, created_at as "createdAt"`,
      ])}
      from ${ident(versionTable)} where ${ident(versionKeyColumn)} in (${joinSql(
        [...keys, ""].map((k) => sql`${k}::text`),
      )}) order by ${ident(versionKeyColumn)}, version desc`);
    return keys.map((key) => rows.filter((row) => row.key === key));
  }

  /** Inserts version 1 (CONFLICT when the key exists), its version row and an audit entry `action`. */
  async insert(
    tx: Database,
    key: string,
    values: DefinitionValues,
    actor: Actor,
    action = "create",
  ): Promise<R> {
    const own = this.table.columns.filter((c) => c.field in values);
    const inserted = await tx.query(sql`
      insert into ${ident(this.table.table)} (${joinSql([
        sql`key, name, description, status, version, updated_by`,
        ...own.map((c) => ident(c.column)),
      ])})
      values (${joinSql([
        sql`${key}, ${values.name}, ${values.description}, 'ACTIVE', 1, ${actor.name}`,
        ...own.map((c) => this.value(c, values[c.field])),
      ])})
      on conflict (key) do nothing returning key`);
    if (inserted.length === 0)
      throw conflict(`${this.table.label} "${key}" already exists`, { argument: "key", key });
    const created = await this.writeVersion(key, actor, tx);
    await this.audit(tx, action, key, actor, undefined, created);
    return created;
  }

  /**
   * Changes an ACTIVE definition at `expectedVersion` (else CONFLICT naming the current one)
   * in one transaction: `change` computes the new values from the locked row.
   */
  async update(
    key: string,
    expectedVersion: number,
    actor: Actor,
    change: (before: R, tx: Database) => Promise<DefinitionValues>,
  ): Promise<{ before: R; after: R }> {
    if (!Number.isInteger(expectedVersion))
      throw badInput("expectedVersion must be an integer", { argument: "expectedVersion" });
    return this.db.transaction(async (tx) => {
      const before = await this.require(key, tx, true);
      if (before.version !== expectedVersion) {
        throw conflict(
          `${this.table.label} "${key}" is at version ${before.version}, not ${expectedVersion}; reload and retry`,
          { key, currentVersion: before.version },
        );
      }
      this.assertActive(before);
      const values = await change(before, tx);
      const own = this.table.columns.filter((c) => c.field in values);
      await tx.query(
        sql`update ${ident(this.table.table)} set ${joinSql([
          sql`name = ${values.name}, description = ${values.description}`,
          ...own.map((c) => sql`${ident(c.column)} = ${this.value(c, values[c.field])}`),
        ])}, version = version + 1, updated_at = now(), updated_by = ${actor.name} where key = ${key}`,
      );
      const after = await this.writeVersion(key, actor, tx);
      await this.audit(tx, "update", key, actor, before, after);
      return { before, after };
    });
  }

  /**
   * Archives a definition (a new version, audited); archiving an archived one changes nothing.
   * `beforeArchive` runs first on the locked row: refuse (dependents) or clear what it owns (members).
   */
  async archive(
    key: string,
    actor: Actor,
    beforeArchive: (before: R, tx: Database) => Promise<void> = async () => {},
  ): Promise<R> {
    await this.db.transaction(async (tx) => {
      const before = await this.require(key, tx, true);
      if (before.status === "ARCHIVED") return;
      await beforeArchive(before, tx);
      await tx.query(sql`update ${ident(this.table.table)} set status = 'ARCHIVED', version = version + 1,
        updated_at = now(), updated_by = ${actor.name} where key = ${key}`);
      const after = await this.writeVersion(key, actor, tx);
      await this.audit(tx, "archive", key, actor, before, after);
    });
    return this.require(key);
  }

  /** BAD_USER_INPUT naming `key` unless the definition is ACTIVE. */
  assertActive(record: R): void {
    if (record.status !== "ACTIVE")
      throw badInput(`${this.table.label} "${record.key}" is archived`, { argument: "key" });
  }

  private value(column: DefinitionColumn, value: unknown): SQL {
    if (value == null) return sql`null`;
    if (column.cast === "jsonb") return sql`${JSON.stringify(value)}::jsonb`;
    if (column.cast === "timestamptz") return sql`${(value as Date).toISOString()}::timestamptz`;
    return sql`${value}`;
  }

  private async writeVersion(key: string, actor: Actor, db: Database): Promise<R> {
    const { table, versionTable, versionKeyColumn } = this.table;
    const versioned = this.table.columns.filter((c) => c.versioned).map((c) => ident(c.column));
    await db.query(sql`insert into ${ident(versionTable)} (${joinSql([
      sql`${ident(versionKeyColumn)}, version, name, description, status, author`,
      ...versioned,
    ])})
      select ${joinSql([sql`key, version, name, description, status, ${actor.name}`, ...versioned])}
      from ${ident(table)} where key = ${key}`);
    return this.require(key, db);
  }

  /** The stored definition for the audit log: shared and own columns, no derived counts. */
  private definitionOf(record: R): Record<string, unknown> {
    const audited = this.table.columns.filter((c) => !c.unaudited).map((c) => c.field);
    const fields = ["key", "name", "description", ...audited, "status", "version"];
    return Object.fromEntries(fields.map((field) => [field, record[field]]));
  }

  private audit(tx: Database, action: string, key: string, actor: Actor, before: R | undefined, after: R) {
    return recordAudit(tx, {
      actor: actor.name,
      action,
      entityType: this.table.kind,
      entityKey: key,
      before: before === undefined ? undefined : this.definitionOf(before),
      after: this.definitionOf(after),
      requestId: actor.requestId,
    });
  }
}

/**
 * How a rule definition is created. `refresh: false`: its members are not computed at once, so
 * it has none until the next refresh (the demo seed creates its definitions first and refreshes
 * them together, in one pass over the facts).
 */
export interface CreateOptions {
  refresh?: boolean;
}

/** The base of a kind's service: its store, and the reads that need nothing kind-specific. */
export abstract class DefinitionService<R extends DefinitionRecord> {
  protected readonly store: DefinitionStore<R>;

  constructor(
    protected readonly db: Database,
    table: DefinitionTable,
  ) {
    this.store = new DefinitionStore<R>(db, table);
  }

  get(key: string, db: Database = this.db): Promise<R | null> {
    return this.store.get(key, db);
  }

  /** The definition, archived or not; NOT_FOUND when there is none. */
  definition(key: string): Promise<R> {
    return this.store.require(key);
  }

  /** Every definition of the kind, or those of one status. */
  list(filter: { status?: DefinitionStatus | null } = {}): Promise<R[]> {
    return this.store.list(filter);
  }

  /** Versions of several definitions in one statement, newest first (DataLoader batch). */
  historyOf(keys: readonly string[]): Promise<DefinitionVersionRecord[][]> {
    return this.store.historyOf(keys);
  }
}
