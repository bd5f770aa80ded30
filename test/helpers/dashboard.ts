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
  "tags",
  "paths",
  "lifecycle",
  "repurchase",
  "experiments",
  "campaigns",
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

/** Runs a GraphQL query against the demo server with its demo key (the API's own answer). */
export async function demoQuery<T>(
  demo: DemoDashboard,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(`${demo.origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${demo.demoKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data)
    throw new Error(body.errors?.[0]?.message ?? `HTTP ${response.status}`);
  return body.data;
}

/**
 * The demo shop has no experiment: this one exposes its first 1,000 current profiles 45 days
 * ago, even ids to the control and odd ones to the banner, so the experiments page has results
 * (conversions are the shop's own orders after exposure); gmv and orders are its secondary metrics.
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
      metrics: ["gmv", "orders"],
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

/**
 * A second campaign beside the demo's own `winback_sms`, so the page's campaign picker has a
 * choice: launched 20 days ago to the champions segment with a 20 % holdout, and its SMS reached every treated member an hour later (half of
 * them opened it), so the campaigns page has results (conversions are the shop's own orders).
 */
export async function addDemoCampaign(demo: DemoDashboard): Promise<void> {
  const launchedAt = new Date(Date.now() - 20 * 86_400_000);
  await demo.services.campaigns.create(
    {
      key: "champions_sms",
      name: "Thank-you coupon",
      channel: "sms",
      segment: "champions",
      holdoutShare: 0.2,
      fixedCost: 2000,
      costPerTouch: 0.05,
      attributionDays: 14,
    },
    SYSTEM_PRINCIPAL,
  );
  await demo.services.campaigns.launch("champions_sms", SYSTEM_PRINCIPAL, launchedAt);
  await demo.db.query(sql`
    insert into events (user_id, message_id, name, ts, properties)
    select a.user_id, 'dashboard-' || touch.name || '-' || a.user_id, touch.name,
      ${launchedAt.toISOString()}::timestamptz + interval '1 hour', '{"campaign": "champions_sms"}'::jsonb
    from campaign_audience a
    cross join (values ('campaign_sent'), ('campaign_delivered'), ('campaign_opened')) as touch(name)
    where a.campaign_key = 'champions_sms' and a.arm = 'treatment'
      and (touch.name <> 'campaign_opened' or a.user_id % 2 = 0)`);
}

/** A purchase model fitted on the demo shop's orders up to 30 days ago: the prediction page's model. */
export const DEMO_MODEL_KEY = "repeat_purchases";

export async function addDemoPurchaseModel(demo: DemoDashboard): Promise<void> {
  const calibrationEnd = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  await demo.services.prediction.fit({ key: DEMO_MODEL_KEY, calibrationEnd }, SYSTEM_PRINCIPAL);
}

/** Opens the prediction page on the demo model: its key is typed once, as a user would. */
export async function openPredictionPage(page: Page, origin: string): Promise<void> {
  await openDashboardPage(page, origin, "prediction");
  await page.fill('input[name="model"]', DEMO_MODEL_KEY);
  await page.click('form.controls button[type="submit"]');
  await page.waitForSelector('main[data-page="prediction"][data-loaded="true"] [data-chart]', {
    timeout: 30_000,
  });
  await page.waitForSelector("[data-chart]:not([data-rendered-at])", { state: "detached", timeout: 30_000 });
}

/** Opens a route and waits until the page and every chart on it have drawn. */
export async function openDashboardPage(page: Page, origin: string, route: string): Promise<void> {
  await page.goto(`${origin}/app#/${route}`);
  await page.waitForSelector(`main[data-page="${route}"][data-loaded="true"]`, { timeout: 30_000 });
  // Selectors, not waitForFunction: polling a function evaluates a string in the page, which
  // its Content-Security-Policy (script-src 'self') rightly refuses.
  await page.waitForSelector("[data-chart]:not([data-rendered-at])", { state: "detached", timeout: 30_000 });
}
