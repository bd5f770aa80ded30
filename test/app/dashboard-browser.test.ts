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
  demoQuery,
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
/** A number as the dashboard writes it in English (1,234 / −0.5 / +0.012), back to a number. */
const parseNumber = (text: string) => Number(text.replace(/,/g, "").replace("−", "-"));

/** The accessible description of a chart, as a screen reader gets it. */
const chartLabel = (page: Page, chart: string) =>
  page.locator(`[data-chart="${chart}"]`).getAttribute("aria-label") as Promise<string>;

/**
 * Accessibility of what is on screen: form controls without a label, charts without role=img
 * and a description, and text below 4.5:1 contrast against its (first opaque) background.
 * Canvas text is out of reach; the charts' descriptions stand in for it.
 */
const ACCESSIBILITY_PROBLEMS = `(() => {
  const problems = [];
  for (const control of document.querySelectorAll("input, select, textarea")) {
    if (control.type === "hidden") continue;
    const named = (control.labels && control.labels.length > 0) || control.getAttribute("aria-label") || control.getAttribute("aria-labelledby");
    if (!named) problems.push("unlabelled " + control.tagName.toLowerCase() + " " + (control.name || ""));
  }
  for (const button of document.querySelectorAll("button")) {
    if (!(button.textContent || "").trim() && !button.getAttribute("aria-label")) problems.push("unnamed button");
  }
  for (const chart of document.querySelectorAll("[data-chart]")) {
    if (chart.getAttribute("role") !== "img" || !(chart.getAttribute("aria-label") || "").trim())
      problems.push("chart without role=img and aria-label: " + chart.dataset.chart);
  }
  const rgba = (text) => {
    const parts = (text.match(/[\\d.]+/g) || []).map(Number);
    if (parts.length < 3) throw new Error("colour " + text);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const luminance = (rgb) => {
    const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]);
  };
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour[3] > 0.99) return colour;
    }
    return [255, 255, 255, 1];
  };
  const checked = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!element || checked.has(element) || !walker.currentNode.textContent.trim()) continue;
    checked.add(element);
    if (element.closest("[data-chart], [disabled], option")) continue;
    const style = getComputedStyle(element);
    if (style.display === "none" || style.visibility === "hidden") continue;
    let text;
    try { text = rgba(style.color); } catch (error) { problems.push(error.message + " on " + element.tagName); continue; }
    const back = background(element);
    const shown = text.slice(0, 3).map((v, i) => v * text[3] + back[i] * (1 - text[3]));
    const [light, dark] = [luminance(shown), luminance(back)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    if (ratio < 4.5) problems.push("contrast " + ratio.toFixed(2) + ":1 " + element.tagName.toLowerCase() + " " + walker.currentNode.textContent.trim().slice(0, 30));
  }
  return problems;
})()`;

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
    expect(charts.map((chart) => chart.chart)).toEqual([
      "prediction-holdout",
      "prediction-calibration",
      "prediction-risk",
    ]);
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

  it.each([...DASHBOARD_ROUTES, "prediction"])(
    "%s: every control is labelled, every chart is an image with a description, text contrast ≥ 4.5:1",
    async (route) => {
      if (route === "prediction") await openPredictionPage(page, demo.origin);
      else await openDashboardPage(page, demo.origin, route);
      expect(await page.evaluate<string[]>(ACCESSIBILITY_PROBLEMS)).toEqual([]);
    },
  );

  it("shows keyboard focus and switches the page's lang attribute with the language", async () => {
    await openDashboardPage(page, demo.origin, "overview");
    expect(await page.getAttribute("html", "lang")).toBe("en");
    await page.keyboard.press("Tab");
    const focus = await page.evaluate<{ tag: string; outline: string; width: number }>(`(() => {
      const style = getComputedStyle(document.activeElement);
      return { tag: document.activeElement.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    })()`);
    expect(focus.tag).toBe("A");
    expect(focus.outline).not.toBe("none");
    expect(focus.width).toBeGreaterThanOrEqual(2);
    await page.selectOption('select[name="language"]', "zh");
    await page.waitForSelector('main[data-loaded="true"] .card');
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    expect(await page.locator("nav").getAttribute("aria-label")).toBe("页面");
    await page.selectOption('select[name="language"]', "en");
    await page.waitForSelector('main[data-loaded="true"]');
    expect(await page.getAttribute("html", "lang")).toBe("en");
  });

  it("draws each tag's size history and the tag overlap matrix from the members", async () => {
    await openDashboardPage(page, demo.origin, "tags");
    // Counted independently: users holding both tags of each pair, and each tag's members now.
    const pairs = await demo.db.query<{ a: string; b: string; size: number }>(sql`
      select a.key as a, b.key as b, count(m2.user_id)::int as size
      from tags a join tags b on a.key <> b.key
      left join tag_members m1 on m1.tag_key = a.key
      left join tag_members m2 on m2.tag_key = b.key and m2.user_id = m1.user_id
      where a.status = 'ACTIVE' and b.status = 'ACTIVE'
      group by a.key, b.key`);
    const overlap = await chartLabel(page, "tag-overlap");
    const described = [...overlap.matchAll(/(\w+) & (\w+) ([\d,]+)/g)].map(([, a, b, size]) => ({
      a,
      b,
      size: parseNumber(size),
    }));
    const tagCount = (
      await demo.db.query<{ n: number }>(sql`select count(*)::int as n from tags where status = 'ACTIVE'`)
    )[0].n;
    expect(described).toHaveLength((tagCount * (tagCount - 1)) / 2);
    for (const pair of described)
      expect(pair.size, `${pair.a} & ${pair.b}`).toBe(
        pairs.find((p) => p.a === pair.a && p.b === pair.b)?.size,
      );
    expect(described.some((pair) => pair.size > 0)).toBe(true);

    const members = async (key: string) =>
      (
        await demo.db.query<{ n: number }>(
          sql`select count(*)::int as n from tag_members where tag_key = ${key}`,
        )
      )[0].n;
    const lastSize = async () =>
      parseNumber(/([\d,]+) at the end$/.exec(await chartLabel(page, "tag-history"))?.[1] ?? "");
    const [first] = await demo.db.query<{ key: string }>(
      sql`select key from tags where status = 'ACTIVE' order by key limit 1`,
    );
    expect(await lastSize()).toBe(await members(first.key));
    await page.click('[data-choose="vip"]');
    await page.waitForSelector('[data-chart="tag-history"][aria-label*="vip"]');
    expect(await members("vip")).toBeGreaterThan(0);
    expect(await lastSize()).toBe(await members("vip"));
    expect(await page.locator('[data-choose="vip"]').getAttribute("aria-pressed")).toBe("true");
  });

  it("shows the funnel's time to convert per step as the API bins it", async () => {
    await openDashboardPage(page, demo.origin, "funnel");
    const answer = await demoQuery<{
      funnel: { steps: { count: number; timeToConvert: { fromSeconds: number; users: number }[] }[] };
    }>(
      demo,
      `query($input: FunnelInput!) { funnel(input: $input) { steps { count timeToConvert { fromSeconds users } } } }`,
      {
        input: {
          steps: ["product_view", "add_to_cart", "checkout_start", "order_paid"].map((event) => ({ event })),
          window: { value: 1, unit: "DAY" },
          timeRange: { last: "30d" },
        },
      },
    );
    const rows = await page
      .locator('[data-table="funnel-time"] tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
      );
    // A one-day window: bins from 0 to [1 d, 3 d), seven of them; three steps after the entry.
    expect(rows.map((row) => row[0])).toEqual([
      "0–1 min",
      "1–5 min",
      "5–15 min",
      "15 min–1 h",
      "1–6 h",
      "6 h–1 d",
      "1–3 d",
    ]);
    for (let k = 1; k <= 3; k++) {
      const column = rows.map((row) => parseNumber(row[k]));
      expect(column).toEqual(answer.funnel.steps[k].timeToConvert.map((bin) => bin.users));
      // Everyone who reached step k took some time to: the bins add up to the step.
      expect(column.reduce((sum, users) => sum + users, 0)).toBe(answer.funnel.steps[k].count);
    }
    expect(answer.funnel.steps[1].count).toBeGreaterThan(0);
  });

  it("labels the RFM grid's cells with the API's segment names, in English and Chinese", async () => {
    await openDashboardPage(page, demo.origin, "rfm");
    const { rfm } = await demoQuery<{
      rfm: { grid: { r: number; f: number; users: number; segment: string }[] };
    }>(demo, "{ rfm { grid { r f users segment } } }");
    const english = await chartLabel(page, "rfm");
    // The spec's table: R 5 × F 5 champions, R 1 × F 1 hibernating, R 2 × F 3 at risk.
    const cell = (r: number, f: number) => rfm.grid.find((one) => one.r === r && one.f === f)?.users ?? -1;
    expect(english).toContain(`R 5 · F 5: Champions ${cell(5, 5).toLocaleString("en-US")}`);
    expect(english).toContain(`R 1 · F 1: Hibernating ${cell(1, 1).toLocaleString("en-US")}`);
    expect(english).toContain(`R 2 · F 3: At risk ${cell(2, 3).toLocaleString("en-US")}`);
    expect(english.match(/R \d · F \d:/g)).toHaveLength(25);
    await page.selectOption('select[name="language"]', "zh");
    await page.waitForSelector('main[data-loaded="true"] [data-chart="rfm"][data-rendered-at]');
    const chinese = await chartLabel(page, "rfm");
    expect(chinese).toContain("R 5 · F 5: 重要价值客户");
    expect(chinese).toContain("R 1 · F 1: 沉睡客户");
    await page.selectOption('select[name="language"]', "en");
    await page.waitForSelector('main[data-loaded="true"]');
  });

  it("shows the experiment's secondary metrics with their 95 % intervals", async () => {
    await openDashboardPage(page, demo.origin, "experiments");
    const { experimentResults } = await demoQuery<{
      experimentResults: {
        variants: {
          key: string;
          metrics: {
            metric: string;
            absoluteLift: number | null;
            ci95: { low: number; high: number } | null;
          }[];
        }[];
      };
    }>(
      demo,
      '{ experimentResults(key: "free_shipping_banner") { variants { key metrics { metric absoluteLift ci95 { low high } } } } }',
    );
    const banner = experimentResults.variants.find((variant) => variant.key === "banner");
    for (const metric of ["gmv", "orders"]) {
      const expected = banner?.metrics.find((one) => one.metric === metric);
      expect(expected?.ci95).not.toBeNull();
      const text = await page
        .locator(`[data-table="experiment-metrics"] tr[data-metric="${metric}"][data-variant="banner"] td`)
        .nth(4)
        .textContent();
      const [lift, low, high] = (text ?? "").match(/[+−-]?[\d,]+\.\d+/g)?.map(parseNumber) ?? [];
      expect(lift).toBeCloseTo(expected?.absoluteLift ?? Number.NaN, 3);
      expect(low).toBeCloseTo(expected?.ci95?.low ?? Number.NaN, 3);
      expect(high).toBeCloseTo(expected?.ci95?.high ?? Number.NaN, 3);
      expect(low).toBeLessThanOrEqual(high);
    }
    expect(await chartLabel(page, "experiment-metrics")).toMatch(/banner · .* \(.*%.*….*%\)/);
  });

  it("checks the purchase model's calibration per risk band", async () => {
    await openPredictionPage(page, demo.origin);
    const today = new Date().toISOString().slice(0, 10);
    const { purchaseModel } = await demoQuery<{
      purchaseModel: {
        customers: number;
        holdout: {
          actualTotal: number;
          riskBands: { band: string; customers: number; predicted: number; actual: number }[];
        };
      };
    }>(
      demo,
      `{ purchaseModel(key: "repeat_purchases") { customers holdout(end: "${today}") { actualTotal riskBands { band customers predicted actual } } } }`,
    );
    const bands = purchaseModel.holdout.riskBands;
    // Every calibration customer is in one band, and every holdout purchase is someone's.
    expect(bands.reduce((sum, band) => sum + band.customers, 0)).toBe(purchaseModel.customers);
    expect(bands.reduce((sum, band) => sum + band.actual, 0)).toBe(purchaseModel.holdout.actualTotal);
    const description = await chartLabel(page, "prediction-calibration");
    for (const band of bands) {
      if (band.customers === 0) continue;
      const name = { low: "Low", medium: "Medium", high: "High" }[band.band];
      expect(description).toContain(
        `${name} (${band.customers}) ${(band.predicted / band.customers).toFixed(2)}`,
      );
      expect(description).toContain(
        `${name} (${band.customers}) ${(band.actual / band.customers).toFixed(2)}`,
      );
    }
  });

  /**
   * A page of its own for a test that changes controls: the dashboard keeps its settings for
   * the life of the document, and the other tests expect the defaults.
   */
  const ownPage = async () => {
    const own = await context.newPage();
    watch(own);
    return own;
  };

  /** Changes a control and returns the variables of the Trend question it sent. */
  const trendAfter = async (target: Page, control: string, value: string) => {
    const [sent] = await Promise.all([
      target.waitForRequest(
        (request) => request.url().endsWith("/graphql") && !!request.postData()?.includes("query Trend("),
      ),
      target.selectOption(`select[name="${control}"]`, value),
    ]);
    await target.waitForSelector('main[data-loaded="true"] [data-chart="trend"][data-rendered-at]');
    return (sent.postDataJSON() as { variables: Record<string, unknown> }).variables;
  };

  /** The trend as drawn: its point count, and the (date, value) pairs its description lists. */
  const drawnTrend = async (target: Page) => {
    const chart = target.locator('[data-chart="trend"]');
    const description = (await chart.getAttribute("aria-label")) ?? "";
    return {
      points: Number(await chart.getAttribute("data-points")),
      described: [...description.matchAll(/(\d{4}-\d{2}-\d{2}) ([−\d,.]+)/g)].map(([, date, value]) => ({
        date,
        value: parseNumber(value),
      })),
    };
  };

  /** Calendar arithmetic on YYYY-MM-DD dates, in no time zone. */
  const addDays = (date: string, days: number) =>
    new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  const mondayOf = (date: string) => addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));
  /** The `n` days before today in the demo's zone (a relative range leaves today out). */
  const daysBeforeToday = (n: number) => {
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: demo.services.config.timezone }).format(
      new Date(),
    );
    return Array.from({ length: n }, (_, i) => addDays(today, i - n));
  };

  /** The API's own daily or weekly GMV, asked for independently of the page. */
  const apiGmv = async (grain: "DAY" | "WEEK", last: string, segment?: string) =>
    (
      await demoQuery<{ metrics: { rows: { time: string; gmv: number | null }[] } }>(
        demo,
        "query($last: String!, $grain: TimeGrain!, $segment: String) { metrics(timeRange: { last: $last }, grain: $grain, segment: $segment) { rows { time gmv } } }",
        { last, grain, segment },
      )
    ).metrics.rows.map((row) => ({ date: row.time.slice(0, 10), value: row.gmv }));

  /**
   * The described values against the API's: the description lists the first 12 (charts.ts),
   * and amounts of 1,000 and more are drawn without cents, so a shown value is within half a unit.
   */
  const expectShown = (
    shown: { date: string; value: number }[],
    expected: { date: string; value: number | null }[],
  ) => {
    expect(shown.map((one) => one.date)).toEqual(expected.slice(0, 12).map((one) => one.date));
    shown.forEach((one, i) => {
      expect(Math.abs(one.value - (expected[i].value ?? Number.NaN)), one.date).toBeLessThanOrEqual(0.5);
    });
  };

  it("redraws the trend by week when the grain changes: one point per week the 30 days touch", async () => {
    const own = await ownPage();
    await openDashboardPage(own, demo.origin, "overview");
    const days = daysBeforeToday(30);
    const daily = await drawnTrend(own);
    // Last 30 days, daily (the defaults): the demo shop sells every day.
    expect(daily.points).toBe(30);
    expect(daily.described.map((one) => one.date)).toEqual(days.slice(0, 12));

    const variables = await trendAfter(own, "grain", "WEEK");
    expect(variables).toMatchObject({ grain: "WEEK", timeRange: { last: "30d" } });
    // Weeks start on Monday. On Monday 2026-12-07 the range is Sat 11-07 … Sun 12-06: the weeks
    // of 11-02 (two days of it), 11-09, 11-16, 11-23 and 11-30, five points; on other days
    // five or six.
    const mondays = [...new Set(days.map(mondayOf))];
    const weekly = await drawnTrend(own);
    expect(weekly.points).toBe(mondays.length);
    expect(weekly.described.map((one) => one.date)).toEqual(mondays);
    expectShown(weekly.described, await apiGmv("WEEK", "30d"));
    await own.close();
  });

  it("redraws the trend over the last 7 days, one point a day, when the range changes", async () => {
    const own = await ownPage();
    await openDashboardPage(own, demo.origin, "overview");
    const variables = await trendAfter(own, "range", "7d");
    expect(variables).toMatchObject({ grain: "DAY", timeRange: { last: "7d" } });
    const trend = await drawnTrend(own);
    expect(trend.points).toBe(7);
    // The seven days before today, every one described.
    expect(trend.described.map((one) => one.date)).toEqual(daysBeforeToday(7));
    expectShown(trend.described, await apiGmv("DAY", "7d"));
    await own.close();
  });

  it("redraws the trend with the segment's own values when the segment filter is set", async () => {
    const own = await ownPage();
    await openDashboardPage(own, demo.origin, "overview");
    const everyone = await drawnTrend(own);
    const variables = await trendAfter(own, "segment", "champions");
    expect(variables).toMatchObject({ segment: "champions", timeRange: { last: "30d" } });
    const champions = await drawnTrend(own);
    const expected = await apiGmv("DAY", "30d", "champions");
    expect(champions.points).toBe(expected.filter((row) => row.value !== null).length);
    expectShown(champions.described, expected);
    // The segment's GMV is a part of the shop's: smaller on some day, larger on none.
    champions.described.forEach((one, i) => {
      expect(one.value).toBeLessThanOrEqual(everyone.described[i].value);
    });
    expect(champions.described.some((one, i) => one.value < everyone.described[i].value)).toBe(true);
    await own.close();
  });

  /**
   * A 50/50 experiment on the first 1,000 current profiles, exposed 10 days ago: the first
   * `control` of them (by id) saw the control, the others the treatment. Created through the API.
   */
  const addSplitExperiment = async (key: string, name: string, control: number) => {
    await demoQuery(
      demo,
      "mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { key } }",
      {
        input: {
          key,
          name,
          variants: [
            { key: "control", weight: 0.5 },
            { key: "treatment", weight: 0.5 },
          ],
          primaryMetric: "buyers",
          start: new Date(Date.now() - 10 * 86_400_000).toISOString(),
        },
      },
    );
    await demo.db.query(sql`
      insert into events (user_id, message_id, name, ts, properties)
      select u.id, ${`${key}-exposure-`} || u.id, 'experiment_viewed', now() - interval '9 days',
        jsonb_build_object('experiment_id', ${key}::text,
          'variation_id', case when u.rank <= ${control} then 'control' else 'treatment' end)
      from (select id, row_number() over (order by id) as rank
            from users where merged_into is null order by id limit 1000) u`);
  };

  it("warns of a sample ratio mismatch with its p-value, and not for a split chance explains", async () => {
    // Planned 50/50 over 1,000 units, so 500 expected in each variant.
    // 560 / 440: χ² = 60²/500 + 60²/500 = 14.4; with 1 df p = P(|Z| > √14.4 = 3.795)
    // = 2 × 7.39e-5 = 1.48e-4, below GrowthBook's 0.001: the warning.
    await addSplitExperiment("srm_broken_split", "Broken split", 560);
    // 550 / 450: χ² = 50²/500 × 2 = 10; p = P(|Z| > 3.162) = 2 × 7.83e-4 = 1.57e-3, above 0.001:
    // uneven, but within what chance gives one time in 640 — no warning.
    await addSplitExperiment("srm_uneven_split", "Uneven split", 550);
    const own = await ownPage();
    await openDashboardPage(own, demo.origin, "experiments");
    const choose = async (key: string) => {
      await own.selectOption('select[name="experiment"]', key);
      await own.waitForSelector('main[data-page="experiments"][data-loaded="true"]');
      await own.waitForSelector("[data-chart]:not([data-rendered-at])", { state: "detached" });
      return own
        .locator('[data-table="experiment"] tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 2).map((td) => td.textContent)),
        );
    };
    // The demo's own experiment, split by id parity, shows none either.
    expect(await own.locator("[data-srm]").count()).toBe(0);

    expect(await choose("srm_broken_split")).toEqual([
      ["control", "560"],
      ["treatment", "440"],
    ]);
    expect(await own.locator("[data-srm]").textContent()).toBe(
      "Sample ratio mismatch (χ² 14.4, p = 1.5e-4): the split is broken, do not trust these results.",
    );

    expect(await choose("srm_uneven_split")).toEqual([
      ["control", "550"],
      ["treatment", "450"],
    ]);
    expect(await own.locator("[data-srm]").count()).toBe(0);
    await own.close();
  });

  it("logged no console error and sent no request beyond this server", () => {
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
