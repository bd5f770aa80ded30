import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createServer, type StratumServer } from "../../src/server/app";
import { EXAMPLE_QUERIES } from "../../src/server/examples";
import { createServices } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";
import { TEST_ADMIN_KEY } from "../helpers/graphql";

/** The IDE is served from local files, and only a demo key ever reaches its page. */
describeEachDatabase("local GraphQL IDE", (db) => {
  const servers: StratumServer[] = [];
  let plainUrl: string;
  let demoUrl: string;
  beforeAll(async () => {
    const services = createServices(db(), loadConfig({ STRATUM_ADMIN_KEY: TEST_ADMIN_KEY }));
    const plain = await createServer(services);
    const demo = await createServer(services, { demoKey: "strat_demo_key" });
    servers.push(plain, demo);
    plainUrl = `http://127.0.0.1:${await plain.listen(0)}/graphql`;
    demoUrl = `http://127.0.0.1:${await demo.listen(0)}/graphql`;
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  const page = async (base: string) => {
    const html = await fetch(`${base}/`, { headers: { accept: "text/html" } });
    const options = await fetch(`${base}/initial_options.js`);
    return { status: html.status, html: await html.text(), options: await options.text() };
  };

  it("serves the IDE page and its options from this server", async () => {
    const { status, html, options } = await page(plainUrl);
    expect(status).toBe(200);
    expect(html).toContain("<title>Altair</title>");
    expect(html).not.toMatch(/src="https?:\/\//);
    expect(options).toContain("/graphql");
  });

  it("opens with the README's examples as tabs, each with the demo key", async () => {
    const { options } = await page(demoUrl);
    // Altair writes the options as JavaScript template literals.
    for (const example of EXAMPLE_QUERIES) {
      expect(example.query).not.toMatch(/`|\$\{|\\/);
      expect(options).toContain(`initialName: \`${example.name}\``);
      expect(options).toContain(`initialQuery: \`${example.query}\``);
    }
    expect(options.match(/Bearer strat_demo_key/g)?.length).toBe(EXAMPLE_QUERIES.length + 1);
  });

  it("never puts a configured admin key into the page, and sends the demo key in demo mode", async () => {
    const plain = await page(plainUrl);
    expect(plain.html + plain.options).not.toContain(TEST_ADMIN_KEY);
    const demo = await page(demoUrl);
    expect(demo.options).toContain("Bearer strat_demo_key");
  });
});
