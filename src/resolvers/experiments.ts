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
  createDescription:
    "Defines an experiment: variants and weights, primary and further metrics, audience segment and window. Results are read from experiment_viewed events; an existing key is a CONFLICT",
  archiveDescription: "Its results stay readable",
  service: (ctx) => ctx.services.experiments,
  history: (ctx) => ctx.loaders.experimentHistory,
}) {
  @Authorized(Permission.READ)
  @Query(() => [Experiment], { description: "Experiments in key order, optionally of one status" })
  async experiments(
    @Arg("status", () => DefinitionStatus, { nullable: true, description: "Only this status; absent: both" })
    status: DefinitionStatus | undefined,
    @Ctx() ctx: Context,
  ): Promise<Experiment[]> {
    return (await ctx.services.experiments.list({ status })).map(Experiment.from);
  }
}
