import { sql } from "drizzle-orm";
import { type FunnelModeBuilder, hopAttempt, stepZeroEntry } from "./base";

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
      (g, previous) =>
        sql`case when u.p${g}[u.c${g}[${previous} + 1]] = ${previous} + 1 then ${previous} + 1 end`,
    ),
  checkExclusion: () => {},
};
