import { type SQL, sql } from "drizzle-orm";
import { badInput } from "../../errors";
import { bigintArray } from "../../semantic/arrays";
import { segmentRestriction } from "../../semantic/membership";
import { DEFAULT_RFM_LOOKBACK_DAYS, rfmScores } from "../../semantic/rfm";

export const MAX_RFM_LOOKBACK_DAYS = 3650;

export interface RfmDefinition {
  /** Evaluation time t; now when absent. */
  asOf?: Date | null;
  lookbackDays?: number | null;
  /** Count only this segment's current members (their scores stay those among all customers). */
  segment?: string | null;
}

export interface RfmRow extends Record<string, unknown> {
  kind: "grid" | "segment";
  r: number | null;
  f: number | null;
  segment: string | null;
  users: number;
  avg_monetary: number | null;
}

export interface UserRfm extends Record<string, unknown> {
  recencyDays: number;
  frequency: number;
  monetary: number;
  r: number;
  f: number;
  m: number;
  segment: string;
}

function asOfExpression(asOf: Date | null | undefined): SQL {
  if (!asOf) return sql`now()`;
  if (Number.isNaN(asOf.getTime())) throw badInput("asOf is not a valid date-time", { argument: "asOf" });
  return sql`${asOf.toISOString()}::timestamptz`;
}

/**
 * The RFM report: the R×F grid and each named segment's size and average monetary, in one
 * statement. Scores are ranked among all customers (the same scores as `User.rfm`, rules
 * and metrics); a segment restriction only selects whom to count.
 */
export function compileRfm(definition: RfmDefinition): SQL {
  const lookback = definition.lookbackDays ?? DEFAULT_RFM_LOOKBACK_DAYS;
  if (!Number.isInteger(lookback) || lookback < 1 || lookback > MAX_RFM_LOOKBACK_DAYS) {
    throw badInput(`lookbackDays must be an integer from 1 to ${MAX_RFM_LOOKBACK_DAYS}`, {
      argument: "lookbackDays",
    });
  }
  const members = definition.segment ? segmentRestriction(definition.segment, sql`s.user_id`) : sql`true`;
  return sql`with scores as (
  select s.* from ${rfmScores(asOfExpression(definition.asOf), lookback)} s where ${members}
)
select 'grid' as kind, r, f, null::text as segment, count(*)::int as users, null::float8 as avg_monetary
from scores group by r, f
union all
select 'segment', null, null, segment, count(*)::int, avg(monetary)::float8 from scores group by segment
order by kind, r, f, segment`;
}

/** Scores of the given profiles, as of now with the default lookback (for `User.rfm`). */
export function compileRfmOfUsers(userIds: readonly number[]): SQL {
  return sql`select s.user_id, s.recency_days as "recencyDays", s.frequency, s.monetary, s.r, s.f, s.m, s.segment
from ${rfmScores(sql`now()`, DEFAULT_RFM_LOOKBACK_DAYS)} s
where s.user_id = any(${bigintArray(userIds)})`;
}
