import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { rebuildRollupStatements, rollupZone } from "../semantic/rollups";

/**
 * The user-day rollups' lifecycle (`src/semantic/rollups.ts`): built from the facts by `rebuild`
 * (`stratum rollups rebuild`, and `ensureBuilt` after migrations at start-up), then kept by
 * ingestion in the transactions that write the facts.
 */
export class RollupService {
  constructor(private readonly db: Database) {}

  /**
   * Rebuilds every rollup from the facts with days in `timezone`, in one transaction that holds
   * writers of facts off (readers go on); returns the rows written.
   */
  async rebuild(timezone: string): Promise<{ timezone: string; eventRows: number; orderRows: number }> {
    return this.db.transaction(async (tx) => {
      for (const statement of rebuildRollupStatements(timezone)) await tx.query(statement);
      const [counts] = await tx.query<{ eventRows: number; orderRows: number }>(sql`
        select (select count(*) from user_day_events)::int as "eventRows",
          (select count(*) from user_day_orders)::int as "orderRows"`);
      return { timezone, ...counts };
    });
  }

  /**
   * Turns the rollups off for a bulk write of many facts (`stratum seed`) and answers the call
   * that rebuilds them once in the zone they were built in (nothing to do if they were not): one
   * pass over the facts costs less than a delta per batch (the 100k-user bench shop: a 10 s
   * rebuild against 25 s of deltas). Until then readers read the raw facts (the zone is read per
   * request) and writers add no deltas; the rebuild recounts every fact, whoever wrote it. If it
   * is never called (the write failed) they stay off, answers still exact, until the next start
   * builds them (`ensureBuilt`).
   */
  async suspend(): Promise<() => Promise<void>> {
    const timezone = await this.timezone();
    if (timezone === undefined) return async () => {};
    await this.db.query(sql`delete from rollup_state`);
    return async () => {
      await this.rebuild(timezone);
    };
  }

  /** The zone the rollups are built in; undefined before the first rebuild. */
  async timezone(): Promise<string | undefined> {
    const [row] = await this.db.query<{ timezone: string }>(rollupZone);
    return row?.timezone;
  }

  /**
   * Builds the rollups unless they are built in `timezone` already: after the migration that
   * created them (facts stored before it) or a change of the deployment's zone. Returns whether it rebuilt.
   */
  async ensureBuilt(timezone: string): Promise<boolean> {
    if ((await this.timezone()) === timezone) return false;
    await this.rebuild(timezone);
    return true;
  }
}
