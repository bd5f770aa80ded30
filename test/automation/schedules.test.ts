import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PiiPolicy } from "../../src/access/pii";
import { DestinationService, TriggerService } from "../../src/automation/definitions";
import { DeliveryWorker } from "../../src/automation/worker";
import { IngestService } from "../../src/ingest/service";
import { SendTimeService } from "../../src/personalisation/send-time";
import { RuleService } from "../../src/rules/service";
import { TagService } from "../../src/tags/service";
import { describeEachDatabase } from "../helpers/db";
import { FAST_RETRIES, Receiver } from "./receiver";

const ACTOR = { name: "test" };
/** The shop's zone: UTC+8 all year, so a local minute is a whole UTC minute. */
const SHOP_ZONE = "Asia/Shanghai";
const HOUR_MS = 3_600_000;
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** The local "HH:MM" and ISO weekday of `at` in the shop's zone, by the runtime's zone data. */
function local(at: Date): { hhmm: string; weekday: number } {
  const part = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat("en-GB", { ...options, timeZone: SHOP_ZONE }).format(at);
  return {
    hhmm: part({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
    weekday: WEEKDAYS.indexOf(part({ weekday: "short" })) + 1,
  };
}
const minuteOf = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000);

describeEachDatabase("schedule triggers", (db) => {
  let triggers: TriggerService;
  const receiver = new Receiver();
  const worker = () =>
    new DeliveryWorker(db(), new PiiPolicy(), FAST_RETRIES, {
      sendTime: new SendTimeService(
        db(),
        { events: ["page_viewed"], priorStrength: 10, timezoneTrait: "timezone" },
        SHOP_ZONE,
      ),
    });

  beforeAll(async () => {
    await receiver.start();
    triggers = new TriggerService(db());
    await new DestinationService(db()).create(
      { key: "sched", url: receiver.url, secret: "schedule-secret-0123456" },
      ACTOR,
    );
  });
  afterAll(() => receiver.stop());

  it("refuses malformed schedules and a schedule beside another source", async () => {
    const bad = [
      { every: "WEEK" as const, at: "09:00" },
      { every: "DAY" as const, at: "09:00", weekday: 2 },
      { every: "DAY" as const, at: "9:30" },
      { every: "DAY" as const, at: "24:00" },
      { every: "WEEK" as const, at: "09:00", weekday: 8 },
    ];
    for (const schedule of bad)
      await expect(
        triggers.create({ key: "bad-schedule", destination: "sched", schedule }, ACTOR),
      ).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { argument: "schedule" } });
    await expect(
      triggers.create(
        { key: "bad-schedule", destination: "sched", event: "x", schedule: { every: "DAY", at: "09:00" } },
        ACTOR,
      ),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(
      triggers.create(
        {
          key: "bad-schedule",
          destination: "sched",
          schedule: { every: "DAY", at: "09:00", segment: "nope" },
        },
        ACTOR,
      ),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { argument: "schedule.segment" } });
  });

  it("runs each schedule once at its latest run time for its audience, however many workers ask", async () => {
    const ingest = new IngestService(db());
    for (const userId of ["s1", "s2", "s3"]) await ingest.identify({ userId });
    const ids = await db().query<{ value: string; id: number }>(
      sql`select value, user_id as id from identities where type = 'user_id' and value like 's_' order by value`,
    );
    const idOf = Object.fromEntries(ids.map((row) => [row.value, Number(row.id)]));
    const tags = new TagService(db(), new RuleService(db()));
    await tags.create({ key: "sched_vip", name: "VIP", category: "TIER", kind: "MANUAL" }, ACTOR);
    await tags.assign("sched_vip", [String(idOf.s1), String(idOf.s2)], ACTOR);

    const now = new Date();
    const hourAgo = local(new Date(now.getTime() - HOUR_MS));
    const inAnHour = local(new Date(now.getTime() + HOUR_MS));
    const dayAgo = local(new Date(now.getTime() - 26 * HOUR_MS));
    const created = await triggers.create(
      {
        key: "daily-vip",
        destination: "sched",
        schedule: { every: "DAY", at: hourAgo.hhmm, tag: "sched_vip" },
      },
      ACTOR,
    );
    expect(created).toMatchObject({
      scheduleEvery: "DAY",
      scheduleAt: hourAgo.hhmm,
      scheduleTag: "sched_vip",
    });
    // Its time today is still ahead: the latest run was yesterday's.
    await triggers.create(
      { key: "daily-all", destination: "sched", schedule: { every: "DAY", at: inAnHour.hhmm } },
      ACTOR,
    );
    await triggers.create(
      {
        key: "weekly-all",
        destination: "sched",
        schedule: { every: "WEEK", at: dayAgo.hhmm, weekday: dayAgo.weekday },
      },
      ACTOR,
    );
    // Created now: its latest run (an hour ago) was before it existed, so it has not run yet.
    await triggers.create(
      {
        key: "weekly-new",
        destination: "sched",
        schedule: { every: "WEEK", at: hourAgo.hhmm, weekday: hourAgo.weekday },
      },
      ACTOR,
    );
    await db().query(
      sql`update triggers set updated_at = now() - interval '3 days' where key <> 'weekly-new'`,
    );

    const a = worker();
    const b = worker();
    await Promise.all([a.runSchedules(), b.runSchedules()]);
    await a.runSchedules();

    const runAt = {
      "daily-vip": minuteOf(new Date(now.getTime() - HOUR_MS)),
      "daily-all": minuteOf(new Date(now.getTime() + HOUR_MS - 24 * HOUR_MS)),
      "weekly-all": minuteOf(new Date(now.getTime() - 26 * HOUR_MS)),
    };
    const runs = await db().query<{ trigger: string; runAt: Date }>(
      sql`select trigger_key as trigger, run_at as "runAt" from schedule_runs order by 1`,
    );
    expect(runs.map((r) => [r.trigger, new Date(r.runAt).toISOString()])).toEqual(
      Object.entries(runAt)
        .map(([trigger, at]) => [trigger, at.toISOString()])
        .sort(([x], [y]) => x.localeCompare(y)),
    );
    const rows = await db().query<{ trigger: string; userId: number; source: string; runAt: string }>(sql`
      select trigger_key as trigger, user_id as "userId", source, fact ->> 'runAt' as "runAt"
      from deliveries where source like 'schedule:%' order by trigger_key, user_id`);
    const expected = [
      ["daily-all", ["s1", "s2", "s3"]],
      ["daily-vip", ["s1", "s2"]],
      ["weekly-all", ["s1", "s2", "s3"]],
    ] as const;
    expect(rows.map((r) => [r.trigger, Number(r.userId), r.source])).toEqual(
      expected.flatMap(([trigger, users]) =>
        users.map((user) => [
          trigger,
          idOf[user],
          `schedule:${runAt[trigger].toISOString().replace(".000Z", "Z")}:${idOf[user]}`,
        ]),
      ),
    );
    for (const row of rows)
      expect(new Date(row.runAt).getTime()).toBe(runAt[row.trigger as keyof typeof runAt].getTime());

    expect(await a.drain()).toBe(8);
    const bodies = receiver.requests.map((r) => JSON.parse(r.body));
    expect(bodies.map((body) => body.fact.type)).toEqual(Array(8).fill("schedule"));
    expect(bodies.filter((body) => body.trigger === "daily-vip").map((body) => body.fact.tag)).toEqual([
      "sched_vip",
      "sched_vip",
    ]);
  });
});
