import { Arg, Authorized, Ctx, Query, Resolver } from "type-graphql";
import { ANALYTICAL_ROOT_FIELD_COST } from "../access/limits";
import { Permission } from "../access/permissions";
import { AssociationRuleResult, AssociationRulesInput } from "../schema/association-rules";
import type { Context } from "../server/context";

/** Market basket analysis; all the work is in `AssociationRulesService`. */
@Resolver()
export class AssociationRulesResolver {
  @Authorized(Permission.READ)
  @Query(() => AssociationRuleResult, {
    description:
      "Which products (or categories) are bought together: association rules lhs → rhs of the counted orders' baskets with their support, confidence and lift, as R's arules::apriori finds them",
    complexity: ANALYTICAL_ROOT_FIELD_COST,
  })
  associationRules(
    @Arg("input", () => AssociationRulesInput, { description: "Thresholds, rule lengths, baskets and order" })
    input: AssociationRulesInput,
    @Ctx() ctx: Context,
  ): Promise<AssociationRuleResult> {
    return ctx.services.associationRules.associationRules(input);
  }
}
