import { networkInterfaces } from "node:os";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createServer, type StratumServer } from "../../src/server/app";
import { createServices } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";
import { TEST_ADMIN_KEY } from "../helpers/graphql";

/** The budget for the first load: page, script and styles, compressed. */
const MAX_FIRST_LOAD_BYTES = 1024 * 1024;

const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((nic) => nic && !nic.internal && nic.family === "IPv4")?.address;

/** /app without a browser: what is served, as what, how heavy, and where the demo key goes. */
describeEachDatabase("dashboard files", (db) => {
  const servers: StratumServer[] = [];
  let plain: string;
  let demoPort: number;
  beforeAll(async () => {
    const services = createServices(db(), loadConfig({ STRATUM_ADMIN_KEY: TEST_ADMIN_KEY }));
    const plainServer = await createServer(services);
    const demoServer = await createServer(services, { demoKey: "strat_demo_key" });
    servers.push(plainServer, demoServer);
    plain = `http://127.0.0.1:${await plainServer.listen(0)}`;
    demoPort = await demoServer.listen(0, "0.0.0.0");
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  it("serves the page, its script and its styles with their content types, from this server only", async () => {
    const page = await fetch(`${plain}/app`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html; charset=utf-8/);
    const html = await page.text();
    expect(html).toContain('<script src="/app/app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/app/app.css">');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");

    const script = await fetch(`${plain}/app/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const js = await script.text();
    // ECharts and the typed client's documents are inside, not fetched from elsewhere
    // (booleans: a failure should not print a 700 kB bundle).
    expect(js.includes('"DashboardCatalog"'), "typed client document").toBe(true);
    expect(js.includes("sankey"), "ECharts' Sankey series").toBe(true);
    const styles = await fetch(`${plain}/app/app.css`);
    expect(styles.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await styles.text()).toContain(".cards");
    expect((await fetch(`${plain}/app/other.js`)).status).toBe(404);
  });

  it("weighs at most 1 MB compressed on first load, and is sent gzipped to browsers that take it", async () => {
    const bodies = await Promise.all(
      ["/app", "/app/app.js", "/app/app.css"].map(async (path) =>
        Buffer.from(await (await fetch(`${plain}${path}`)).arrayBuffer()),
      ),
    );
    const compressed = bodies.reduce((sum, body) => sum + gzipSync(body).length, 0);
    console.log(`first load: ${(compressed / 1000).toFixed(0)} kB gzipped`);
    expect(compressed).toBeLessThanOrEqual(MAX_FIRST_LOAD_BYTES);
    // fetch decompresses; the header says what crossed the wire.
    const script = await fetch(`${plain}/app/app.js`, { headers: { "accept-encoding": "gzip" } });
    expect(script.headers.get("content-encoding")).toBe("gzip");
    const etag = script.headers.get("etag") as string;
    expect((await fetch(`${plain}/app/app.js`, { headers: { "if-none-match": etag } })).status).toBe(304);
  });

  it("never puts a configured admin key into the page; the demo key goes to this machine only", async () => {
    expect(await (await fetch(`${plain}/app`)).text()).not.toContain(TEST_ADMIN_KEY);
    expect(await (await fetch(`${plain}/app`)).text()).not.toContain("stratum-demo-key");
    const local = await (await fetch(`http://127.0.0.1:${demoPort}/app`)).text();
    expect(local).toContain('<meta name="stratum-demo-key" content="strat_demo_key">');
  });

  describe.runIf(outsideAddress)("from another address", () => {
    it("the page comes without the demo key", async () => {
      const page = await (await fetch(`http://${outsideAddress}:${demoPort}/app`)).text();
      expect(page).toContain("/app/app.js");
      expect(page).not.toContain("strat_demo_key");
    });
  });
});
