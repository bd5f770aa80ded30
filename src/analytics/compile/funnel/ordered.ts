import { sql } from "drizzle-orm";
import { type FunnelModeBuilder, hopAttempt, namedEvents, positionsUpTo, stepZeroEntry } from "./base";

/**
 * ORDERED: each step is the user's first matching event after the previous step's event
 * (the greedy choice reaches furthest), so a repeated step needs a distinct, later event.
 */
export const orderedFunnel: FunnelModeBuilder = {
  entry: stepZeroEntry,
  scanned: namedEvents,
  attempt: (groups, stepCount, exclusions, window) =>
    hopAttempt(
      groups,
      stepCount,
      exclusions,
      window,
      (g, previous) => sql`u.p${g}[${positionsUpTo(g, previous)} + 1]`,
    ),
  checkExclusion: () => {},
};
