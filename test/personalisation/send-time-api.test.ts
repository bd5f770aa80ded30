import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { countStatements, describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";
import { loadSendTimeFixture } from "./send-time-fixture";

/** The hand-worked fixture of `send-time.test.ts` through the API, configured with α = 2 and UTC. */
describeEachDatabase("best send time through the API", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    await loadSendTimeFixture(db());
    api = await startTestApi(db(), { STRATUM_TIMEZONE: "UTC", STRATUM_SEND_TIME_PRIOR_STRENGTH: "2" });
  });
  afterAll(() => api?.close());

  it("User.bestSendTime costs a fixed number of statements per page", async () => {
    const page = (n: number) =>
      countStatements(db(), () =>
        api.gql(
          `{ users(first: ${n}) { edges { node { id bestSendTime { hourOfWeek dayOfWeek localHour confidence timezone events } } } } }`,
        ),
      );
    // The first page also counts the population's bins, which later pages reuse (PRIOR_TTL_MS).
    const first = await page(1);
    const small = await page(1);
    const large = await page(3);
    expect(large.result.errors).toBeUndefined();
    expect(large.statements.length).toBe(small.statements.length);
    expect(first.statements.length).toBeGreaterThan(small.statements.length);
    // One statement answers the whole page.
    expect(large.statements.filter((text) => text.includes("pg_timezone_names"))).toHaveLength(1);
    const answers = large.result.data.users.edges.map(
      (edge: { node: { id: string; bestSendTime: Record<string, unknown> } }) => [
        edge.node.id,
        edge.node.bestSendTime.hourOfWeek,
        edge.node.bestSendTime.timezone,
      ],
    );
    // A → Monday 9 UTC, B → Wednesday 20 Shanghai, C → the population's Wednesday 20, UTC.
    expect(answers).toEqual([
      ["1", 9, "UTC"],
      ["2", 68, "Asia/Shanghai"],
      ["3", 68, "UTC"],
    ]);
  });

  it("sendTimeDistribution and evaluateSendTime answer with the hand-worked figures", async () => {
    const answer = await api.gql(`{
      sendTimeDistribution { users priorStrength events cells { hourOfWeek users share } }
      evaluateSendTime(split: "2026-11-04T12:20:00Z") {
        users hitRate baselineHourOfWeek baselineHitRate localHourHitRate baselineLocalHour baselineLocalHourHitRate } }`);
    expect(answer.errors).toBeUndefined();
    const { sendTimeDistribution, evaluateSendTime } = answer.data;
    expect(sendTimeDistribution.users).toBe(3);
    expect(sendTimeDistribution.priorStrength).toBe(2);
    expect(sendTimeDistribution.events).toEqual(["campaign_opened", "app_open", "page_view"]);
    expect(sendTimeDistribution.cells).toHaveLength(168);
    expect(sendTimeDistribution.cells[68]).toEqual({ hourOfWeek: 68, users: 2, share: 2 / 3 });
    expect(evaluateSendTime).toEqual({
      users: 2,
      hitRate: 0.5,
      baselineHourOfWeek: 9,
      baselineHitRate: 0,
      localHourHitRate: 1,
      baselineLocalHour: 20,
      baselineLocalHourHitRate: 0.5,
    });
  });

  it("bad input is a coded error", async () => {
    const strength = await api.gql(
      `{ evaluateSendTime(split: "2026-11-04T12:20:00Z", priorStrength: -1) { users } }`,
    );
    expect(strength.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(strength.errors?.[0].extensions?.argument).toBe("priorStrength");
    const empty = await api.gql(`{ evaluateSendTime(split: "2030-01-01T00:00:00Z") { users } }`);
    expect(empty.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const segment = await api.gql(`{ sendTimeDistribution(segment: "nope") { users } }`);
    expect(segment.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });

  it("masks the time zone for roles without PII when the time-zone trait is declared PII", async () => {
    const strict = await startTestApi(db(), { STRATUM_TIMEZONE: "UTC", STRATUM_PII_TRAITS: "name,timezone" });
    try {
      const analyst = (
        await strict.services.apiKeys.create({ name: "analyst", role: "ANALYST" }, SYSTEM_PRINCIPAL)
      ).key;
      const query = `{ user(id: "2") { bestSendTime { localHour timezone } } }`;
      const masked = await strict.gql(query, undefined, analyst);
      expect(masked.data.user.bestSendTime).toEqual({ localHour: 20, timezone: "A***" });
      const admin = await strict.gql(query);
      expect(admin.data.user.bestSendTime).toEqual({ localHour: 20, timezone: "Asia/Shanghai" });
    } finally {
      await strict.close();
    }
  });
});
