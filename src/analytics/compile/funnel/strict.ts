import { sql } from "drizzle-orm";
import { type FunnelModeBuilder, hopAttempt, positionsUpTo, raw, stepZeroEntry } from "./base";

/** STRICT: each step must be the user's very next event (of any name) after the previous step's. */
export const strictFunnel: FunnelModeBuilder = {
  entry: stepZeroEntry,
  // Every event of the user is scanned, to see what lies between two steps.
  scanned: () => sql`true`,
  attempt: (groups, stepCount, exclusions, window) =>
    hopAttempt(
      groups,
      stepCount,
      exclusions,
      window,
      // Step k can only be the event k places after the entry, right after step k - 1.
      (g, previous, k) => {
        const next = sql`e.q0 + ${raw(k)}`;
        return sql`case when ${previous} is not null and u.p${g}[${positionsUpTo(g, next)}] = ${next} then ${next} end`;
      },
    ),
  checkExclusion: () => {},
};
