import { existsSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { loadConfig } from "../../src/config";
import { connect, type Database, migrate } from "../../src/db/client";
import { seedDemo } from "../../src/generator/demo";
import { DEFAULT_SHOP } from "../../src/generator/seed";
import { createServer, type StratumServer } from "../../src/server/app";
import { dashboardBundle } from "../../src/server/dashboard";
import { ensureDemoAdminKey } from "../../src/server/demo";
import { createServices, type Services } from "../../src/server/services";

/** The dashboard's routes, in menu order (src/app/main.ts). */
export const DASHBOARD_ROUTES = [
  "overview",
  "funnel",
  "retention",
  "rfm",
  "segments",
  "paths",
  "lifecycle",
  "repurchase",
  "experiments",
] as const;

/** Debian's chromium (STACK-NOTES), or the one CHROMIUM_PATH names; undefined when neither exists. */
export function chromiumPath(): string | undefined {
  return [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
    (candidate): candidate is string => !!candidate && existsSync(candidate),
  );
}

export const launchChromium = (executablePath: string): Promise<Browser> =>
  chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });

export interface DemoDashboard {
  db: Database;
  services: Services;
  server: StratumServer;
  /** http://127.0.0.1:<port> */
  origin: string;
  demoKey: string;
  close(): Promise<void>;
}

/** The embedded demo as `npm start` makes it: PGlite in memory, the demo shop, a demo admin key. */
export async function startDemoDashboard(): Promise<DemoDashboard> {
  const db = await connect();
  await migrate(db);
  const services = createServices(db, loadConfig({ STRATUM_DATA_DIR: "memory://" }));
  await seedDemo(services, DEFAULT_SHOP);
  const demoKey = await ensureDemoAdminKey(services);
  if (!demoKey) throw new Error("an in-memory PGlite outside production is the demo");
  const server = await createServer(services, { demoKey });
  const port = await server.listen(0, "127.0.0.1");
  await dashboardBundle();
  return {
    db,
    services,
    server,
    origin: `http://127.0.0.1:${port}`,
    demoKey,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * The demo shop has no experiment: this one exposes its first 1,000 current profiles 45 days
 * ago, even ids to the control and odd ones to the banner, so the experiments page has results
 * (conversions are the shop's own orders after exposure).
 */
export async function addDemoExperiment(demo: DemoDashboard): Promise<void> {
  const start = new Date(Date.now() - 45 * 86_400_000);
  await demo.services.experiments.create(
    {
      key: "free_shipping_banner",
      name: "Free shipping banner",
      variants: [
        { key: "control", weight: 0.5 },
        { key: "banner", weight: 0.5 },
      ],
      primaryMetric: "buyers",
      start,
      minimumDetectableEffect: 0.05,
    },
    SYSTEM_PRINCIPAL,
  );
  await demo.db.query(sql`
    insert into events (user_id, message_id, name, ts, properties)
    select u.id, 'dashboard-exposure-' || u.id, 'experiment_viewed', ${start.toISOString()}::timestamptz + interval '1 hour',
      jsonb_build_object('experiment_id', 'free_shipping_banner',
        'variation_id', case when u.id % 2 = 0 then 'control' else 'banner' end)
    from (select id from users where merged_into is null order by id limit 1000) u`);
}

/** Opens a route and waits until the page and every chart on it have drawn. */
export async function openDashboardPage(page: Page, origin: string, route: string): Promise<void> {
  await page.goto(`${origin}/app#/${route}`);
  await page.waitForSelector(`main[data-page="${route}"][data-loaded="true"]`, { timeout: 30_000 });
  // Evaluated in the page (a string: this project's Node typings have no DOM).
  await page.waitForFunction(
    '[...document.querySelectorAll("[data-chart]")].every((chart) => chart.dataset.renderedAt)',
    undefined,
    { timeout: 30_000 },
  );
}
