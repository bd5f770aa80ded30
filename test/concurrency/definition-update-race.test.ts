import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { StratumError } from "../../src/errors";
import { ExperimentService } from "../../src/experiments/definitions";
import { describeEachDatabase } from "../helpers/db";

/**
 * Parallel updates of one definition at the same expected version (real parallel connections
 * on PostgreSQL): the row lock serialises them, so exactly one wins and every other one is a
 * CONFLICT naming the version the winner wrote; one version row and one audit entry per write.
 */
describeEachDatabase("concurrent updates of one definition", (db, kind) => {
  it("let exactly one writer through at an expected version", async () => {
    const experiments = new ExperimentService(db());
    const actor = { name: "racer" };
    const rounds = kind === "postgres" ? 10 : 2;
    const writers = [1, 2, 3, 4, 5, 6];
    for (let round = 0; round < rounds; round++) {
      const key = `race-${round}`;
      await experiments.create(
        {
          key,
          name: key,
          variants: [
            { key: "a", weight: 0.5 },
            { key: "b", weight: 0.5 },
          ],
          primaryMetric: "orders",
        },
        actor,
      );
      const outcomes = await Promise.allSettled(
        writers.map((writer) => experiments.update(key, { name: `writer ${writer}` }, 1, actor)),
      );
      const lost = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
      expect(
        lost.map((error) => [error instanceof StratumError && error.code, error.details?.currentVersion]),
      ).toEqual(writers.slice(1).map(() => ["CONFLICT", 2]));
      const versions = await db().query<{ version: number }>(
        sql`select version from experiment_versions where experiment_key = ${key} order by version`,
      );
      expect(versions).toEqual([{ version: 1 }, { version: 2 }]);
      const audits = await db().query<{ action: string }>(
        sql`select action from audit_log where entity_type = 'experiment' and entity_key = ${key} order by id`,
      );
      expect(audits).toEqual([{ action: "create" }, { action: "update" }]);
    }
  });
});
