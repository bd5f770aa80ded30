import { networkInterfaces } from "node:os";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createServer, type StratumServer } from "../../src/server/app";
import { ensureDemoAdminKey, isDemoMode, isLoopback } from "../../src/server/demo";
import { createServices } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";

describe("demo mode", () => {
  it("is the embedded database outside production only", () => {
    expect(isDemoMode(loadConfig({}))).toBe(true);
    expect(isDemoMode(loadConfig({ DATABASE_URL: "postgres://db/shop" }))).toBe(false);
    expect(isDemoMode(loadConfig({ NODE_ENV: "production" }))).toBe(false);
  });

  it("listens on loopback in demo mode and on every interface otherwise, unless HOST says", () => {
    expect(loadConfig({}).host).toBe("127.0.0.1");
    expect(loadConfig({ DATABASE_URL: "postgres://db/shop" }).host).toBe("0.0.0.0");
    expect(loadConfig({ NODE_ENV: "production" }).host).toBe("0.0.0.0");
    expect(loadConfig({ HOST: "::" }).host).toBe("::");
  });

  it("recognises loopback addresses only", () => {
    for (const address of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"])
      expect(isLoopback(address), address).toBe(true);
    for (const address of [
      undefined,
      "",
      "192.0.2.2",
      "::ffff:10.0.0.1",
      "fd00::2",
      "128.0.0.1",
      "1127.0.0.1",
    ])
      expect(isLoopback(address), address).toBe(false);
  });
});

const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((nic) => nic && !nic.internal && nic.family === "IPv4")?.address;

describeEachDatabase("demo admin key", (db) => {
  it("is never created against a database that is not the embedded demo", async () => {
    for (const env of [{ DATABASE_URL: "postgres://db/shop" }, { NODE_ENV: "production" }]) {
      const services = createServices(db(), loadConfig(env));
      expect(await ensureDemoAdminKey(services)).toBeUndefined();
      expect(services.config.adminKey).toBeUndefined();
    }
    const [{ keys }] = await db().query<{ keys: number }>(sql`select count(*)::int as keys from api_keys`);
    expect(keys).toBe(0);
  });

  describe("on the IDE page", () => {
    let server: StratumServer;
    let port: number;
    beforeAll(async () => {
      server = await createServer(createServices(db(), loadConfig({})), { demoKey: "strat_demo_key" });
      port = await server.listen(0, "0.0.0.0");
    });
    afterAll(() => server.stop());
    const options = async (host: string) =>
      (await fetch(`http://${host}:${port}/graphql/initial_options.js`)).text();

    it("is sent to a client on this machine", async () => {
      expect(await options("127.0.0.1")).toContain("Bearer strat_demo_key");
    });

    it.runIf(outsideAddress)("is not sent to a client from another address", async () => {
      const page = await options(outsideAddress as string);
      expect(page).toContain("/graphql");
      expect(page).not.toContain("strat_demo_key");
    });
  });
});
