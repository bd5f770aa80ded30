import "reflect-metadata";
import { randomBytes } from "node:crypto";
import os from "node:os";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { loadConfig } from "../src/config";
import { connect, migrate } from "../src/db/client";
import { createServer } from "../src/server/app";
import { createServices } from "../src/server/services";
import { BENCH_SHOP, ensureBenchShop } from "./shop";

/**
 * Recommendations (issue 14) on the 100k-people bench shop, copied into a database of its own
 * (`create database … template stratum_bench_shop`), since a refresh writes tables the shared
 * shop must not carry: the similarity refresh (target ≤ 60 s), then `recommendations` requests
 * over HTTP for shoppers with recent views (target p50 ≤ 30 ms; p95 printed), a VALUE tag of
 * `recommendations.top_category`, and the offline evaluation 14 days before the shop's end.
 */
const DATABASE = "stratum_bench_recommendations";
const REQUESTS = Number(process.env.RECOMMENDATION_BENCH_REQUESTS ?? 300);
const ADMIN_KEY = `recommendations-bench-${randomBytes(8).toString("hex")}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function copyOfBenchShop(): Promise<string> {
  const shopUrl = await ensureBenchShop();
  const admin = postgres(shopUrl.replace(/\/[^/]*$/, "/postgres"), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${DATABASE} with (force)`);
    await admin.unsafe(`create database ${DATABASE} template ${BENCH_SHOP.database}`);
  } finally {
    await admin.end();
  }
  return shopUrl.replace(/\/[^/]*$/, `/${DATABASE}`);
}

export async function run(): Promise<void> {
  const databaseUrl = await copyOfBenchShop();
  // The evaluation is an offline job over every shopper: it runs here without the API's 10 s budget.
  const db = await connect({ databaseUrl, maxConnections: 4, statementTimeoutMs: 600_000 });
  const config = loadConfig({ DATABASE_URL: databaseUrl, STRATUM_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: "warn" });
  const services = createServices(db, config);
  try {
    await migrate(db);
    await db.query(sql`analyze`);
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
    // The shop's facts end at BENCH_SHOP.end; the refresh reads the 180 days before it.
    const refresh = await services.recommendations.refresh({ name: "bench" }, {}, BENCH_SHOP.end);
    console.log(
      `similarity refresh: ${(refresh.milliseconds / 1000).toFixed(2)} s, ${refresh.products} products, ${refresh.pairs.toLocaleString("en")} pairs — target ≤ 60 s: ${refresh.milliseconds <= 60_000 ? "met" : "MISSED"}`,
    );

    const shoppers = await db.query<{ user_id: number }>(sql`
      select distinct coalesce(m.survivor_id, e.user_id) as user_id
      from events e left join user_merges m on m.loser_id = e.user_id
      where e.name = 'product_view' and e.ts >= ${new Date(BENCH_SHOP.end.getTime() - 7 * 86_400_000).toISOString()}::timestamptz
      order by 1 limit ${REQUESTS}`);
    const server = await createServer(services);
    const port = await server.listen(0);
    const url = `http://127.0.0.1:${port}/graphql`;
    const query = `query($userId: ID!) { recommendations(userId: $userId, first: 10) {
      product { productId name } score reason { kind because { productId } } } }`;
    const ask = async (userId: number) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ query, variables: { userId: String(userId) } }),
      });
      const body = (await response.json()) as { errors?: unknown[]; data?: { recommendations: unknown[] } };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data?.recommendations.length ?? 0;
    };
    try {
      for (const { user_id } of shoppers.slice(0, 20)) await ask(user_id);
      const times: number[] = [];
      let answered = 0;
      for (const { user_id } of shoppers) {
        const began = performance.now();
        answered += await ask(user_id);
        times.push(performance.now() - began);
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 0.5);
      console.log(
        `recommendations (first 10) over HTTP, ${times.length} shoppers with views in the last week, ${(answered / times.length).toFixed(1)} products each: p50 ${p50.toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms — target p50 ≤ 30 ms: ${p50 <= 30 ? "met" : "MISSED"}`,
      );
    } finally {
      await server.stop();
    }

    await services.tags.create(
      {
        key: "next_category",
        name: "Next category",
        category: "BEHAVIOR",
        kind: "VALUE",
        rule: "recommendations.top_category",
      },
      { name: "bench" },
    );
    const tagBegan = performance.now();
    const tag = await services.tags.refresh(["next_category"]);
    const tagMs = performance.now() - tagBegan;
    const [members] = await db.query<{ members: number }>(
      sql`select count(*)::int as members from tag_members where tag_key = 'next_category'`,
    );
    console.log(
      `VALUE tag recommendations.top_category: ${members.members.toLocaleString("en")} shoppers with a value, refreshed in ${(tagMs / 1000).toFixed(2)} s${tag.failed.length ? ` (FAILED: ${tag.failed[0].message})` : ""}`,
    );

    const split = new Date(BENCH_SHOP.end.getTime() - 14 * 86_400_000);
    const began = performance.now();
    const evaluation = await services.recommendations.evaluate({ split, k: 10 }, BENCH_SHOP.end);
    const show = (f: typeof evaluation.collaborative) =>
      `precision@10 ${f.precision.toFixed(4)}, recall@10 ${f.recall.toFixed(4)}, hit rate ${f.hitRate.toFixed(4)}, coverage ${f.coverage.toFixed(3)}`;
    console.log(
      `evaluateRecommendations(split ${split.toISOString().slice(0, 10)}, k 10): ${((performance.now() - began) / 1000).toFixed(2)} s, ${evaluation.collaborative.users} shoppers`,
    );
    console.log(`  collaborative: ${show(evaluation.collaborative)}`);
    console.log(`  popularity:    ${show(evaluation.popularity)}`);
  } finally {
    await db.close();
  }
}
