import { Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import type { MaterialiseReport } from "../rules/materialise";
import type { CheckedRule } from "../rules/service";
import type { TagRecord } from "../tags/service";
import { CreateDefinitionInput, Definition, UpdateDefinitionInput } from "./definitions";
import { DateTime, JSONScalar } from "./scalars";

export enum TagCategory {
  BASIC = "BASIC",
  BEHAVIOR = "BEHAVIOR",
  TRANSACTION = "TRANSACTION",
  INTEREST = "INTEREST",
  TIER = "TIER",
}
registerEnumType(TagCategory, { name: "TagCategory" });

export enum TagKind {
  RULE = "RULE",
  VALUE = "VALUE",
  MANUAL = "MANUAL",
}
registerEnumType(TagKind, {
  name: "TagKind",
  description: "RULE: a condition (member or not); VALUE: a computed value per user; MANUAL: assigned by API",
});

@ObjectType()
export class Tag extends Definition {
  @Field(() => TagCategory)
  category!: TagCategory;

  @Field(() => TagKind)
  kind!: TagKind;

  @Field(() => String, { nullable: true, description: "The rule in text form (RULE and VALUE tags)" })
  rule!: string | null;

  @Field(() => Int, { description: "Current members" })
  userCount!: number;

  @Field(() => DateTime, { nullable: true, description: "When memberships were last recomputed" })
  refreshedAt!: Date | null;

  static from(record: TagRecord): Tag {
    return Object.assign(new Tag(), record);
  }
}

@InputType()
export class CreateTagInput extends CreateDefinitionInput {
  @Field(() => TagCategory)
  category!: TagCategory;

  @Field(() => TagKind)
  kind!: TagKind;

  @Field(() => String, {
    nullable: true,
    description: "Rule text, or its JSON AST as a string starting with {; none for MANUAL tags",
  })
  rule?: string;
}

@InputType()
export class UpdateTagInput extends UpdateDefinitionInput {
  @Field(() => TagCategory, { nullable: true })
  category?: TagCategory;

  @Field(() => String, { nullable: true })
  rule?: string;
}

@ObjectType({ description: "A user's current membership of a tag" })
export class UserTag {
  @Field(() => String)
  key!: string;

  @Field(() => String, { nullable: true, description: "A VALUE tag's computed value, as text" })
  value!: string | null;

  @Field(() => DateTime)
  assignedAt!: Date;
}

@ObjectType({ description: "What one refresh did to one tag or segment" })
export class RefreshItem {
  @Field(() => String)
  key!: string;

  @Field(() => Int, { description: "Members after the refresh" })
  users!: number;

  @Field(() => Int)
  entered!: number;

  @Field(() => Int)
  exited!: number;

  @Field(() => Int)
  milliseconds!: number;
}

@ObjectType({
  description: "A definition the refresh could not evaluate; its memberships were left as they were",
})
export class RefreshFailure {
  @Field(() => String, { description: "tag or segment" })
  kind!: string;

  @Field(() => String)
  key!: string;

  @Field(() => String, { description: "An error code: RULE_INVALID for a rule that no longer parses" })
  code!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType()
export class RefreshResult {
  @Field(() => [RefreshItem])
  tags!: RefreshItem[];

  @Field(() => [RefreshItem])
  segments!: RefreshItem[];

  @Field(() => [RefreshFailure], { description: "Definitions that failed; every other one refreshed" })
  failed!: RefreshFailure[];

  @Field(() => Int, { description: "Wall time of the whole refresh" })
  milliseconds!: number;

  /** Runs a refresh and reports it with its wall time. */
  static async timed(refresh: () => Promise<MaterialiseReport>): Promise<RefreshResult> {
    const started = Date.now();
    const report = await refresh();
    return RefreshResult.from(report, Date.now() - started);
  }

  static from(report: MaterialiseReport, milliseconds: number): RefreshResult {
    return Object.assign(new RefreshResult(), {
      tags: report.refreshed.filter((r) => r.kind === "tag"),
      segments: report.refreshed.filter((r) => r.kind === "segment"),
      failed: report.failed,
      milliseconds,
    });
  }
}

@ObjectType()
export class RuleError {
  @Field(() => String)
  message!: string;

  @Field(() => Int)
  line!: number;

  @Field(() => Int)
  column!: number;
}

@ObjectType({ description: "A rule evaluated without saving anything" })
export class RulePreview {
  @Field(() => Boolean)
  valid!: boolean;

  @Field(() => [RuleError])
  errors!: RuleError[];

  @Field(() => Int)
  matchingUsers!: number;

  @Field(() => String, { nullable: true, description: "The compiled SQL (values appear as $n parameters)" })
  sql!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string | null;

  @Field(() => JSONScalar, { nullable: true, description: "The rule's structured JSON form" })
  ast!: unknown;

  @Field(() => DateTime)
  asOf!: Date;

  /** Kept for `sampleUsers`. */
  checked?: CheckedRule;
}
