import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { SYSTEM_PRINCIPAL } from "../access/permissions";
import type { StratumConfig } from "../config";
import type { Services } from "./services";

export const DEMO_KEY_NAME = "demo admin";
const KEY_FILE = "demo-admin.key";

/**
 * Demo mode is the embedded database on a developer's machine: no DATABASE_URL and not
 * production. Only there does `start` create an administrator key and hand it to the IDE,
 * because only there is the person at the console the only one who can reach the data.
 */
export const isDemoMode = (config: Pick<StratumConfig, "databaseUrl" | "production">): boolean =>
  !config.databaseUrl && !config.production;

/** Whether a socket's remote address is this machine (IPv4, IPv6 or IPv4-mapped loopback). */
export const isLoopback = (address: string | undefined): boolean =>
  !!address && (address === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(address));

/**
 * Demo mode: an administrator key for the local IDE. The secret is kept in the data
 * directory (owner-readable only) next to the embedded database that holds its hash, so a
 * restart reuses it; an in-memory database gets a fresh key per start.
 * Sets `config.adminKey`, which the IDE page sends to loopback clients.
 * Outside demo mode it creates nothing and answers undefined.
 */
export async function ensureDemoAdminKey(services: Services): Promise<string | undefined> {
  const { config, apiKeys } = services;
  if (!isDemoMode(config)) return undefined;
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
