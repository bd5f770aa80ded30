import type { Command } from "commander";
import { Role, SYSTEM_PRINCIPAL } from "../../access/permissions";
import { loadConfig } from "../../config";
import { openRuntime } from "../../server/runtime";
import type { Services } from "../../server/services";

async function withServices(work: (services: Services) => Promise<void>): Promise<void> {
  const services = await openRuntime(loadConfig());
  try {
    await work(services);
  } finally {
    await services.db.close();
  }
}

/** `stratum keys create|list|revoke`: API keys from the command line, audited as `system`. */
export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("manage API keys");
  keys
    .command("create")
    .description("create a key and print its secret (shown only this once)")
    .requiredOption("--name <name>", "who or what uses the key")
    .requiredOption("--role <role>", `one of ${Object.values(Role).join(", ")}`)
    .action((options: { name: string; role: string }) =>
      withServices(async (services) => {
        const { key, apiKey } = await services.apiKeys.create(
          { name: options.name, role: options.role.toUpperCase() },
          SYSTEM_PRINCIPAL,
        );
        console.log(`created key ${apiKey.id} (${apiKey.name}, ${apiKey.role})`);
        console.log(`secret (store it now, it cannot be shown again):\n${key}`);
      }),
    );
  keys
    .command("list")
    .description("list keys (never their secrets)")
    .action(() =>
      withServices(async (services) => {
        for (const key of await services.apiKeys.list()) {
          const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : "active";
          console.log(`${key.id}\t${key.role}\t${state}\t${key.name}`);
        }
      }),
    );
  keys
    .command("revoke <id>")
    .description("revoke a key; requests with it fail from the next one on")
    .action((id: string) =>
      withServices(async (services) => {
        const key = await services.apiKeys.revoke(id, SYSTEM_PRINCIPAL);
        console.log(`revoked ${key.id} (${key.name})`);
      }),
    );
}
