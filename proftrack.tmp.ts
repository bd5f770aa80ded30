import "reflect-metadata";
import postgres from "postgres";
import { loadConfig } from "./src/config";
import { connect, migrate } from "./src/db/client";
import { createServer } from "./src/server/app";
import { createServices } from "./src/server/services";
const NAMES = ["page_view","product_view","search","add_to_cart","checkout_start","coupon_claim","app_open"];
const START = Date.UTC(2026, 0, 1);
function benchEvent(i: number, prefix: string) {
  const device = (i * 7919) % 100000;
  return { messageId: `${prefix}-${i}`, event: NAMES[i % NAMES.length], timestamp: new Date(START + ((i * 7_777) % (90 * 86_400)) * 1000).toISOString(),
    anonymousId: `dev-${device}`, userId: device % 3 === 0 ? `acct-${device}` : null, sessionId: `s-${device}-${Math.floor(i / 50)}`,
    channel: ["app","web","mini_program"][device % 3], platform: ["ios","android","chrome"][i % 3],
    utm: i % 5 === 0 ? { source: "wechat", medium: "social", campaign: "spring" } : null,
    properties: { product_id: `sku-${i % 5000}`, category: "服装/女装", price: (i % 500) + 0.9, dwell_ms: i % 60_000 } };
}
async function main() {
  const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1, onnotice: () => {} });
  await admin.unsafe("drop database if exists prof_track with (force)"); await admin.unsafe("create database prof_track"); await admin.end();
  const db = await connect({ databaseUrl: "postgres://postgres@127.0.0.1:5432/prof_track", maxConnections: 4 });
  await migrate(db);
  const key = "bench-admin-key-0123456789";
  const services = createServices(db, loadConfig({ STRATUM_ADMIN_KEY: key, LOG_LEVEL: "warn" }));
  const server = await createServer(services);
  const port = await server.listen(0);
  const query = "mutation($events: [EventInput!]!) { track(events: $events) { accepted rejected { code } } }";
  const N = Number(process.env.N ?? 60000), B = 500; const batches = N / B; let next = 0;
  const bodies = Array.from({ length: batches }, (_, b) => JSON.stringify({ query, variables: { events: Array.from({ length: B }, (_, i) => benchEvent(b * B + i, "api")) } }));
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => { for (let b = next++; b < batches; b = next++) { const r = await fetch(`http://127.0.0.1:${port}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: bodies[b] }); const j: any = await r.json(); if (j.errors) throw new Error(JSON.stringify(j.errors)); } }));
  const s = (performance.now() - t0) / 1000; console.log(`${(N / s).toFixed(0)} events/s`);
  await server.stop(); await db.close();
}
main();
