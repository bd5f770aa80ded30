import { type SQL, sql } from "drizzle-orm";
import type { PiiAccess } from "../access/pii";
import type { Database } from "../db/client";
import { badInput, conflict, limitExceeded, StratumError } from "../errors";
import { MAX_PAGE_SIZE } from "../pagination";
import type { SendTimeModel } from "../semantic/send-time";
import { explainSql, joinSql } from "../semantic/sql";
import { UNSTORABLE_MESSAGES, unstorable } from "../text";
import { type Expr, type ExprType, references, type TypedExpr } from "./ast";
import { KNOWN_TRAITS } from "./catalog";
import { checkRule, type RuleEnvironment, type RulePurpose, referencedKeys } from "./checker";
import { compileRules } from "./compiler";
import { ruleInvalid } from "./errors";
import { printRule, ruleFromJson } from "./json";
import { parseRule } from "./parser";

export type DefinitionKind = "tag" | "segment";

export interface CheckedRule {
  /** As parsed (what clients see as the rule's AST). */
  expr: Expr;
  /** As checked: every node annotated with its type, for the compiler. */
  typed: TypedExpr;
  /** The rule as stored and shown: as written, or printed from the JSON form. */
  text: string;
  type: ExprType;
}

export interface RulePreviewResult {
  valid: boolean;
  errors: Array<{ message: string; line: number; column: number }>;
  matchingUsers: number;
  sql: string | null;
  /** `sql` with its parameters inlined as literals, to paste into psql. */
  sqlInlined: string | null;
  checked?: CheckedRule;
  asOf: Date;
}

/** Text form, or the JSON form when the input is a JSON object. */
export function parseRuleInput(input: string): { expr: Expr; text: string } {
  if (typeof input !== "string") throw ruleInvalid("The rule must be text");
  if (input.trimStart().startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(input);
    } catch {
      throw ruleInvalid("The rule starts with { but is not valid JSON");
    }
    const reason = unstorable(json);
    if (reason) throw ruleInvalid(`The rule's JSON ${UNSTORABLE_MESSAGES[reason]}`);
    const expr = ruleFromJson(json);
    return { expr, text: printRule(expr) };
  }
  return { expr: parseRule(input), text: input };
}

const nodeId = (kind: DefinitionKind, key: string) => `${kind}:${key}`;

/** Parsing, checking against the database's names, cycle detection, preview and one-user evaluation. */
export class RuleService {
  /** `sendTime`: the configured best-send-time model, which `send_time.*` terms compile with. */
  constructor(
    private readonly db: Database,
    readonly sendTime?: SendTimeModel,
  ) {}

  /**
   * Parses and type-checks a rule; `owner` is the tag or segment that will hold it, so
   * a rule that reaches its owner through other definitions is refused as a cycle. With
   * `pii` (a request's principal), a rule reading PII keys is FORBIDDEN without read_pii:
   * `trait.name = "…"` would tell whether someone has that name.
   */
  async check(
    input: string,
    purpose: RulePurpose | "any",
    owner?: { kind: DefinitionKind; key: string },
    db: Database = this.db,
    pii?: PiiAccess,
  ): Promise<CheckedRule> {
    const { expr, text } = parseRuleInput(input);
    pii?.assertMayUse(referencedKeys(expr), "rule");
    const definitions = await db.query<{ kind: DefinitionKind; key: string; rule: string | null }>(sql`
      select 'tag' as kind, key, rule from tags where status = 'ACTIVE'
      union all select 'segment' as kind, key, rule from segments where status = 'ACTIVE'`);
    const campaigns = await db.query<{ key: string }>(sql`select key from campaigns where status = 'ACTIVE'`);
    const env: RuleEnvironment = {
      extraTraits: await this.extraTraits(expr, db),
      tags: new Set(definitions.filter((d) => d.kind === "tag").map((d) => d.key)),
      segments: new Set(definitions.filter((d) => d.kind === "segment").map((d) => d.key)),
      campaigns: new Set(campaigns.map((c) => c.key)),
    };
    const typed = purpose === "any" ? checkRule(expr, "value", env, true) : checkRule(expr, purpose, env);
    if (owner) this.refuseCycles(owner, expr, definitions);
    return { expr, typed, text, type: typed.valueType };
  }

  private async extraTraits(expr: Expr, db: Database): Promise<Set<string>> {
    const names = new Set<string>();
    const visit = (node: unknown): void => {
      if (!node || typeof node !== "object") return;
      const record = node as Record<string, unknown>;
      if (record.type === "trait" && typeof record.name === "string" && !(record.name in KNOWN_TRAITS))
        names.add(record.name);
      for (const value of Object.values(record)) if (typeof value === "object") visit(value);
    };
    visit(expr);
    if (names.size === 0) return new Set();
    // A join, not `exists` correlated with each name: Citus refuses a subquery over a distributed
    // table (users) correlated with a list, and pushes this join down to the shards.
    const rows = await db.query<{ name: string }>(sql`
      select distinct k.name from users u
      join unnest(array[${joinSql([...names].map((name) => sql`${name}::text`))}]) as k(name)
        on u.traits -> k.name is not null`);
    return new Set(rows.map((row) => row.name));
  }

  private refuseCycles(
    owner: { kind: DefinitionKind; key: string },
    expr: Expr,
    definitions: Array<{ kind: DefinitionKind; key: string; rule: string | null }>,
  ): void {
    const edges = new Map<string, string[]>();
    const edgesOf = (rule: Expr) => {
      const refs = references(rule);
      return [...refs.tags.map((k) => nodeId("tag", k)), ...refs.segments.map((k) => nodeId("segment", k))];
    };
    for (const definition of definitions) {
      if (!definition.rule) continue;
      try {
        edges.set(nodeId(definition.kind, definition.key), edgesOf(parseRuleInput(definition.rule).expr));
      } catch {
        // A stored rule always parsed when it was saved; one that no longer does refers to nothing.
      }
    }
    const start = nodeId(owner.kind, owner.key);
    edges.set(start, edgesOf(expr));
    const seen = new Set<string>();
    const path: string[] = [];
    const walk = (node: string): string[] | null => {
      if (node === start && path.length > 0) return [...path, node];
      if (seen.has(node)) return null;
      seen.add(node);
      path.push(node);
      for (const next of edges.get(node) ?? []) {
        const cycle = walk(next);
        if (cycle) return cycle;
      }
      path.pop();
      return null;
    };
    const cycle = walk(start);
    if (cycle) throw ruleInvalid(`The rule refers to itself: ${cycle.join(" → ")}`, expr.at);
  }

  /** CONFLICT naming the active definitions whose rules refer to the tag or segment (before archiving it). */
  async refuseIfUsed(kind: DefinitionKind, key: string, db: Database = this.db): Promise<void> {
    const dependents = await this.dependents(kind, key, db);
    if (dependents.length === 0) return;
    const label = kind === "tag" ? "Tag" : "Segment";
    throw conflict(`${label} "${key}" is used by ${dependents.join(", ")}; change those first`, {
      key,
      dependents,
    });
  }

  /** Active definitions whose rules refer to the given tag or segment (archiving it would break them). */
  async dependents(kind: DefinitionKind, key: string, db: Database = this.db): Promise<string[]> {
    const definitions = await db.query<{ kind: DefinitionKind; key: string; rule: string }>(sql`
      select 'tag' as kind, key, rule from tags where status = 'ACTIVE' and rule is not null
      union all select 'segment' as kind, key, rule from segments where status = 'ACTIVE' and rule is not null`);
    return definitions
      .filter((definition) => {
        const refs = references(parseRuleInput(definition.rule).expr);
        return (kind === "tag" ? refs.tags : refs.segments).includes(key);
      })
      .map((definition) => nodeId(definition.kind, definition.key));
  }

  /** Validity, errors, matching users and the SQL of a rule as of `asOf`, saving nothing. */
  async preview(input: string, asOf: Date = new Date(), pii?: PiiAccess): Promise<RulePreviewResult> {
    let checked: CheckedRule;
    try {
      checked = await this.check(input, "any", undefined, this.db, pii);
    } catch (error) {
      if (error instanceof StratumError && error.code === "RULE_INVALID") {
        const { line, column, reason } = error.details as { line: number; column: number; reason: string };
        return {
          valid: false,
          errors: [{ message: reason, line, column }],
          matchingUsers: 0,
          sql: null,
          sqlInlined: null,
          asOf,
        };
      }
      throw error;
    }
    const statement = this.matchingQuery(checked, asOf, sql`count(*)::int as count`);
    const [{ count }] = await this.db.analyticalQuery<{ count: number }>(statement);
    return { valid: true, errors: [], matchingUsers: count, ...explainSql(statement), checked, asOf };
  }

  /** Up to `limit` matching user ids, in id order. */
  async sample(checked: CheckedRule, asOf: Date, limit: number): Promise<number[]> {
    if (!Number.isInteger(limit) || limit < 0)
      throw badInput("limit must be a non-negative integer", { argument: "limit" });
    if (limit > MAX_PAGE_SIZE)
      throw limitExceeded(`limit must be at most ${MAX_PAGE_SIZE}`, { argument: "limit" });
    const bounded = limit;
    const rows = await this.db.analyticalQuery<{ userId: number }>(
      sql`${this.matchingQuery(checked, asOf, sql`rf.user_id as "userId"`)} order by rf.user_id limit ${bounded}`,
    );
    return rows.map((row) => row.userId);
  }

  /** A rule's value for one user (a condition → true/false; a value rule → its value as text, or null). */
  async evaluateForUser(
    input: string,
    userId: number,
    asOf: Date = new Date(),
  ): Promise<string | boolean | null> {
    const checked = await this.check(input, "any");
    const compiled = compileRules([checked.typed], { asOf, userIds: [userId], sendTime: this.sendTime });
    const value =
      checked.type === "boolean" ? compiled.expression(checked.typed) : compiled.valueText(checked.typed);
    const [row] = await this.db.analyticalQuery<{ value: string | boolean | null }>(
      sql`select ${value} as value from (${compiled.features}) rf`,
    );
    if (!row) return checked.type === "boolean" ? false : null;
    return row.value;
  }

  private matchingQuery(checked: CheckedRule, asOf: Date, columns: SQL): SQL {
    const compiled = compileRules([checked.typed], { asOf, sendTime: this.sendTime });
    const condition =
      checked.type === "boolean"
        ? compiled.expression(checked.typed)
        : sql`(${compiled.expression(checked.typed)}) is not null`;
    return sql`select ${columns} from (${compiled.features}) rf where ${condition}`;
  }
}
