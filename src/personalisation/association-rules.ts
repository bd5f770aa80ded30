import type { Database } from "../db/client";
import { assertSegmentReference } from "../segments";
import {
  type AssociationRuleRow,
  type BasketLevel,
  compileAssociationRules,
  DEFAULT_MAX_RULE_LENGTH,
  DEFAULT_MIN_RULE_LENGTH,
  DEFAULT_RULES_PAGE,
  type RuleOrder,
} from "../semantic/baskets";
import { explainSql } from "../semantic/sql";
import { assertTimeZone } from "../semantic/time";
import { resolveTimeRange, type TimeRangeSpec } from "../semantic/time-range";

/** An association-rules question as clients ask it; omitted fields take their defaults. */
export interface AssociationRulesInput {
  minSupport: number;
  minConfidence: number;
  /** Default 2. */
  minLength?: number | null;
  /** Default 4. */
  maxLength?: number | null;
  /** Default PRODUCT. */
  level?: BasketLevel | null;
  timeRange: TimeRangeSpec;
  segment?: string | null;
  rhs?: string | null;
  /** Default LIFT. */
  orderBy?: RuleOrder | null;
  /** Default 100, at most 1000. */
  first?: number | null;
}

export interface AssociationRule {
  /** The antecedent's items (product ids or categories), in byte order. */
  lhs: string[];
  rhs: string;
  support: number;
  confidence: number;
  lift: number;
  /** Baskets holding every item of the rule. */
  count: number;
}

export interface AssociationRuleResult {
  /** Baskets: counted orders of the range (and segment) with at least one item of the level. */
  transactions: number;
  rules: AssociationRule[];
  /** Rules meeting the thresholds (and `rhs`), before `first`. */
  totalRules: number;
  sql: string;
  /** `sql` with its parameters inlined as literals, to paste into psql. */
  sqlInlined: string;
}

/**
 * Market basket analysis: association rules between the products (or categories) bought in
 * the same counted order, as arules' apriori finds them, in one statement
 * (`compileAssociationRules`, `src/semantic/baskets.ts`).
 */
export class AssociationRulesService {
  constructor(
    private readonly db: Database,
    /** Time zone of the range's dates and of relative ranges (the deployment's). */
    private readonly timezone: string,
  ) {}

  async associationRules(input: AssociationRulesInput): Promise<AssociationRuleResult> {
    const timezone = assertTimeZone(this.timezone);
    const statement = compileAssociationRules({
      level: input.level ?? "PRODUCT",
      timeRange: resolveTimeRange(input.timeRange, timezone, new Date()),
      timezone,
      segment: input.segment ?? null,
      minSupport: input.minSupport,
      minConfidence: input.minConfidence,
      minLength: input.minLength ?? DEFAULT_MIN_RULE_LENGTH,
      maxLength: input.maxLength ?? DEFAULT_MAX_RULE_LENGTH,
      rhs: input.rhs ?? null,
      orderBy: input.orderBy ?? "LIFT",
      first: input.first ?? DEFAULT_RULES_PAGE,
    });
    // Checked once the input has compiled, so bad numbers are refused before any SQL runs.
    if (input.segment) await assertSegmentReference(this.db, input.segment);
    const rows = await this.db.analyticalQuery<AssociationRuleRow>(statement);
    const [totals] = rows;
    return {
      transactions: totals?.transactions ?? 0,
      totalRules: totals?.total_rules ?? 0,
      rules: rows
        .filter((row) => row.rank !== null)
        .map((row) => ({
          lhs: row.lhs ?? [],
          rhs: row.rhs as string,
          support: Number(row.support),
          confidence: Number(row.confidence),
          lift: Number(row.lift),
          count: Number(row.count),
        })),
      ...explainSql(statement),
    };
  }
}
