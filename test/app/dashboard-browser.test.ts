import { sql } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import {
  addDemoCampaign,
  addDemoExperiment,
  addDemoPurchaseModel,
  chromiumPath,
  DASHBOARD_ROUTES,
  type DemoDashboard,
  launchChromium,
  openDashboardPage,
  openPredictionPage,
  startDemoDashboard,
} from "../helpers/dashboard";

const chromium = chromiumPath();
if (!chromium)
  console.warn(
    "dashboard browser tests skipped: no chromium at /usr/bin/chromium (apt-get install chromium, or set CHROMIUM_PATH)",
  );

/** Pixels of a chart's canvas that are not fully transparent: ECharts draws on a clear canvas. */
const PAINTED_PIXELS = `[...document.querySelectorAll("[data-chart]")].map((chart) => {
  const canvas = chart.querySelector("canvas");
  const pixels = canvas ? canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data : [];
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return { chart: chart.dataset.chart, points: Number(chart.dataset.points), painted };
})`;

/**
 * The dashboard in headless Chromium on the embedded demo as `npm start` makes it (PGlite, the
 * demo shop, the demo key in the page for this machine): one server and one browser for every
 * page. The numbers behind the charts are tested on both databases by the API's own tests.
 */
describe.runIf(chromium)("dashboard in a browser (demo shop)", () => {
  let demo: DemoDashboard;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];

  const watch = (target: Page) => {
    target.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(`${target.url()}: ${message.text()}`);
    });
    target.on("pageerror", (error) => consoleErrors.push(`${target.url()}: ${error.message}`));
    target.on("request", (request) => {
      if (!request.url().startsWith(`${demo.origin}/`)) foreignRequests.push(request.url());
    });
  };

  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDemoDashboard(), launchChromium(chromium as string)]);
    await addDemoExperiment(demo);
    await addDemoCampaign(demo);
    await addDemoPurchaseModel(demo);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    watch(page);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  // A timing on two shared cores: retried, so one slow moment of a neighbour is not a failure.
  it("draws the first chart of the overview within a second of opening it", { retry: 2 }, async () => {
    // A second load: the bundle is in the browser's cache (ETag), as for anyone coming back.
    await openDashboardPage(page, demo.origin, "overview");
    const fresh = await context.newPage();
    watch(fresh);
    await openDashboardPage(fresh, demo.origin, "overview");
    const firstChart = await fresh.evaluate<number>(
      'Math.min(...[...document.querySelectorAll("[data-chart]")].map((chart) => Number(chart.dataset.renderedAt)))',
    );
    console.log(`time to first chart: ${firstChart} ms`);
    expect(firstChart).toBeLessThanOrEqual(1000);
    await fresh.close();
  });

  it.each(DASHBOARD_ROUTES)("%s loads and every chart on it draws data", async (route) => {
    await openDashboardPage(page, demo.origin, route);
    const charts = await page.evaluate<{ chart: string; points: number; painted: number }[]>(PAINTED_PIXELS);
    expect(charts.length).toBeGreaterThan(0);
    for (const chart of charts) {
      expect(chart.points, chart.chart).toBeGreaterThan(0);
      expect(chart.painted, chart.chart).toBeGreaterThan(0);
    }
    expect(await page.locator("[data-error]").count()).toBe(0);
  });

  it("the overview has the catalog's key metrics as cards with a comparison, and a split trend", async () => {
    await openDashboardPage(page, demo.origin, "overview");
    await page.waitForSelector('.card[data-metric="gmv"]');
    expect(await page.locator(".card").count()).toBe(8);
    expect(await page.locator('.card[data-metric="gmv"] .change').textContent()).toMatch(/previous period/);
    await page.selectOption('select[name="split"]', "channel");
    await page.waitForSelector('main[data-loaded="true"] [data-chart="trend"][data-rendered-at]');
    // The demo shop's channels (src/generator/shop.ts) each get a line.
    expect(Number(await page.locator('[data-chart="trend"]').getAttribute("data-points"))).toBeGreaterThan(
      30,
    );
  });

  it("breaks the funnel down by channel", async () => {
    await openDashboardPage(page, demo.origin, "funnel");
    await page.selectOption('select[name="breakdown"]', "channel");
    await page.waitForSelector('main[data-loaded="true"] [data-chart="funnel-breakdown"][data-rendered-at]');
    const charts = await page.evaluate<{ chart: string; points: number; painted: number }[]>(PAINTED_PIXELS);
    const breakdown = charts.find((chart) => chart.chart === "funnel-breakdown");
    // Four steps per channel value drawn.
    expect((breakdown?.points ?? 0) % 4).toBe(0);
    expect(breakdown?.points).toBeGreaterThanOrEqual(8);
    expect(breakdown?.painted).toBeGreaterThan(0);
    await page.selectOption('select[name="breakdown"]', "");
    await page.waitForSelector('main[data-loaded="true"]');
  });

  it("shows an experiment's units per variant, with its lift interval", async () => {
    await openDashboardPage(page, demo.origin, "experiments");
    // addDemoExperiment exposes the first 1,000 current profiles once each: even ids to control.
    const [{ control, banner }] = await demo.db.query<{ control: number; banner: number }>(sql`
      select count(*) filter (where id % 2 = 0)::int as control, count(*) filter (where id % 2 = 1)::int as banner
      from (select id from users where merged_into is null order by id limit 1000) u`);
    const rows = await page
      .locator('[data-table="experiment"] tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 2).map((td) => td.textContent)),
      );
    expect(rows).toEqual([
      ["control", String(control)],
      ["banner", String(banner)],
    ]);
    expect(await page.locator('[data-table="experiment"] tbody tr').nth(1).textContent()).toMatch(
      /pp … .*pp/,
    );
  });

  it("shows a campaign's arms and touches", async () => {
    await openDashboardPage(page, demo.origin, "campaigns");
    // addDemoCampaign: every treated member was sent the SMS, the even ids opened it.
    const [{ treated, opened }] = await demo.db.query<{ treated: number; opened: number }>(sql`
      select count(*)::int as treated, count(*) filter (where user_id % 2 = 0)::int as opened
      from campaign_audience where campaign_key = 'champions_sms' and arm = 'treatment'`);
    expect(treated).toBeGreaterThan(0);
    const touches = page.locator('[data-table="campaign"] tr').nth(1).locator("td");
    expect(await touches.textContent()).toBe(`${treated} / ${treated} / ${opened} / 0`);
    expect(await page.locator("[data-holdout-touched]").count()).toBe(0);
  });

  it("draws a purchase model's holdout check and risk bands once its key is given", async () => {
    await openPredictionPage(page, demo.origin);
    const charts = await page.evaluate<{ chart: string; points: number; painted: number }[]>(PAINTED_PIXELS);
    expect(charts.map((chart) => chart.chart)).toEqual(["prediction-holdout", "prediction-risk"]);
    for (const chart of charts) {
      expect(chart.points, chart.chart).toBeGreaterThan(0);
      expect(chart.painted, chart.chart).toBeGreaterThan(0);
    }
    expect(await page.locator('[data-table="prediction"]').textContent()).toContain("repeat_purchases v1");
  });

  it("switches labels to Simplified Chinese from the catalog", async () => {
    await openDashboardPage(page, demo.origin, "overview");
    await page.selectOption('select[name="language"]', "zh");
    await page.waitForSelector('main[data-loaded="true"] .card[data-metric="gmv"]');
    // docs/metrics.md: GMV is 成交总额, orders 订单数.
    expect(await page.locator('.card[data-metric="gmv"] h3').textContent()).toBe("成交总额");
    expect(await page.locator('.card[data-metric="orders"] h3').textContent()).toBe("订单数");
    expect(await page.locator("nav a.active").textContent()).toBe("概览");
    await page.selectOption('select[name="language"]', "en");
    await page.waitForSelector('main[data-loaded="true"]');
  });

  it("counts a rule typed in the editor, and points at the line and column of an error", async () => {
    await openDashboardPage(page, demo.origin, "segments");
    const editor = page.locator('textarea[name="rule"]');
    await editor.fill("");
    await editor.pressSequentially('trait.city = "北京"', { delay: 5 });
    const matching = page.locator("[data-matching]");
    await matching.waitFor();
    // Counted independently: current (not merged-away) profiles whose city trait is 北京.
    const [{ expected }] = await demo.db.query<{ expected: number }>(
      sql`select count(*)::int as expected from users where merged_into is null and traits->>'city' = '北京'`,
    );
    expect(expected).toBeGreaterThan(0);
    await expect.poll(() => matching.getAttribute("data-matching")).toBe(String(expected));
    await editor.fill('count(orders) >= 2 and\n  trait.city = = "北京"');
    const error = page.locator(".rule-errors li").first();
    await error.waitFor();
    expect(await error.textContent()).toMatch(/line 2, column \d+/);
  });

  it("pages through a segment's members with PII shown to the demo admin", async () => {
    await openDashboardPage(page, demo.origin, "segments");
    await page.waitForSelector('[data-table="members"] tbody tr');
    const phones = await page.locator('[data-table="members"] [data-pii="phone"]').allTextContents();
    expect(phones.some((phone) => /^1\d{10}$/.test(phone))).toBe(true);
    const firstIds = await page.locator('[data-table="members"] tbody tr td:first-child').allTextContents();
    await page.click("[data-next]");
    const firstCell = page.locator('[data-table="members"] tbody tr td').first();
    await expect.poll(() => firstCell.textContent()).not.toBe(firstIds[0]);
    const nextIds = await page.locator('[data-table="members"] tbody tr td:first-child').allTextContents();
    expect(nextIds.filter((id) => firstIds.includes(id))).toEqual([]);
  });

  it("asks for a key, and a viewer key sees PII masked", async () => {
    const { key } = await demo.services.apiKeys.create({ name: "viewer", role: "VIEWER" }, SYSTEM_PRINCIPAL);
    const viewer = await context.newPage();
    watch(viewer);
    await openDashboardPage(viewer, demo.origin, "segments");
    await viewer.click("text=Forget key");
    await viewer.fill('input[name="apiKey"]', key);
    await viewer.click('button[type="submit"]');
    await viewer.waitForSelector('[data-table="members"] tbody tr');
    const cells = async (pii: string) =>
      (await viewer.locator(`[data-table="members"] [data-pii="${pii}"]`).allTextContents()).filter(
        (v) => v !== "–",
      );
    // src/access/pii.ts: 138****5678, j***@example.com, 李***.
    const phones = await cells("phone");
    expect(phones.length).toBeGreaterThan(0);
    for (const phone of phones) expect(phone).toMatch(/^\d{3}\*+\d{4}$/);
    for (const email of await cells("email")) expect(email).toMatch(/^.\*\*\*@/);
    for (const name of await cells("name")) expect(name).toMatch(/^.\*\*\*$/);
    expect(await viewer.evaluate("sessionStorage.getItem('stratum.apiKey')")).toBe(key);
    await viewer.close();
  });

  it("logged no console error and sent no request beyond this server", () => {
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
