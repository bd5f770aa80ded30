// `npm run screenshots`: every dashboard page on the demo shop, in headless Chromium, written to
// docs/screenshots/<page>.png (and the overview in Chinese) for the README.
import "reflect-metadata";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import {
  addDemoCampaign,
  addDemoExperiment,
  addDemoPurchaseModel,
  chromiumPath,
  DASHBOARD_ROUTES,
  launchChromium,
  openDashboardPage,
  openPredictionPage,
  startDemoDashboard,
} from "../test/helpers/dashboard";

const OUT = path.join(__dirname, "..", "docs", "screenshots");

async function main(): Promise<void> {
  const chromium = chromiumPath();
  if (!chromium)
    throw new Error("no chromium at /usr/bin/chromium: apt-get install chromium, or set CHROMIUM_PATH");
  await mkdir(OUT, { recursive: true });
  const [demo, browser] = await Promise.all([startDemoDashboard(), launchChromium(chromium)]);
  await addDemoExperiment(demo);
  await addDemoCampaign(demo);
  await addDemoPurchaseModel(demo);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    for (const route of DASHBOARD_ROUTES) {
      await openDashboardPage(page, demo.origin, route);
      if (route === "segments") await page.waitForSelector("[data-matching], .rule-errors");
      await page.screenshot({ path: path.join(OUT, `${route}.png`), fullPage: true });
      console.log(`docs/screenshots/${route}.png`);
    }
    await openPredictionPage(page, demo.origin);
    await page.screenshot({ path: path.join(OUT, "prediction.png"), fullPage: true });
    console.log("docs/screenshots/prediction.png");
    await openDashboardPage(page, demo.origin, "overview");
    await page.selectOption('select[name="language"]', "zh");
    await page.waitForSelector('main[data-loaded="true"] .card');
    await page.screenshot({ path: path.join(OUT, "overview-zh.png"), fullPage: true });
    console.log("docs/screenshots/overview-zh.png");
  } finally {
    await browser.close();
    await demo.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
