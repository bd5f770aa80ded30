import { Arg, Args, ArgsType, Authorized, Ctx, Field, ID, Mutation, Query, Resolver } from "type-graphql";
import { listAudit } from "../access/audit-log";
import { Permission } from "../access/permissions";
import { canSeePii } from "../access/pii";
import { ApiKey, AuditEntry, AuditEntryConnection, CreateApiKeyInput, CreatedApiKey } from "../schema/access";
import { PageArgs, toConnection } from "../schema/connection";
import type { Context } from "../server/context";

@ArgsType()
class AuditLogArgs extends PageArgs {
  @Field(() => String, {
    nullable: true,
    description: "Only entries of this kind: `tag`, `segment`, `api_key`, `purchase_model` or `user`",
  })
  entityType?: string;

  @Field(() => String, { nullable: true, description: "Only entries of this entity (needs entityType)" })
  entityKey?: string;
}

@Resolver()
export class AccessResolver {
  @Authorized(Permission.ADMIN)
  @Mutation(() => CreatedApiKey, {
    description: "Creates a key; the secret is in the answer and nowhere else",
  })
  async createApiKey(
    @Arg("input", () => CreateApiKeyInput, { description: "The new key's name and role" })
    input: CreateApiKeyInput,
    @Ctx() ctx: Context,
  ): Promise<CreatedApiKey> {
    const created = await ctx.services.apiKeys.create(input, ctx.principal!, ctx.requestId);
    return { key: created.key, apiKey: ApiKey.from(created.apiKey) };
  }

  @Authorized(Permission.ADMIN)
  @Mutation(() => ApiKey, { description: "Revokes a key; requests with it fail from the next one on" })
  async revokeApiKey(
    @Arg("id", () => ID, { description: "The key's id (ApiKey.id); revoking a revoked key changes nothing" })
    id: string,
    @Ctx() ctx: Context,
  ): Promise<ApiKey> {
    return ApiKey.from(await ctx.services.apiKeys.revoke(id, ctx.principal!, ctx.requestId));
  }

  @Authorized(Permission.ADMIN)
  @Query(() => [ApiKey], {
    description: "Every key, newest first, revoked ones included (never their secrets)",
  })
  async apiKeys(@Ctx() ctx: Context): Promise<ApiKey[]> {
    return (await ctx.services.apiKeys.list()).map(ApiKey.from);
  }

  @Authorized(Permission.ADMIN)
  @Query(() => AuditEntryConnection, { description: "Changes of definitions and keys, newest first" })
  async auditLog(
    @Args(() => AuditLogArgs) args: AuditLogArgs,
    @Ctx() ctx: Context,
  ): Promise<AuditEntryConnection> {
    const page = await listAudit(ctx.services.db, args);
    const visible = canSeePii(ctx.principal);
    const nodes = page.nodes.map((record) =>
      AuditEntry.from(
        visible
          ? record
          : {
              ...record,
              before: ctx.services.pii.maskPayload(record.before),
              after: ctx.services.pii.maskPayload(record.after),
            },
      ),
    );
    return toConnection({ ...page, nodes }) as AuditEntryConnection;
  }
}
