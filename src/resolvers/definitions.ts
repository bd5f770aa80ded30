import type DataLoader from "dataloader";
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../access/permissions";
import type { DefinitionVersionRecord } from "../definitions/store";
import type { MaterialiseReport } from "../rules/materialise";
import { DefinitionVersion } from "../schema/definitions";
import { RefreshResult } from "../schema/tags";
import type { Context } from "../server/context";
import type { Actor } from "../tags/definition";
import { actorOf } from "./actor";

/** What a definition service offers the shared operations. */
interface DefinitionOperations<R> {
  get(key: string): Promise<R | null>;
  create(input: never, actor: Actor): Promise<R>;
  update(key: string, input: never, expectedVersion: number, actor: Actor): Promise<R>;
  archive(key: string, actor: Actor): Promise<R>;
}

interface DefinitionResolverOptions<R, T> {
  /** `Tag` → `tag`, `createTag`, `updateTag`, `archiveTag`. */
  name: string;
  type: (new () => T) & { from(record: R): T };
  createInput: new () => object;
  updateInput: new () => object;
  createDescription: string;
  /** What archiving does to this kind (memberships, dependents), after the shared wording. */
  archiveDescription: string;
  service: (ctx: Context) => DefinitionOperations<R>;
  history: (ctx: Context) => DataLoader<string, DefinitionVersionRecord[]>;
}

/**
 * The operations every kind of definition has, named after it: read one (READ), create,
 * update at an expected version and archive (EDIT), and its version history. A kind's
 * resolver extends the class this returns and adds what differs (lists, memberships, refresh).
 */
export function DefinitionResolver<R, T extends { key: string }>(options: DefinitionResolverOptions<R, T>) {
  const { name, type } = options;
  const lowerName = name[0].toLowerCase() + name.slice(1);
  const keyDescription = `The ${lowerName}'s key`;

  @Resolver(() => type)
  class DefinitionResolverBase {
    @Authorized(Permission.READ)
    @Query(() => type, {
      name: lowerName,
      nullable: true,
      description: `The ${lowerName} with this key, archived or not; null when there is none`,
    })
    async definition(
      @Arg("key", () => String, { description: keyDescription }) key: string,
      @Ctx() ctx: Context,
    ): Promise<T | null> {
      const record = await options.service(ctx).get(key);
      return record ? type.from(record) : null;
    }

    @Authorized(Permission.EDIT)
    @Mutation(() => type, { name: `create${name}`, description: options.createDescription })
    async createDefinition(
      @Arg("input", () => options.createInput, { description: `The new ${lowerName}` }) input: object,
      @Ctx() ctx: Context,
    ): Promise<T> {
      return type.from(await options.service(ctx).create(input as never, actorOf(ctx)));
    }

    @Authorized(Permission.EDIT)
    @Mutation(() => type, {
      name: `update${name}`,
      description: `Changes an active ${lowerName}, writing a new version to its history. Refused with CONFLICT when expectedVersion is stale (someone saved in between: reload and retry), with BAD_USER_INPUT naming the field for an invalid one or when the ${lowerName} is archived`,
    })
    async updateDefinition(
      @Arg("key", () => String, { description: keyDescription }) key: string,
      @Arg("input", () => options.updateInput, { description: "The changes; absent fields stay as they are" })
      input: object,
      @Arg("expectedVersion", () => Int, {
        description: `The version you last read (the ${lowerName}'s version field); a different current version is a CONFLICT`,
      })
      expectedVersion: number,
      @Ctx() ctx: Context,
    ): Promise<T> {
      return type.from(await options.service(ctx).update(key, input as never, expectedVersion, actorOf(ctx)));
    }

    @Authorized(Permission.EDIT)
    @Mutation(() => type, {
      name: `archive${name}`,
      description: `Retires a ${lowerName} for good (a new version; archiving an archived one changes nothing). ${options.archiveDescription}`,
    })
    async archiveDefinition(
      @Arg("key", () => String, { description: keyDescription }) key: string,
      @Ctx() ctx: Context,
    ): Promise<T> {
      return type.from(await options.service(ctx).archive(key, actorOf(ctx)));
    }

    @FieldResolver(() => [DefinitionVersion], { description: "Every version, newest first" })
    history(@Root() definition: T, @Ctx() ctx: Context): Promise<DefinitionVersion[]> {
      return options.history(ctx).load(definition.key) as Promise<DefinitionVersion[]>;
    }
  }
  return DefinitionResolverBase;
}

interface RefreshableResolverOptions<R, T> extends DefinitionResolverOptions<R, T> {
  /** `Tags` → `refreshTags`. */
  plural: string;
  refreshDescription: string;
  refresh: (ctx: Context, keys: readonly string[] | undefined) => Promise<MaterialiseReport>;
}

/** The shared operations plus `refresh<Plural>(keys)` for kinds whose memberships a rule computes. */
export function RefreshableDefinitionResolver<R, T extends { key: string }>(
  options: RefreshableResolverOptions<R, T>,
) {
  @Resolver(() => options.type)
  class RefreshableDefinitionResolverBase extends DefinitionResolver(options) {
    @Authorized(Permission.EDIT)
    @Mutation(() => RefreshResult, {
      name: `refresh${options.plural}`,
      description: options.refreshDescription,
    })
    refreshDefinitions(
      @Arg("keys", () => [String], {
        nullable: true,
        description:
          "The keys to refresh; absent: every active rule-based one. An unknown or archived key is NOT_FOUND, one without a rule BAD_USER_INPUT",
      })
      keys: string[] | undefined,
      @Ctx() ctx: Context,
    ): Promise<RefreshResult> {
      return RefreshResult.timed(() => options.refresh(ctx, keys));
    }
  }
  return RefreshableDefinitionResolverBase;
}
