import { Field, Float, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import {
  DEFAULT_MAX_RULE_LENGTH,
  DEFAULT_MIN_RULE_LENGTH,
  DEFAULT_RULES_PAGE,
  MAX_RULE_LENGTH,
} from "../semantic/baskets";
import { TimeRangeInput } from "./metrics";

export enum BasketLevel {
  PRODUCT = "PRODUCT",
  CATEGORY = "CATEGORY",
}
registerEnumType(BasketLevel, {
  name: "BasketLevel",
  description: "What the items of a basket are",
  valuesConfig: {
    PRODUCT: { description: "The order's distinct products, named by product id" },
    CATEGORY: {
      description:
        "The distinct categories of the order's products (items of products without one are left out)",
    },
  },
});

export enum AssociationRuleOrder {
  LIFT = "LIFT",
  CONFIDENCE = "CONFIDENCE",
  SUPPORT = "SUPPORT",
}
registerEnumType(AssociationRuleOrder, {
  name: "AssociationRuleOrder",
  description: "Which rules come first; ties go by the other two measures, then by the items",
  valuesConfig: {
    LIFT: { description: "Highest lift first" },
    CONFIDENCE: { description: "Highest confidence first" },
    SUPPORT: { description: "Highest support first" },
  },
});

@InputType({
  description:
    "Association rules over baskets (the distinct items of each counted order placed in the range), as R's arules::apriori finds them",
})
export class AssociationRulesInput {
  @Field(() => Float, {
    description:
      "Minimum support of a rule: the share of baskets holding all its items, a fraction in (0, 1] (0.01 = 1 %)",
  })
  minSupport!: number;

  @Field(() => Float, {
    description:
      "Minimum confidence: support(lhs ∪ rhs) / support(lhs), the share of baskets with the lhs that also hold the rhs, in (0, 1]",
  })
  minConfidence!: number;

  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_MIN_RULE_LENGTH,
    description: `Fewest items of a rule, lhs and rhs together (1 also gives the rules {} → {item}); 1 to ${MAX_RULE_LENGTH}, at most maxLength`,
  })
  minLength?: number | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_MAX_RULE_LENGTH,
    description: `Most items of a rule, lhs and rhs together; 1 to ${MAX_RULE_LENGTH}`,
  })
  maxLength?: number | null;

  @Field(() => BasketLevel, {
    nullable: true,
    defaultValue: BasketLevel.PRODUCT,
    description: "Whether the items are products or their categories",
  })
  level?: BasketLevel | null;

  @Field(() => TimeRangeInput, {
    description: "Counted orders placed in this range are the baskets (dates in the deployment's time zone)",
  })
  timeRange!: TimeRangeInput;

  @Field(() => String, {
    nullable: true,
    description:
      "Only the baskets of the current members of this active segment (its key); an unknown key is BAD_USER_INPUT",
  })
  segment?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Only rules with this item (a product id, or a category at CATEGORY level) as their right-hand side",
  })
  rhs?: string | null;

  @Field(() => AssociationRuleOrder, {
    nullable: true,
    defaultValue: AssociationRuleOrder.LIFT,
    description: "Which rules are returned first",
  })
  orderBy?: AssociationRuleOrder | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_RULES_PAGE,
    description: "Rules returned, from the top of orderBy; 0 to 1000 (totalRules counts them all)",
  })
  first?: number | null;
}

@ObjectType({
  description: "A rule lhs → rhs: baskets holding every item of the lhs tend to hold the rhs too",
})
export class AssociationRule {
  @Field(() => [String], {
    description:
      "The antecedent's items (product ids, or categories), sorted; empty for {} → rhs (minLength 1)",
  })
  lhs!: string[];

  @Field(() => String, { description: "The consequent: one item" })
  rhs!: string;

  @Field(() => Float, {
    description: "Share of baskets holding every item of the rule (count / transactions)",
  })
  support!: number;

  @Field(() => Float, {
    description: "support(lhs ∪ rhs) / support(lhs): of the baskets with the lhs, the share with the rhs",
  })
  confidence!: number;

  @Field(() => Float, {
    description:
      "confidence / support(rhs): how much more often the rhs is bought with the lhs than at all (1 = independent)",
  })
  lift!: number;

  @Field(() => Int, { description: "Baskets holding every item of the rule" })
  count!: number;
}

@ObjectType({ description: "Association rules of the baskets, with the statement that found them" })
export class AssociationRuleResult {
  @Field(() => Int, {
    description:
      "Baskets: counted orders placed in the range (of the segment's members) with at least one item",
  })
  transactions!: number;

  @Field(() => [AssociationRule], { description: "The first rules by orderBy" })
  rules!: AssociationRule[];

  @Field(() => Int, { description: "Every rule meeting the thresholds (and rhs), before first" })
  totalRules!: number;

  @Field(() => String, { description: "The compiled, parameterised SQL (one statement)" })
  sql!: string;

  @Field(() => String, {
    description: "The same statement with its parameters inlined as quoted literals, to paste into psql",
  })
  sqlInlined!: string;
}
