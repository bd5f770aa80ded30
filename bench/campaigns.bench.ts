import "reflect-metadata";
import { sql } from "drizzle-orm";
import { CampaignService } from "../src/campaigns/definitions";
import { CampaignResultsService } from "../src/campaigns/results";
import { connect, migrate } from "../src/db/client";
import { freshBenchDatabase } from "./shop";

/**
 * A campaign over a segment of 100,000 members on PostgreSQL: `launchCampaign` (the GrowthBook
 * hash of every member in SQL, one insert … select) and `campaignResults` (one statement) with a
 * sent touch per treated member and orders by a third of the audience after the launch.
 */
const MEMBERS = Number(process.env.CAMPAIGN_BENCH_MEMBERS ?? 100_000);
const DATABASE = "stratum_bench_campaigns";

export async function run(): Promise<void> {
  const db = await connect({ databaseUrl: await freshBenchDatabase(DATABASE), maxConnections: 2 });
  try {
    await migrate(db);
    await db.query(sql`insert into users (id) select generate_series(1, ${MEMBERS}::int)`);
    await db.query(
      sql`insert into segments (key, name, kind, updated_by) values ('bench', 'Bench', 'STATIC', 'bench')`,
    );
    await db.query(
      sql`insert into segment_members (segment_key, user_id) select 'bench', generate_series(1, ${MEMBERS}::int)`,
    );
    const campaigns = new CampaignService(db);
    await campaigns.create(
      {
        key: "bench_sms",
        name: "Bench",
        channel: "sms",
        segment: "bench",
        holdoutShare: 0.1,
        costPerTouch: 0.05,
      },
      { name: "bench" },
    );
    const launchedAt = new Date("2026-03-01T00:00:00Z");
    let began = performance.now();
    const launch = await campaigns.launch("bench_sms", { name: "bench" }, launchedAt);
    const launchMs = performance.now() - began;
    await db.query(sql`insert into events (user_id, message_id, name, ts, properties)
      select user_id, 'sent-' || user_id, 'campaign_sent', '2026-03-01T10:00:00Z'::timestamptz, '{"campaign":"bench_sms"}'::jsonb
      from campaign_audience where campaign_key = 'bench_sms' and arm = 'treatment'`);
    await db.query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted)
      select 'o-' || g, g, '2026-03-03T10:00:00Z'::timestamptz, 'paid', 20 + g % 50, true
      from generate_series(1, ${MEMBERS}::int) g where g % 3 = 0`);
    await db.query(sql`analyze`);
    const results = new CampaignResultsService(db, (key) => campaigns.definition(key), "UTC");
    await results.results("bench_sms");
    began = performance.now();
    const answer = await results.results("bench_sms");
    const resultsMs = performance.now() - began;
    console.log(
      `launchCampaign over ${MEMBERS.toLocaleString("en")} members (${launch.treated} treated, ${launch.holdout} held out): ${launchMs.toFixed(0)} ms`,
    );
    console.log(
      `campaignResults: ${resultsMs.toFixed(0)} ms (sent ${answer.sent}, conversions ${answer.conversions.treated} / ${answer.conversions.holdout}, ${answer.daily.length} days)`,
    );
  } finally {
    await db.close();
  }
}
