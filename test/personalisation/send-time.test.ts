import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { ErrorCode, StratumError } from "../../src/errors";
import { SendTimeService } from "../../src/personalisation/send-time";
import { compileRules } from "../../src/rules/compiler";
import { printRule, ruleFromJson } from "../../src/rules/json";
import { RuleService } from "../../src/rules/service";
import { SegmentService } from "../../src/segments/service";
import { describeEachDatabase } from "../helpers/db";
import { A, B, C, loadSendTimeFixture } from "./send-time-fixture";

/** The fixture's events and their hours of the week are listed in `send-time-fixture.ts`. */
const model = (priorStrength: number) => ({
  events: ["campaign_opened", "app_open", "page_view"],
  priorStrength,
  timezoneTrait: "timezone",
});

async function expectCode(promise: Promise<unknown>, code: string, argument?: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StratumError);
  expect((error as StratumError).code).toBe(code);
  if (argument) expect((error as StratumError).details.argument).toBe(argument);
}

describeEachDatabase("best send time", (db) => {
  beforeAll(async () => {
    await loadSendTimeFixture(db());
  });

  it("smooths each user's hours toward the population (α = 2), in their own time zone", async () => {
    const service = new SendTimeService(db(), model(2), "UTC");
    const [a, b, c, missing] = await service.bestOf([A, B, C, 99]);
    // A: scores n_h + 2·p_h: bin 9: 2 + .6 = 2.6; 44: 2 + .4 = 2.4; 81: 1 + .2 = 1.2; 68: 0 + .8.
    // Best 9 (Monday 09:00), posterior 2.6 / (5 + 2) = 0.371428…
    expect(a).toMatchObject({ hourOfWeek: 9, dayOfWeek: 1, localHour: 9, timezone: "UTC", events: 5 });
    expect(a?.confidence).toBeCloseTo(2.6 / 7, 12);
    // B (Shanghai): bin 9: 1 + .6 = 1.6; 68: 4 + .8 = 4.8 → Wednesday 20:00 local, 4.8 / 7.
    expect(b).toMatchObject({
      hourOfWeek: 68,
      dayOfWeek: 3,
      localHour: 20,
      timezone: "Asia/Shanghai",
      events: 5,
    });
    expect(b?.confidence).toBeCloseTo(4.8 / 7, 12);
    // C: no events, an unknown zone → UTC; the population's answer, .8 / (0 + 2) = .4.
    expect(c).toMatchObject({ hourOfWeek: 68, dayOfWeek: 3, localHour: 20, timezone: "UTC", events: 0 });
    expect(c?.confidence).toBeCloseTo(0.4, 12);
    // Not a user: no answer.
    expect(missing).toBeNull();
  });

  it("a strong prior (α = 30) turns A's five events to the population's answer", async () => {
    const service = new SendTimeService(db(), model(30), "UTC");
    const [a, b] = await service.bestOf([A, B]);
    // A: bin 9: 2 + 30·.3 = 11; 68: 0 + 30·.4 = 12 → 68, posterior 12 / 35.
    expect(a).toMatchObject({ hourOfWeek: 68, localHour: 20 });
    expect(a?.confidence).toBeCloseTo(12 / 35, 12);
    // B: bin 9: 1 + 9 = 10; 68: 4 + 12 = 16 → 68, 16 / 35.
    expect(b?.confidence).toBeCloseTo(16 / 35, 12);
  });

  it("the distribution counts users per best hour and their activity per hour", async () => {
    const distribution = await new SendTimeService(db(), model(2), "UTC").distribution();
    expect(distribution.users).toBe(3);
    expect(distribution.cells).toHaveLength(168);
    expect(distribution.cells.map((cell) => cell.hourOfWeek)).toEqual([...Array(168).keys()]);
    const nonEmpty = distribution.cells.filter((cell) => cell.users > 0 || cell.activityShare > 0);
    // A → 9; B and C → 68. Activity: 3, 2, 4, 1 of 10 events in bins 9, 44, 68, 81.
    expect(nonEmpty.map((cell) => [cell.hourOfWeek, cell.users, cell.share, cell.activityShare])).toEqual([
      [9, 1, 1 / 3, 0.3],
      [44, 0, 0, 0.2],
      [68, 2, 2 / 3, 0.4],
      [81, 0, 0, 0.1],
    ]);
    expect(nonEmpty[2]).toMatchObject({ dayOfWeek: 3, localHour: 20 });
  });

  it("evaluates on held-out activity against the population's single best hour", async () => {
    // Split Wed 12:20 UTC. Training: A 9, 9, 44, 44 (D's); B 9, 68, 68. Population: 9: 3, 44: 2,
    // 68: 2 of 7 → best hour of the week 9; best hour of the day 20 (bins 44 + 68: 4 > 3).
    // Held out: A's first is Thu 09:15 (bin 81), B's first Wed 12:25 UTC (bin 68). C has none.
    // α = 2: A: 9 → 2 + 6/7 beats 44 → 2 + 4/7: predicts 9 (miss by week, hit by hour 9).
    // B: 9 → 1 + 6/7 = 1.86, 68 → 2 + 4/7 = 2.57: predicts 68 (hit, hit).
    // Baseline 9 hits nobody; baseline hour 20 hits B only.
    const service = new SendTimeService(db(), model(2), "UTC");
    const split = new Date("2026-11-04T12:20:00Z");
    const evaluation = await service.evaluate(split);
    expect(evaluation).toEqual({
      split,
      priorStrength: 2,
      users: 2,
      hitRate: 0.5,
      baselineHourOfWeek: 9,
      baselineHitRate: 0,
      localHourHitRate: 1,
      baselineLocalHour: 20,
      baselineLocalHourHitRate: 0.5,
    });
    // α = 30 overrides the configured one: B: 9 → 1 + 90/7 = 13.9, 68 → 2 + 60/7 = 10.6 → 9, a miss.
    const strong = await service.evaluate(split, 30);
    expect(strong).toMatchObject({ priorStrength: 30, users: 2, hitRate: 0, localHourHitRate: 0.5 });
  });

  it("refuses a split without training or held-out activity and a prior strength out of range", async () => {
    const service = new SendTimeService(db(), model(2), "UTC");
    await expectCode(service.evaluate(new Date("2026-11-01T00:00:00Z")), ErrorCode.BAD_USER_INPUT, "split");
    await expectCode(service.evaluate(new Date("2026-12-01T00:00:00Z")), ErrorCode.BAD_USER_INPUT, "split");
    await expectCode(
      service.evaluate(new Date("2026-11-04T12:20:00Z"), 0),
      ErrorCode.BAD_USER_INPUT,
      "priorStrength",
    );
    await expectCode(service.distribution("no_such_segment"), ErrorCode.NOT_FOUND);
  });

  it("send_time.local_hour in rules: as of the evaluation time, in segments refreshed with the configured model", async () => {
    const sendTime = { ...model(2), defaultTimezone: "UTC" };
    const rules = new RuleService(db(), sendTime);
    const now = new Date("2026-12-01T00:00:00Z");
    const members = async (rule: string, asOf: Date) =>
      rules.sample(await rules.check(rule, "any"), asOf, 10);
    // All activity (first test): A → Monday 9, B and C → Wednesday 20.
    expect(await members("send_time.local_hour = 20", now)).toEqual([B, C]);
    expect(await members("send_time.local_hour between 8 and 10", now)).toEqual([A]);
    // As of Tue 00:00 UTC only Monday's events count: A 9, 9 and B 9 (local) → everyone's best is 9.
    expect(await members("send_time.local_hour = 9", new Date("2026-11-03T00:00:00Z"))).toEqual([A, B, C]);
    // One user's evaluation reads that user's answer.
    expect(await rules.evaluateForUser("send_time.local_hour = 20", B, now)).toBe(true);
    expect(await rules.evaluateForUser("send_time.local_hour", A, now)).toBe("9");
    // A dynamic segment on the term, refreshed through the service that holds the model.
    const segments = new SegmentService(db(), rules);
    await segments.create(
      { key: "evening_senders", name: "Evening", rule: "send_time.local_hour >= 18" },
      {
        name: "test",
      },
    );
    await segments.refresh(["evening_senders"]);
    const rows = await db().query<{ user_id: number }>(
      sql`select user_id from segment_members where segment_key = 'evening_senders' order by user_id`,
    );
    expect(rows.map((row) => Number(row.user_id))).toEqual([B, C]);
  });

  it("send_time terms: parsed, printed from JSON, unknown fields refused with their position", async () => {
    expect(printRule(ruleFromJson({ type: "send_time", field: "local_hour" }))).toBe("send_time.local_hour");
    const rules = new RuleService(db(), { ...model(2), defaultTimezone: "UTC" });
    const error = await rules.check("count(orders) > 0 and send_time.hour = 9", "any").then(
      () => null,
      (e: unknown) => e as StratumError,
    );
    expect(error?.code).toBe(ErrorCode.RULE_INVALID);
    expect(error?.message).toContain('Unknown field "send_time.hour"; known: send_time.local_hour');
    expect(error?.details).toMatchObject({ line: 1, column: 33 });
    // Compiled without the configured model (a caller that forgot to pass it) is an internal error, never a guess.
    const checked = await rules.check("send_time.local_hour = 9", "any");
    expect(() => compileRules([checked.typed], { asOf: new Date() })).toThrow(
      expect.objectContaining({ code: ErrorCode.INTERNAL }),
    );
  });
});
