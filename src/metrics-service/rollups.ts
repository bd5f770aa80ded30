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
