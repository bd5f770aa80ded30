import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PiiPolicy } from "../../src/access/pii";
import { DestinationService, TriggerService } from "../../src/automation/definitions";
import { DeliveryWorker } from "../../src/automation/worker";
import { IngestService } from "../../src/ingest/service";
import { createTestDatabase } from "../helpers/db";
import { FAST_RETRIES, Receiver } from "./receiver";

const ACTOR = { name: "test" };
const RATE = 5;

/**
 * The rate limit holds across workers: two workers (as two processes would: each its own
 * `DeliveryWorker`, sharing only the database) sending to one destination at the same time.
 */
describe.runIf(inject("postgresUrl") !== null)("a destination's rate limit across workers [postgres]", () => {
  const receiver = new Receiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());

  it("two workers sending at once stay within rate × seconds + 1 in every window", async () => {
    const own = await createTestDatabase("postgres", { maxConnections: 8 });
    try {
      const ingest = new IngestService(own.db);
      await new DestinationService(own.db).create(
        { key: "shared", url: receiver.url, secret: "rate-limit-secret-0123", rateLimit: RATE },
        ACTOR,
      );
      await new TriggerService(own.db).create(
        { key: "shared", destination: "shared", event: "rated" },
        ACTOR,
      );
      const batch = (prefix: string) =>
        ingest.track(
          Array.from({ length: 10 }, (_, i) => ({
            messageId: `${prefix}${i}`,
            event: "rated",
            userId: `${prefix}-${i}`,
            timestamp: "2026-05-01T10:00:00Z",
          })),
        );
      const pii = new PiiPolicy();
      const a = new DeliveryWorker(own.db, pii, FAST_RETRIES);
      const b = new DeliveryWorker(own.db, pii, FAST_RETRIES);
      // A claims the first ten and is still sending them (2 s at 5/s) when B claims the next ten.
      await batch("a");
      const first = a.runOnce();
      await expect
        .poll(async () => {
          const [row] = await own.db.query<{ n: number }>(
            sql`select count(*)::int as n from deliveries where attempts > 0`,
          );
          return row.n;
        })
        .toBe(10);
      await batch("b");
      const [sentA, sentB] = await Promise.all([first, b.runOnce()]);
      expect([sentA, sentB]).toEqual([10, 10]);
      const times = receiver.requests.map((r) => r.at).sort((x, y) => x - y);
      expect(times).toHaveLength(20);
      // No window of one second holds more than RATE + 1 requests: any RATE + 2 consecutive
      // ones span more than a second (slots are 200 ms apart, so 1,200 ms; less than 50 ms of
      // jitter on loopback).
      const spans = times.slice(RATE + 1).map((t, i) => t - times[i]);
      expect(Math.min(...spans)).toBeGreaterThan(1000);
      // Twenty slots 200 ms apart: 3.8 s from the first to the last.
      expect(times[19] - times[0]).toBeGreaterThanOrEqual(3800 - 100);
    } finally {
      await own.drop();
    }
  }, 30_000);
});
