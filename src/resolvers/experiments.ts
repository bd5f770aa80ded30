import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../access/permissions";
import { DefinitionStatus, DefinitionVersion } from "../schema/definitions";
import { CreateExperimentInput, Experiment, UpdateExperimentInput } from "../schema/experiments";
import type { Context } from "../server/context";
import { actorOf } from "./actor";

@Resolver(() => Experiment)
export class ExperimentResolver {
  @Authorized(Permission.READ)
  @Query(() => [Experiment])
  async experiments(
    @Arg("status", () => DefinitionStatus, { nullable: true }) status: DefinitionStatus | undefined,
    @Ctx() ctx: Context,
  ): Promise<Experiment[]> {
    return (await ctx.services.experiments.list({ status })).map(Experiment.from);
  }

  @Authorized(Permission.READ)
  @Query(() => Experiment, { nullable: true })
  async experiment(@Arg("key", () => String) key: string, @Ctx() ctx: Context): Promise<Experiment | null> {
    const record = await ctx.services.experiments.get(key);
    return record ? Experiment.from(record) : null;
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => Experiment)
  async createExperiment(
    @Arg("input", () => CreateExperimentInput) input: CreateExperimentInput,
    @Ctx() ctx: Context,
  ): Promise<Experiment> {
    return Experiment.from(await ctx.services.experiments.create(input, actorOf(ctx)));
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => Experiment)
  async updateExperiment(
    @Arg("key", () => String) key: string,
    @Arg("expectedVersion", () => Int) expectedVersion: number,
    @Arg("input", () => UpdateExperimentInput) input: UpdateExperimentInput,
    @Ctx() ctx: Context,
  ): Promise<Experiment> {
    return Experiment.from(await ctx.services.experiments.update(key, input, expectedVersion, actorOf(ctx)));
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => Experiment)
  async archiveExperiment(@Arg("key", () => String) key: string, @Ctx() ctx: Context): Promise<Experiment> {
    return Experiment.from(await ctx.services.experiments.archive(key, actorOf(ctx)));
  }

  @FieldResolver(() => [DefinitionVersion], { description: "Every version, newest first" })
  history(@Root() experiment: Experiment, @Ctx() ctx: Context): Promise<DefinitionVersion[]> {
    return ctx.loaders.experimentHistory.load(experiment.key) as Promise<DefinitionVersion[]>;
  }
}
