import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Services } from "../server/services";
import { SYSTEM_PRINCIPAL } from "./permissions";

export const DEMO_KEY_NAME = "demo admin";
const KEY_FILE = "demo-admin.key";

/**
 * Demo mode: an administrator key for the local IDE. The secret is kept in the data
 * directory (owner-readable only) next to the embedded database that holds its hash, so a
 * restart reuses it; an in-memory database gets a fresh key per start.
 * Sets `config.adminKey`, which the IDE page sends.
 */
export async function ensureDemoAdminKey(services: Services): Promise<string> {
  const { config, apiKeys } = services;
  const keyFile = config.dataDir === "memory://" ? undefined : path.join(config.dataDir, KEY_FILE);
  const stored = keyFile
    ? await readFile(keyFile, "utf8").then(
        (text) => text.trim(),
        () => undefined,
      )
    : undefined;
  let key = stored && (await apiKeys.lookup(stored)).status === "live" ? stored : undefined;
  if (!key) {
    key = (await apiKeys.create({ name: DEMO_KEY_NAME, role: "ADMIN" }, SYSTEM_PRINCIPAL)).key;
    if (keyFile) {
      await mkdir(path.dirname(keyFile), { recursive: true });
      await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
    }
  }
  config.adminKey = key;
  return key;
}
