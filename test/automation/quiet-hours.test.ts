import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PiiPolicy } from "../../src/access/pii";
import { DestinationService, TriggerService } from "../../src/automation/definitions";
import { DeliveryWorker } from "../../src/automation/worker";
import { DEFAULT_IDENTITY_RULES } from "../../src/ingest/rules";
import { IngestService } from "../../src/ingest/service";
import { SendTimeService } from "../../src/personalisation/send-time";
import { RealtimeAudiences } from "../../src/rules/realtime";
import { afterQuietHours, claimDueDeliveries, nextLocalHour } from "../../src/semantic/automation";
import type { SendTimeModel } from "../../src/semantic/send-time";
import { describeEachDatabase } from "../helpers/db";
import { FAST_RETRIES, Receiver } from "./receiver";

const ACTOR = { name: "test" };
/** Users without a zone trait are in New York (UTC−4 in May, UTC−5 in winter). */
const MODEL: SendTimeModel = {
  events: ["page_viewed"],
  priorStrength: 10,
  timezoneTrait: "timezone",
  defaultTimezone: "America/New_York",
};
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The local hour of `at` in `zone`, by the JavaScript runtime's zone data (not the database's). */
function localHour(at: Date, zone: string): number {
  return Number(
    new Intl.DateTimeFormat("en-GB", { hour: "2-digit", hourCycle: "h23", timeZone: zone }).format(at),
  );
}

describeEachDatabase("quiet hours", (db) => {
  let triggers: TriggerService;
  let destinations: DestinationService;
  const receiver = new Receiver();
  const worker = () =>
    new DeliveryWorker(db(), new PiiPolicy(), FAST_RETRIES, {
      sendTime: new SendTimeService(
        db(),
        {
          events: MODEL.events as string[],
          priorStrength: MODEL.priorStrength,
          timezoneTrait: MODEL.timezoneTrait,
        },
        MODEL.defaultTimezone,
      ),
    });
  const dueOf = async (trigger: string, user: string) => {
    const [row] = await db().query<{ due: Date; pending: boolean; createdAt: Date }>(sql`
      select d.next_attempt_at as due, d.best_time_pending as pending, d.created_at as "createdAt"
      from deliveries d join identities i on i.user_id = d.user_id and i.type = 'user_id'
      where d.trigger_key = ${trigger} and i.value = ${user}`);
    return { due: new Date(row.due).toISOString(), pending: row.pending, createdAt: new Date(row.createdAt) };
  };

  afterAll(() => receiver.stop());
  beforeAll(async () => {
    await receiver.start();
    destinations = new DestinationService(db());
    triggers = new TriggerService(db());
    await destinations.create(
      { key: "quiet", url: "http://127.0.0.1:9/", secret: "whsec_test_0123456789abcdef" },
      ACTOR,
    );
  });

  it("defers a due time inside quiet hours to their end, in the given zone", async () => {
    const due = async (at: string, zone: string, start: number, end: number) => {
      const [row] = await db().query<{ due: Date }>(
        sql`select ${afterQuietHours(sql`${at}::timestamptz`, sql`${zone}::text`, sql`${start}::int`, sql`${end}::int`)} as due`,
      );
      return new Date(row.due).toISOString();
    };
    // Shanghai is UTC+8 all year. Quiet 22–7 wraps midnight:
    // 15:30Z = 23:30 local → 07:00 local next day = 23:00Z.
    expect(await due("2026-05-01T15:30:00Z", "Asia/Shanghai", 22, 7)).toBe("2026-05-01T23:00:00.000Z");
    // 19:00Z = 03:00 local on 05-02 → 07:00 local that day = 23:00Z on 05-01.
    expect(await due("2026-05-01T19:00:00Z", "Asia/Shanghai", 22, 7)).toBe("2026-05-01T23:00:00.000Z");
    // 23:00Z = 07:00 local: the end hour is not quiet; 13:59Z = 21:59 local is before the start.
    expect(await due("2026-05-01T23:00:00Z", "Asia/Shanghai", 22, 7)).toBe("2026-05-01T23:00:00.000Z");
    expect(await due("2026-05-01T13:59:00Z", "Asia/Shanghai", 22, 7)).toBe("2026-05-01T13:59:00.000Z");
    // Quiet 12–14 (no wrap): 04:30Z = 12:30 local → 14:00 local = 06:00Z.
    expect(await due("2026-05-01T04:30:00Z", "Asia/Shanghai", 12, 14)).toBe("2026-05-01T06:00:00.000Z");
    // New York in May is UTC−4: 03:00Z on 05-02 = 23:00 on 05-01 → 07:00 on 05-02 = 11:00Z.
    expect(await due("2026-05-02T03:00:00Z", "America/New_York", 22, 7)).toBe("2026-05-02T11:00:00.000Z");
  });

  it("refuses quiet hours that are not two different hours 0–23", async () => {
    for (const quietHours of [
      { start: 5, end: 5 },
      { start: 24, end: 3 },
      { start: 1.5, end: 3 },
    ])
      await expect(
        triggers.create({ key: "quiet-bad", destination: "quiet", event: "quiet_event", quietHours }, ACTOR),
      ).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { argument: "quietHours" } });
  });

  it("makes a row due at the end of the user's quiet period when enqueued inside it", async () => {
    const now = new Date();
    // Two-hour windows starting at the current local hour of each zone; each misses the other
    // zone's hour (New York is 12 or 13 hours behind Shanghai).
    const shanghai = localHour(now, "Asia/Shanghai");
    const newYork = localHour(now, "America/New_York");
    const sh = await triggers.create(
      {
        key: "quiet-sh",
        destination: "quiet",
        event: "quiet_event",
        quietHours: { start: shanghai, end: (shanghai + 2) % 24 },
      },
      ACTOR,
    );
    expect(sh).toMatchObject({ quietStart: shanghai, quietEnd: (shanghai + 2) % 24 });
    await triggers.create(
      {
        key: "quiet-ny",
        destination: "quiet",
        event: "quiet_event",
        quietHours: { start: newYork, end: (newYork + 2) % 24 },
      },
      ACTOR,
    );
    const ingest = new IngestService(db(), DEFAULT_IDENTITY_RULES, new RealtimeAudiences(db(), MODEL));
    await ingest.identify({ userId: "in-shanghai", traits: { timezone: "Asia/Shanghai" } });
    await ingest.identify({ userId: "no-zone" });
    await ingest.track([
      { messageId: "q1", event: "quiet_event", userId: "in-shanghai", timestamp: now.toISOString() },
      { messageId: "q2", event: "quiet_event", userId: "no-zone", timestamp: now.toISOString() },
    ]);
    const rows = await db().query<{ trigger: string; user: string; createdAt: Date; due: Date }>(sql`
      select d.trigger_key as trigger, i.value as user, d.created_at as "createdAt", d.next_attempt_at as due
      from deliveries d join identities i on i.user_id = d.user_id and i.type = 'user_id'
      order by 1, 2`);
    // Both zones are whole hours off UTC, so a quiet period ends on a full UTC hour: the created
    // hour's start plus the hours left until `end` in that zone.
    const endOf = (created: Date, zone: string, end: number) =>
      new Date(
        Math.floor(created.getTime() / HOUR_MS) * HOUR_MS +
          ((end - localHour(created, zone) + 24) % 24) * HOUR_MS,
      ).toISOString();
    const byKey = Object.fromEntries(
      rows.map((r) => [
        `${r.trigger}/${r.user}`,
        { created: new Date(r.createdAt), due: new Date(r.due).toISOString() },
      ]),
    );
    expect(Object.keys(byKey)).toEqual([
      "quiet-ny/in-shanghai",
      "quiet-ny/no-zone",
      "quiet-sh/in-shanghai",
      "quiet-sh/no-zone",
    ]);
    const { created } = byKey["quiet-sh/in-shanghai"];
    expect(byKey["quiet-sh/in-shanghai"].due).toBe(endOf(created, "Asia/Shanghai", (shanghai + 2) % 24));
    expect(byKey["quiet-ny/no-zone"].due).toBe(endOf(created, "America/New_York", (newYork + 2) % 24));
    // Outside the other trigger's quiet hours: due when written.
    expect(byKey["quiet-sh/no-zone"].due).toBe(created.toISOString());
    expect(byKey["quiet-ny/in-shanghai"].due).toBe(created.toISOString());
    // Deferred: the row is not due yet.
    expect(new Date(byKey["quiet-sh/in-shanghai"].due).getTime()).toBeGreaterThan(created.getTime());
  });

  it("finds the next local hour from a time, in the given zone", async () => {
    const next = async (at: string, zone: string, hour: number) => {
      const [row] = await db().query<{ due: Date }>(
        sql`select ${nextLocalHour(sql`${at}::timestamptz`, sql`${zone}::text`, sql`${hour}::int`)} as due`,
      );
      return new Date(row.due).toISOString();
    };
    // 15:30Z = 23:30 in Shanghai: 20:00 is tomorrow's (12:00Z on 05-02), 23 is now, 0 is in 30 min.
    expect(await next("2026-05-01T15:30:00Z", "Asia/Shanghai", 20)).toBe("2026-05-02T12:00:00.000Z");
    expect(await next("2026-05-01T15:30:00Z", "Asia/Shanghai", 23)).toBe("2026-05-01T15:30:00.000Z");
    expect(await next("2026-05-01T15:30:00Z", "Asia/Shanghai", 0)).toBe("2026-05-01T16:00:00.000Z");
  });

  it("places deferred and best-time deliveries at the user's best send hour where their activity names one", async () => {
    const now = new Date();
    const shanghai = localHour(now, "Asia/Shanghai");
    const hourStart = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    const at = (hours: number) => new Date(hourStart + hours * HOUR_MS).toISOString();
    const ingest = new IngestService(db(), DEFAULT_IDENTITY_RULES, new RealtimeAudiences(db(), MODEL));
    // Ten weekly page views each, all on one weekday at one local hour: 5 hours ahead of now
    // (outside the quiet hours below) and 1 hour ahead (inside them).
    const history = (user: string, hoursAhead: number) =>
      Array.from({ length: 10 }, (_, k) => ({
        messageId: `${user}-view-${k}`,
        event: "page_viewed",
        userId: user,
        timestamp: new Date(
          hourStart + hoursAhead * HOUR_MS + 15 * 60_000 - (k + 1) * 7 * DAY_MS,
        ).toISOString(),
      }));
    for (const user of ["best-later", "best-in-quiet", "best-unknown"])
      await ingest.identify({ userId: user, traits: { timezone: "Asia/Shanghai" } });
    await ingest.track([...history("best-later", 5), ...history("best-in-quiet", 1)]);
    await triggers.create(
      {
        key: "best-quiet",
        destination: "quiet",
        event: "best_event",
        quietHours: { start: shanghai, end: (shanghai + 2) % 24 },
      },
      ACTOR,
    );
    const opted = await triggers.create(
      { key: "best-opt", destination: "quiet", event: "best_event", bestTime: true },
      ACTOR,
    );
    expect(opted.bestTime).toBe(true);
    await ingest.track(
      ["best-later", "best-in-quiet", "best-unknown"].map((user) => ({
        messageId: `${user}-best`,
        event: "best_event",
        userId: user,
        timestamp: now.toISOString(),
      })),
    );
    // Written with their fallback due times, awaiting placement: not claimable yet, even when due.
    expect(await dueOf("best-quiet", "best-unknown")).toMatchObject({ due: at(2), pending: true });
    const unknownOpt = await dueOf("best-opt", "best-unknown");
    expect(unknownOpt).toMatchObject({ due: unknownOpt.createdAt.toISOString(), pending: true });
    const pendingIds = await db().query<{ id: number }>(
      sql`select id from deliveries where best_time_pending`,
    );
    const claimed = await db().query<{ id: number }>(claimDueDeliveries(100, 120));
    expect(claimed.filter((row) => pendingIds.some((p) => p.id === row.id))).toEqual([]);

    // Every row awaiting placement is placed: these six and the earlier test's two deferred ones.
    expect(await worker().placeBestTimes()).toBe(pendingIds.length);
    expect(pendingIds.length).toBe(8);
    expect(await dueOf("best-quiet", "best-later")).toMatchObject({ due: at(5), pending: false });
    expect(await dueOf("best-opt", "best-later")).toMatchObject({ due: at(5), pending: false });
    // The best hour is quiet: the end of the quiet hours; the best-time trigger has none.
    expect(await dueOf("best-quiet", "best-in-quiet")).toMatchObject({ due: at(2), pending: false });
    expect(await dueOf("best-opt", "best-in-quiet")).toMatchObject({ due: at(1), pending: false });
    // No activity of their own: the fallbacks stay.
    expect(await dueOf("best-quiet", "best-unknown")).toMatchObject({ due: at(2), pending: false });
    expect(await dueOf("best-opt", "best-unknown")).toMatchObject({
      due: unknownOpt.createdAt.toISOString(),
      pending: false,
    });
  });

  it("re-checks a retry against quiet hours: one due inside them waits for their end", async () => {
    await destinations.create(
      { key: "retry-quiet", url: receiver.url, secret: "whsec_test_0123456789abcdef" },
      ACTOR,
    );
    await triggers.create({ key: "retry-quiet", destination: "retry-quiet", event: "retry_event" }, ACTOR);
    const ingest = new IngestService(db(), DEFAULT_IDENTITY_RULES, new RealtimeAudiences(db(), MODEL));
    await ingest.identify({ userId: "retried", traits: { timezone: "Asia/Shanghai" } });
    await ingest.track([
      { messageId: "retry-1", event: "retry_event", userId: "retried", timestamp: new Date().toISOString() },
    ]);
    // Quiet hours from now on, set after the row was written (due now): only the retry meets them.
    const now = new Date();
    const shanghai = localHour(now, "Asia/Shanghai");
    await triggers.update(
      "retry-quiet",
      { quietHours: { start: shanghai, end: (shanghai + 2) % 24 } },
      1,
      ACTOR,
    );
    receiver.answers = [500];
    await worker().runOnce();
    expect(receiver.requests.filter((r) => JSON.parse(r.body).trigger === "retry-quiet")).toHaveLength(1);
    const hourStart = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    // A retry due in milliseconds, moved to the end of the quiet hours, and placed again.
    expect(await dueOf("retry-quiet", "retried")).toMatchObject({
      due: new Date(hourStart + 2 * HOUR_MS).toISOString(),
      pending: true,
    });
  });
});
