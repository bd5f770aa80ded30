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
registerEnumType(TagCategory, {
  name: "TagCategory",
  description: "How tags are grouped for browsing and filtering; it does not change how a tag is computed",
  valuesConfig: {
    BASIC: { description: "Profile facts: demographics, location, channel, consent" },
    BEHAVIOR: { description: "What users do: visits, page views, engagement, recency of activity" },
    TRANSACTION: { description: "What users buy: orders, spend, purchase frequency and recency" },
    INTEREST: { description: "What users care about: affinity to categories, brands or products" },
    TIER: { description: "Value or loyalty levels, such as VIP, churn risk or lifecycle stage" },
  },
});

export enum TagKind {
  RULE = "RULE",
  VALUE = "VALUE",
  MANUAL = "MANUAL",
}
registerEnumType(TagKind, {
  name: "TagKind",
  description: "How a tag's members are decided; fixed when the tag is created",
  valuesConfig: {
    RULE: {
      description: "A condition: users for whom the rule is true are members, recomputed on every refresh",
    },
    VALUE: {
      description:
        "A computed value per user (e.g. favourite category): users with a non-null value are members and carry it",
    },
    MANUAL: { description: "No rule: members are added and removed through assignTag and unassignTag" },
  },
});

@ObjectType({
  description:
    "A label on users (e.g. `vip`, `churn_risk`), computed from a rule or assigned by hand; rules refer to it with has_tag",
})
export class Tag extends Definition {
  @Field(() => TagCategory, { description: "The group it is listed under" })
  category!: TagCategory;

  @Field(() => TagKind, { description: "RULE, VALUE or MANUAL; cannot change after creation" })
  kind!: TagKind;

  @Field(() => String, {
    nullable: true,
    description:
      "The rule in text form (RULE and VALUE tags); literals compared with PII are masked without read_pii",
  })
  rule!: string | null;

  @Field(() => Int, { description: "Current members" })
  userCount!: number;

  @Field(() => DateTime, { nullable: true, description: "When memberships were last recomputed" })
  refreshedAt!: Date | null;

  static from(record: TagRecord): Tag {
    return Object.assign(new Tag(), record);
  }
}

@ObjectType({ description: "Members shared by two tags" })
export class TagOverlap {
  @Field(() => String, { description: "One tag of the pair" })
  key!: string;

  @Field(() => String, { description: "The other tag of the pair" })
  otherKey!: string;

  @Field(() => Int, { description: "Users currently holding both tags" })
  size!: number;
}

@ObjectType({ description: "A tag's member count on one day" })
export class TagSizePoint {
  @Field(() => DateTime, { description: "Start of the day" })
  at!: Date;

  @Field(() => Int, { description: "Members at the end of that day" })
  size!: number;
}

@ObjectType({
  description:
    "Whether a tag or segment is maintained in real time: re-evaluated for the users of every ingested batch (events, orders, identify calls) before the call returns, or only by the scheduled refresh",
})
export class RealtimeMode {
  @Field(() => Boolean, {
    description:
      "True: members enter and exit as their events and orders are ingested; changes from time passing alone (a `within 7d` expiring with no new event) wait for the next scheduled refresh",
  })
  realtime!: boolean;

  @Field(() => String, { description: "Why, e.g. the rule term that keeps it on the scheduled refresh" })
  reason!: string;
}

@InputType({ description: "A new tag" })
export class CreateTagInput extends CreateDefinitionInput {
  @Field(() => TagCategory, { description: "The group to list it under" })
  category!: TagCategory;

  @Field(() => TagKind, {
    description: "RULE and VALUE need a rule and are computed at once; MANUAL takes none and starts empty",
  })
  kind!: TagKind;

  @Field(() => String, {
    nullable: true,
    description: "Rule text, or its JSON AST as a string starting with {; none for MANUAL tags",
  })
  rule?: string;
}

@InputType({ description: "Changes to a tag; absent fields stay as they are (the kind cannot change)" })
export class UpdateTagInput extends UpdateDefinitionInput {
  @Field(() => TagCategory, { nullable: true, description: "A new group; absent: unchanged" })
  category?: TagCategory;

  @Field(() => String, {
    nullable: true,
    description:
      "A new rule (text or JSON AST) for a RULE or VALUE tag, refused for MANUAL ones; a changed rule recomputes the members at once",
  })
  rule?: string;
}

@ObjectType({ description: "A user's current membership of a tag" })
export class UserTag {
  @Field(() => String, { description: "The tag's key" })
  key!: string;

  @Field(() => String, { nullable: true, description: "A VALUE tag's computed value, as text" })
  value!: string | null;

  @Field(() => DateTime, { description: "When the user became a member (by refresh or assignment)" })
  assignedAt!: Date;
}

@ObjectType({ description: "What one refresh did to one tag or segment" })
export class RefreshItem {
  @Field(() => String, { description: "The tag's or segment's key" })
  key!: string;

  @Field(() => Int, { description: "Members after the refresh" })
  users!: number;

  @Field(() => Int, { description: "Users who became members in this refresh" })
  entered!: number;

  @Field(() => Int, { description: "Users who stopped being members in this refresh" })
  exited!: number;

  @Field(() => Int, { description: "Time spent on this definition, in milliseconds" })
  milliseconds!: number;
}

@ObjectType({
  description: "A definition the refresh could not evaluate; its memberships were left as they were",
})
export class RefreshFailure {
  @Field(() => String, { description: "tag or segment" })
  kind!: string;

  @Field(() => String, { description: "The tag's or segment's key" })
  key!: string;

  @Field(() => String, { description: "An error code: RULE_INVALID for a rule that no longer parses" })
  code!: string;

  @Field(() => String, { description: "What went wrong, for a person to read" })
  message!: string;
}

@ObjectType({ description: "What a refresh of tags or segments did" })
export class RefreshResult {
  @Field(() => [RefreshItem], { description: "The tags refreshed, with their entries and exits" })
  tags!: RefreshItem[];

  @Field(() => [RefreshItem], { description: "The segments refreshed, with their entries and exits" })
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

@ObjectType({ description: "Why a rule is invalid, and where" })
export class RuleError {
  @Field(() => String, { description: "What is wrong (unknown name, type mismatch, syntax error…)" })
  message!: string;

  @Field(() => Int, { description: "The line of the rule text where the problem is, from 1" })
  line!: number;

  @Field(() => Int, { description: "The column on that line, from 1" })
  column!: number;
}

@ObjectType({ description: "A rule evaluated without saving anything" })
export class RulePreview {
  @Field(() => Boolean, { description: "Whether the rule parses and type-checks; when false, see errors" })
  valid!: boolean;

  @Field(() => [RuleError], { description: "Why the rule is invalid; empty when valid" })
  errors!: RuleError[];

  @Field(() => Int, {
    description:
      "Users for whom the rule holds as of asOf (a VALUE rule: users with a non-null value); 0 when invalid",
  })
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

  @Field(() => DateTime, { description: "The moment the rule was evaluated at (time windows end there)" })
  asOf!: Date;

  /** Kept for `sampleUsers`. */
  checked?: CheckedRule;
}
