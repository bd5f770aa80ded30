import type { Command } from "commander";
import { Role, SYSTEM_PRINCIPAL } from "../../access/permissions";
import { loadConfig } from "../../config";
import { openRuntime } from "../../server/runtime";
import type { Services } from "../../server/services";
import { type RemoteOptions, remoteApi, withRemoteOptions } from "../remote";

async function withServices<T>(work: (services: Services) => Promise<T>): Promise<T> {
  const services = await openRuntime(loadConfig());
  try {
    return await work(services);
  } finally {
    await services.db.close();
  }
}

/** A key as printed, whether read from the database or from a server's API (dates as ISO text). */
interface KeyRow {
  id: string;
  name: string;
  role: string;
  revokedAt: string | null;
}

const KEY_FIELDS = "id name role revokedAt";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/**
 * `stratum keys create|list|revoke`: API keys from the command line. On the database they
 * are audited as `system`; with `--url` a running server does it, audited as the key's name.
 */
export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("manage API keys");
  withRemoteOptions(
    keys
      .command("create")
      .description("create a key and print its secret (shown only this once)")
      .requiredOption("--name <name>", "who or what uses the key")
      .requiredOption("--role <role>", `one of ${Object.values(Role).join(", ")}`),
  ).action(async (options: { name: string; role: string } & RemoteOptions) => {
    const input = { name: options.name, role: options.role.toUpperCase() };
    const api = remoteApi(options);
    const { key, apiKey } = api
      ? (
          await api.request<{ createApiKey: { key: string; apiKey: KeyRow } }>(
            `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { ${KEY_FIELDS} } } }`,
            { input },
          )
        ).createApiKey
      : await withServices((services) => services.apiKeys.create(input, SYSTEM_PRINCIPAL));
    console.log(`created key ${apiKey.id} (${apiKey.name}, ${apiKey.role})`);
    console.log(`secret (store it now, it cannot be shown again):\n${key}`);
  });
  withRemoteOptions(keys.command("list").description("list keys (never their secrets)")).action(
    async (options: RemoteOptions) => {
      const api = remoteApi(options);
      const rows: KeyRow[] = api
        ? (await api.request<{ apiKeys: KeyRow[] }>(`{ apiKeys { ${KEY_FIELDS} } }`)).apiKeys
        : (await withServices((services) => services.apiKeys.list())).map((key) => ({
            ...key,
            revokedAt: iso(key.revokedAt),
          }));
      for (const key of rows) {
        const state = key.revokedAt ? `revoked ${key.revokedAt}` : "active";
        console.log(`${key.id}\t${key.role}\t${state}\t${key.name}`);
      }
    },
  );
  withRemoteOptions(
    keys.command("revoke <id>").description("revoke a key; requests with it fail from the next one on"),
  ).action(async (id: string, options: RemoteOptions) => {
    const api = remoteApi(options);
    const key = api
      ? (
          await api.request<{ revokeApiKey: KeyRow }>(
            `mutation($id: ID!) { revokeApiKey(id: $id) { ${KEY_FIELDS} } }`,
            { id },
          )
        ).revokeApiKey
      : await withServices((services) => services.apiKeys.revoke(id, SYSTEM_PRINCIPAL));
    console.log(`revoked ${key.id} (${key.name})`);
  });
}
