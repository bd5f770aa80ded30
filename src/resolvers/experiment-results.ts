import { Arg, Authorized, Ctx, Query, Resolver } from "type-graphql";
import { Permission } from "../access/permissions";
import { Assignment, ExperimentResults } from "../schema/experiment-results";
import type { Context } from "../server/context";

/** Experiment assignment (readers and INGEST keys) and results (readers). */
@Resolver()
export class ExperimentResultsResolver {
  @Authorized(Permission.ASSIGN)
  @Query(() => Assignment, {
    description:
      "The variant a unit gets, deterministically and as GrowthBook's SDKs assign it; for reading roles and INGEST keys (front ends)",
  })
  experimentAssignment(
    @Arg("key", () => String, { description: "The experiment's key" }) key: string,
    @Arg("unitId", () => String, { description: "The unit's id, as the front end hashes it" }) unitId: string,
    @Ctx() ctx: Context,
  ): Promise<Assignment> {
    return ctx.services.experimentResults.assignment(key, unitId);
  }

  @Authorized(Permission.READ)
  @Query(() => ExperimentResults, {
    description: "Units, conversions and revenue per variant with tests against the control and an SRM check",
  })
  experimentResults(
    @Arg("key", () => String, { description: "The experiment's key" }) key: string,
    @Arg("asOf", () => Date, {
      nullable: true,
      description: "Read exposures and orders before this instant only; the experiment's end when absent",
    })
    asOf: Date | undefined,
    @Arg("cuped", () => Boolean, {
      nullable: true,
      description:
        "CUPED variance reduction: adjust each metric by its value in the 14 days before each unit's first exposure (one θ over all variants; every metric is then compared by Welch's t-test); default false",
    })
    cuped: boolean | undefined,
    @Ctx() ctx: Context,
  ): Promise<ExperimentResults> {
    return ctx.services.experimentResults.results(key, asOf ?? null, cuped ?? false);
  }
}
