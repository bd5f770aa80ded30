import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { loadFile } from "../../src/ingest/load";
import { IngestService } from "../../src/ingest/service";
import { describeEachDatabase } from "../helpers/db";

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "stratum-bulk-"));

// Text that COPY's text format must escape: tab, newline, carriage return, backslash, and
// the end-of-data marker `\.`; plus non-ASCII text.
const awkward = 'a\tb\nc\rd\\e \\. "q" 服装/女装 \\N';

// 2,500 lines in one chunk (above the API's 1,000 limit): 50 devices, every 10th signed in
// as `bk-acct-<device>` — so 50 profiles, 50 + 5 identities; line 1,201 is a duplicate
// of line 1 (same message id) and line 2,001 has no identifier.
const lines = Array.from({ length: 2500 }, (_, i) => {
  if (i === 1200)
    return JSON.stringify({
      messageId: "bk-0",
      event: "page_view",
      timestamp: "2026-05-01T00:00:00Z",
      anonymousId: "bk-dev-0",
    });
  if (i === 2000)
    return JSON.stringify({ messageId: "bk-none", event: "page_view", timestamp: "2026-05-01T00:00:00Z" });
  const device = i % 50;
  return JSON.stringify({
    messageId: `bk-${i}`,
    event: "page_view",
    // Day of the month = 1 + i % 28. Device 0 has i = 0, 50, 100, …: i even, so i % 28 is even,
    // from 0 (i = 0, day 1) to 26 (i = 250, day 27): first seen May 1, last seen May 27.
    timestamp: `2026-05-${String(1 + (i % 28)).padStart(2, "0")}T12:00:00Z`,
    anonymousId: `bk-dev-${device}`,
    userId: device % 10 === 0 && i >= 1000 ? `bk-acct-${device}` : null,
    channel: i === 7 ? awkward : "web",
    properties: i === 7 ? { note: awkward, nested: { tab: "\t" } } : { i },
  });
});
const eventsFile = path.join(dir, "bulk.ndjson");
writeFileSync(eventsFile, `${lines.join("\n")}\n`);

describeEachDatabase("stratum load, bulk chunks written with COPY", (db, kind) => {
  it("stores every valid line once, escapes text exactly, and a second load changes nothing", async () => {
    const ingest = new IngestService(db());
    const first = await loadFile(ingest, "events", eventsFile);
    // 2,500 lines − 1 duplicate − 1 rejected = 2,498 accepted.
    expect(first).toMatchObject({ records: 2500, accepted: 2498, duplicates: 1, rejected: 1 });
    expect(readFileSync(`${eventsFile}.rejects`, "utf8")).toContain('"line":2001');
    const [stored] = await db().query<{ channel: string; properties: Record<string, unknown> }>(sql`
      select channel, properties from events where message_id = 'bk-7'`);
    expect(stored).toEqual({ channel: awkward, properties: { note: awkward, nested: { tab: "\t" } } });
    const [counts] = await db().query<{ events: number; profiles: number; identities: number }>(sql`
      select (select count(*)::int from events where message_id like 'bk-%') as events,
        (select count(distinct user_id)::int from identities where value like 'bk-%') as profiles,
        (select count(*)::int from identities where value like 'bk-%') as identities`);
    expect(counts).toEqual({ events: 2498, profiles: 50, identities: 55 });
    const [seen] = await db().query<{ first: Date; last: Date }>(sql`
      select u.first_seen_at as first, u.last_seen_at as last from users u
      join identities i on i.user_id = u.id where i.type = 'anonymous_id' and i.value = 'bk-dev-0'`);
    expect([seen.first.toISOString(), seen.last.toISOString()]).toEqual([
      "2026-05-01T12:00:00.000Z",
      "2026-05-27T12:00:00.000Z",
    ]);

    const again = await loadFile(ingest, "events", eventsFile);
    expect(again).toMatchObject({ accepted: 0, duplicates: 2499, rejected: 1 });
    const [after] = await db().query<{ events: number }>(sql`
      select count(*)::int as events from events where message_id like 'bk-%'`);
    expect(after.events).toBe(2498);
  });

  it("stores each event once when concurrent chunks share message ids (COPY retried)", async () => {
    const ingest = new IngestService(db());
    const event = (i: number) => ({
      messageId: `race-${i}`,
      event: "page_view",
      timestamp: "2026-05-01T00:00:00Z",
      anonymousId: `race-dev-${i % 30}`,
    });
    // Ids 0–299, 150–449 and 299…0 (reversed): 450 distinct ids over 900 events.
    const chunks = [
      Array.from({ length: 300 }, (_, i) => event(i)),
      Array.from({ length: 300 }, (_, i) => event(i + 150)),
      Array.from({ length: 300 }, (_, i) => event(299 - i)),
    ];
    const results = await Promise.all(chunks.map((chunk) => ingest.trackBulk(chunk)));
    expect(results.reduce((sum, r) => sum + r.accepted, 0)).toBe(450);
    expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(450);
    const [counts] = await db().query<{ events: number; identities: number }>(sql`
      select (select count(*)::int from events where message_id like 'race-%') as events,
        (select count(*)::int from identities where value like 'race-dev-%') as identities`);
    expect(counts).toEqual({ events: 450, identities: 30 });
  });

  // Deterministic form of the race above: the chunk's check cannot see the held, uncommitted
  // row, so its write blocks on the unique index and fails once that row commits. Written
  // by COPY straight into events, the chunk hung for good (postgres.js, porsager/postgres#1173).
  it.runIf(kind === "postgres")(
    "retries a chunk whose message id a concurrent transaction commits first",
    async () => {
      const ingest = new IngestService(db());
      const event = (id: string) => ({
        messageId: id,
        event: "page_view",
        timestamp: "2026-05-02T00:00:00Z",
        anonymousId: "held-dev",
      });
      await ingest.trackBulk([event("held-0")]);
      const inserted = deferred();
      const release = deferred();
      const holder = db().transaction(async (tx) => {
        await tx.query(sql`
          insert into events (user_id, message_id, name, ts)
          select user_id, 'held-1', 'page_view', ts from events where message_id = 'held-0'`);
        inserted.resolve();
        await release.promise;
      });
      await inserted.promise;
      const chunk = ingest.trackBulk([event("held-1"), event("held-2")]);
      // Long enough for the chunk to reach the unique index and wait on the held row.
      await new Promise((r) => setTimeout(r, 500));
      release.resolve();
      await holder;
      const result = await chunk;
      expect(result).toMatchObject({ accepted: 1, duplicates: 1 });
      const [stored] = await db().query<{ n: number }>(sql`
        select count(*)::int as n from events where message_id in ('held-1', 'held-2')`);
      expect(stored.n).toBe(2);
    },
    20_000,
  );
});
