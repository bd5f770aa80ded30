import { Arg, Authorized, Ctx, Query, Resolver } from "type-graphql";
import { Permission } from "../access/permissions";
import { DefinitionStatus } from "../schema/definitions";
import { CreateExperimentInput, Experiment, UpdateExperimentInput } from "../schema/experiments";
import type { Context } from "../server/context";
import { DefinitionResolver } from "./definitions";

@Resolver(() => Experiment)
export class ExperimentResolver extends DefinitionResolver({
  name: "Experiment",
  type: Experiment,
  createInput: CreateExperimentInput,
  updateInput: UpdateExperimentInput,
  service: (ctx) => ctx.services.experiments,
  history: (ctx) => ctx.loaders.experimentHistory,
}) {
  @Authorized(Permission.READ)
  @Query(() => [Experiment])
  async experiments(
    @Arg("status", () => DefinitionStatus, { nullable: true }) status: DefinitionStatus | undefined,
    @Ctx() ctx: Context,
  ): Promise<Experiment[]> {
    return (await ctx.services.experiments.list({ status })).map(Experiment.from);
  }
}
