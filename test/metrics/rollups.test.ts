import "reflect-metadata";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PII, PiiPolicy } from "../../src/access/pii";
import { IngestService } from "../../src/ingest/service";
import { METRICS } from "../../src/metrics/catalog";
import { RollupService } from "../../src/metrics-service/rollups";
import { MetricsService } from "../../src/metrics-service/service";
import { compileMetricQuery } from "../../src/semantic/metrics/compile";
import type { DimensionRef, MetricQuery } from "../../src/semantic/metrics/query";
import { chooseRollups } from "../../src/semantic/metrics/rollup-choice";
import { compileSql } from "../../src/semantic/sql";
import type { TimeGrain } from "../../src/semantic/time";
import { ErasureService } from "../../src/users/erasure";
import { describeEachDatabase } from "../helpers/db";
import { loadMetricFixture } from "./fixture";
import { TZ } from "./golden-queries";

const RANGE = { from: "2026-03-01", to: "2026-03-04" };
const base = (over: Partial<MetricQuery>): MetricQuery => ({
  metrics: ["gmv"],
  dimensions: [],
  grain: "DAY",
  timezone: TZ,
  range: RANGE,
  ...over,
});

describe("when the rollups answer a query (pure)", () => {
  it("uses them for whole local days of their zone and rollup slices only", () => {
    expect(chooseRollups(base({}), TZ)).toEqual({ use: true });
    expect(chooseRollups(base({ grain: "MONTH", dimensions: [{ key: "campaign" }] }), TZ)).toEqual({
      use: true,
    });
    expect(chooseRollups(base({}), undefined)).toMatchObject({ use: false, reason: "no rollups are built" });
    expect(chooseRollups(base({ timezone: "UTC" }), TZ).use).toBe(false);
    expect(chooseRollups(base({ grain: "HOUR" }), TZ).use).toBe(false);
    // 10:00 local is inside a day; 2026-03-01T00:00:00+08:00 is a Shanghai midnight, …Z is not.
    expect(chooseRollups(base({ range: { from: "2026-03-01T10:00:00", to: "2026-03-04" } }), TZ).use).toBe(
      false,
    );
    expect(
      chooseRollups(base({ range: { from: "2026-03-01T00:00:00+08:00", to: "2026-03-04" } }), TZ).use,
    ).toBe(true);
    expect(chooseRollups(base({ range: { from: "2026-03-01T00:00:00Z", to: "2026-03-04" } }), TZ).use).toBe(
      false,
    );
    expect(chooseRollups(base({ metrics: ["units"], dimensions: [{ key: "category" }] }), TZ)).toMatchObject({
      use: false,
      reason: "category is not a rollup slice",
    });
    expect(
      chooseRollups(
        base({ metrics: ["units"], where: { dimension: { key: "brand" }, condition: { eq: "A" } } }),
        TZ,
      ).use,
    ).toBe(false);
  });

  it("for ALL with churn, only when the equally long window before also starts at a midnight", () => {
    const all = base({ metrics: ["churn_rate"], grain: "ALL" });
    expect(chooseRollups(all, TZ).use).toBe(true);
    // Berlin, 2026-03-29 has 23 hours: [03-29, 03-31) lasts 47 h, so the window before starts at 01:00.
    const berlin = { ...all, timezone: "Europe/Berlin", range: { from: "2026-03-29", to: "2026-03-31" } };
    expect(chooseRollups(berlin, "Europe/Berlin")).toMatchObject({ use: false });
    expect(chooseRollups({ ...berlin, metrics: ["gmv"] }, "Europe/Berlin").use).toBe(true);
  });
});

describeEachDatabase("user-day rollups answer as the raw facts", (db) => {
  beforeAll(async () => {
    await loadMetricFixture(db());
    const built = await new RollupService(db()).rebuild(TZ);
    // Hand count of the fixture: distinct (stored user, local day, channel) of its events and counted orders.
    // Events: u1 03-01 app; u3 03-01 web; u4 03-01 web; u5 03-02 web; u2 03-02 app; u3 03-02 web;
    // 03-10 u1 app, u2 app, u3 web, u4 web; 03-11 u3 web, u4 web → 12.
    // Orders: u2 02-28 web; u6 01-10 web; u1 03-01 app (o2, o1); u6 03-01 web; u5 03-02 web; u2 03-02 app → 6.
    expect(built).toEqual({ timezone: TZ, eventRows: 12, orderRows: 6 });
  });

  const answer = async (query: MetricQuery, rolledUp: boolean) => {
    const compiled = compileMetricQuery(query, undefined, rolledUp ? TZ : undefined);
    expect(compiled.rollups.use, JSON.stringify(query)).toBe(rolledUp);
    const text = compileSql(compiled.statement).sql;
    expect(/user_day_(events|orders)/.test(text)).toBe(rolledUp);
    return db().query(compiled.statement);
  };

  const slicings: DimensionRef[][] = [
    [],
    [{ key: "channel" }],
    [{ key: "city" }],
    [{ key: "campaign" }, { key: "platform" }],
    [{ key: "has_tag", arg: "vip" }],
    [{ key: "rfm_segment" }],
  ];
  const grains: TimeGrain[] = ["DAY", "WEEK", "MONTH", "ALL"];

  it("every catalog metric at every grain from DAY up, by each kind of slice", async () => {
    let compared = 0;
    for (const grain of grains)
      for (const dimensions of slicings) {
        const metrics = METRICS.filter((m) => dimensions.every((d) => m.dimensions.includes(d.key))).map(
          (m) => m.key,
        );
        const query = base({ metrics, dimensions, grain, range: { from: "2026-02-23", to: "2026-03-16" } });
        const raw = await answer(query, false);
        expect(raw.length).toBeGreaterThan(0);
        expect(await answer(query, true), `${grain} by ${JSON.stringify(dimensions)}`).toEqual(raw);
        compared++;
      }
    expect(compared).toBe(grains.length * slicings.length);
  });

  it("with comparisons, filters, restrictions and the equally long window of ALL", async () => {
    const queries: MetricQuery[] = [
      base({ metrics: ["gmv", "buyers", "churn_rate"], compareTo: "PREVIOUS_PERIOD" }),
      base({ metrics: ["orders", "new_buyers"], grain: "ALL", compareTo: "PREVIOUS_PERIOD" }),
      base({ metrics: ["gmv", "visitors"], grain: "MONTH", compareTo: "PREVIOUS_YEAR" }),
      base({ metrics: ["churn_rate", "repurchase_rate"], grain: "ALL" }),
      base({
        metrics: ["conversion_rate", "gmv", "units"],
        dimensions: [{ key: "channel" }],
        where: { dimension: { key: "city" }, condition: { in: ["上海", "北京"] } },
      }),
      base({
        metrics: ["visitors", "cart_abandonment_rate"],
        where: { not: { dimension: { key: "channel" }, condition: { eq: "web" } } },
      }),
      base({ metrics: ["gmv", "events"], segment: "big" }),
      base({
        metrics: ["gmv", "refunds", "net_revenue"],
        tag: "vip",
        dimensions: [{ key: "tag_value", arg: "tier" }],
      }),
      base({ metrics: ["cart_abandonment_rate"], dimensions: [{ key: "channel" }] }),
      base({ metrics: ["units", "item_revenue"], dimensions: [{ key: "channel" }], grain: "WEEK" }),
    ];
    for (const query of queries) {
      const raw = await answer(query, false);
      expect(await answer(query, true), JSON.stringify(query)).toEqual(raw);
    }
  });

  it("falls back to the raw facts where the rollups cannot answer, and says why", async () => {
    const metrics = new MetricsService(db());
    const zone = await metrics.rollupTimezone();
    expect(zone).toBe(TZ);
    const byCategory = compileMetricQuery(
      base({ metrics: ["units"], dimensions: [{ key: "category" }] }),
      undefined,
      zone,
    );
    expect(byCategory.rollups).toEqual({ use: false, reason: "category is not a rollup slice" });
    expect(compileSql(byCategory.statement).sql).not.toMatch(/user_day_/);
    const answer = await metrics.run(
      base({ metrics: ["gmv"], grain: "HOUR", range: { from: "2026-03-01", to: "2026-03-02" } }),
    );
    expect(answer.rollups).toEqual({ used: false, reason: "HOUR buckets are finer than days" });
  });
});

/** Rollup rows as comparable text, in a fixed order. */
async function rollupRows(db: ReturnType<typeof Object>) {
  const events = await db.query(sql`
    select user_id, day, channel, platform, utm_source, utm_campaign, campaign, events, cart_events
    from user_day_events order by user_id, day, channel nulls first, campaign nulls first`);
  const orders = await db.query(sql`
    select user_id, day, channel, platform, utm_source, utm_campaign, campaign, orders, gmv::text as gmv,
      refunds::text as refunds, item_lines, units, item_revenue::text as item_revenue
    from user_day_orders order by user_id, day, channel nulls first, campaign nulls first`);
  return { events, orders };
}

describeEachDatabase("ingestion keeps the user-day rollups exact", (db) => {
  let ingest: IngestService;
  let rollups: RollupService;
  let metrics: MetricsService;
  beforeAll(async () => {
    rollups = new RollupService(db());
    await rollups.rebuild(TZ);
    ingest = new IngestService(db());
    metrics = new MetricsService(db());
  });

  /** What ingestion left equals a rebuild from the facts (which then replaces it). */
  const expectAsRebuilt = async () => {
    const kept = await rollupRows(db());
    await rollups.rebuild(TZ);
    expect(kept).toEqual(await rollupRows(db()));
  };

  const daily = async (metricKeys: string[], over: Partial<MetricQuery> = {}) => {
    const query = base({ metrics: metricKeys, range: { from: "2026-05-01", to: "2026-05-04" }, ...over });
    const rolled = await metrics.run(query);
    expect(rolled.rollups.used).toBe(true);
    const raw = await new MetricsService(db(), undefined, false).run(query);
    expect(raw.rollups.used).toBe(false);
    expect(rolled.rows).toEqual(raw.rows);
    return rolled.rows.map((row) => row.values);
  };

  it("adds events once: duplicates and repeated batches are not counted twice", async () => {
    const batch = [
      {
        messageId: "m1",
        event: "page_view",
        timestamp: "2026-05-01T09:00:00+08:00",
        userId: "alice",
        channel: "app",
      },
      {
        messageId: "m2",
        event: "add_to_cart",
        timestamp: "2026-05-01T09:05:00+08:00",
        userId: "alice",
        channel: "app",
      },
      {
        messageId: "m2",
        event: "add_to_cart",
        timestamp: "2026-05-01T09:05:00+08:00",
        userId: "alice",
        channel: "app",
      },
      // 23:30 on 05-01 in Shanghai is 15:30Z: the local day decides.
      {
        messageId: "m3",
        event: "page_view",
        timestamp: "2026-05-01T15:30:00Z",
        userId: "bob",
        channel: "web",
      },
    ];
    expect((await ingest.track(batch)).accepted).toBe(3);
    expect((await ingest.track(batch)).accepted).toBe(0);
    // The same events through the bulk (COPY) path: all already stored.
    expect((await ingest.trackBulk(batch)).accepted).toBe(0);
    expect(await daily(["events", "visitors", "cart_abandonment_rate"])).toEqual([
      { events: 3, visitors: 2, cart_abandonment_rate: 1 }, // alice carted and bought nothing
      { events: 0, visitors: 0, cart_abandonment_rate: null },
      { events: 0, visitors: 0, cart_abandonment_rate: null },
    ]);
    await expectAsRebuilt();
  });

  it("adds late events to the day they happened, also through the bulk path", async () => {
    await ingest.track([
      {
        messageId: "late1",
        event: "page_view",
        timestamp: "2026-05-02T10:00:00+08:00",
        userId: "bob",
        channel: "web",
      },
    ]);
    await ingest.trackBulk([
      {
        messageId: "late2",
        event: "page_view",
        timestamp: "2026-05-01T08:00:00+08:00",
        userId: "carol",
        channel: "web",
      },
      {
        messageId: "late3",
        event: "add_to_cart",
        timestamp: "2026-05-02T11:00:00+08:00",
        userId: "carol",
        channel: "web",
      },
    ]);
    expect(await daily(["events", "visitors"])).toEqual([
      { events: 4, visitors: 3 },
      { events: 2, visitors: 2 },
      { events: 0, visitors: 0 },
    ]);
    await expectAsRebuilt();
  });

  it("follows orders through payment, item changes and refunds", async () => {
    const order = {
      orderId: "r1",
      userId: "alice",
      placedAt: "2026-05-02T12:00:00+08:00",
      totalAmount: 99.9,
      channel: "app",
      items: [{ productId: "p1", quantity: 2, unitPrice: 49.95 }],
    };
    await ingest.recordOrders([{ ...order, status: "CREATED" }]);
    // Not counted yet.
    expect((await daily(["orders", "gmv"]))[1]).toEqual({ orders: 0, gmv: 0 });
    await ingest.recordOrders([
      { ...order, status: "PAID", items: [{ productId: "p1", quantity: 3, unitPrice: 33.3 }] },
      {
        orderId: "r2",
        userId: "bob",
        placedAt: "2026-05-02T13:00:00+08:00",
        status: "PAID",
        totalAmount: 10.01,
        channel: "web",
      },
    ]);
    expect((await daily(["orders", "gmv", "units", "item_revenue", "buyers"]))[1]).toEqual({
      orders: 2,
      gmv: 109.91, // 99.90 + 10.01
      units: 3,
      item_revenue: 99.9, // 3 × 33.30
      buyers: 2,
    });
    await ingest.recordOrders([{ ...order, status: "REFUNDED", refundedAmount: 33.3 }]);
    expect((await daily(["gmv", "refunds", "net_revenue"]))[1]).toEqual({
      gmv: 109.91,
      refunds: 33.3,
      net_revenue: 76.61,
    });
    await expectAsRebuilt();
  });

  it("reads a merged profile's rows as the survivor's, without rewriting them", async () => {
    // An anonymous visitor on 05-03, then identified as carol: two stored profiles, one person.
    await ingest.track([
      {
        messageId: "anon1",
        event: "page_view",
        timestamp: "2026-05-03T09:00:00+08:00",
        anonymousId: "a-1",
        channel: "web",
      },
      {
        messageId: "c3",
        event: "page_view",
        timestamp: "2026-05-03T10:00:00+08:00",
        userId: "carol",
        channel: "web",
      },
    ]);
    expect((await daily(["visitors"]))[2]).toEqual({ visitors: 2 });
    await ingest.identify({ userId: "carol", anonymousId: "a-1" });
    const [{ merges }] = await db().query<{ merges: number }>(
      sql`select count(*)::int as merges from user_merges`,
    );
    expect(merges).toBe(1);
    expect((await daily(["visitors", "events"]))[2]).toEqual({ visitors: 1, events: 2 });
    await expectAsRebuilt();
  });

  it("adds up concurrent batches of the same user-days (deltas, never recounts)", async () => {
    const batches = Array.from({ length: 6 }, (_, b) =>
      Array.from({ length: 20 }, (_, i) => ({
        messageId: `conc-${b}-${i}`,
        event: i % 4 === 0 ? "add_to_cart" : "page_view",
        timestamp: `2026-05-02T0${i % 3}:00:00+08:00`,
        userId: `conc-${i % 5}`,
        channel: "app",
      })),
    );
    // The same batches twice at once: each event is stored (and counted) by exactly one of them.
    const results = await Promise.all([...batches, ...batches].map((batch) => ingest.track(batch)));
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(120);
    await expectAsRebuilt();
  });

  it("moves an erased campaign property out of its slice", async () => {
    await ingest.track([
      {
        messageId: "camp1",
        event: "campaign_opened",
        timestamp: "2026-05-03T11:00:00+08:00",
        userId: "dave",
        channel: "sms",
        properties: { campaign: "spring" },
      },
    ]);
    const byCampaign = async () =>
      (await daily(["events"], { grain: "ALL", dimensions: [{ key: "campaign" }] })).map((v, i) => [i, v]);
    expect(await byCampaign()).toHaveLength(2); // null and spring
    const [{ id }] = await db().query<{ id: number }>(
      sql`select user_id as id from identities where type = 'user_id' and value = 'dave'`,
    );
    const policy = new PiiPolicy({
      ...DEFAULT_PII,
      eventProperties: [...DEFAULT_PII.eventProperties, "campaign"],
    });
    await new ErasureService(db(), policy).erase(id, { name: "test" });
    expect(await byCampaign()).toHaveLength(1); // only null: dave's event kept, without its campaign
    await expectAsRebuilt();
  });

  it("a bulk write with the rollups suspended: raw facts meanwhile, exact again once rebuilt", async () => {
    const june = () =>
      metrics.run(base({ metrics: ["events", "visitors"], range: { from: "2026-06-01", to: "2026-06-03" } }));
    const rebuild = await rollups.suspend();
    expect(await rollups.timezone()).toBeUndefined();
    await ingest.trackBulk([
      { messageId: "s1", event: "page_view", timestamp: "2026-06-01T09:00:00+08:00", userId: "fay" },
      { messageId: "s2", event: "page_view", timestamp: "2026-06-01T10:00:00+08:00", userId: "gus" },
      { messageId: "s3", event: "add_to_cart", timestamp: "2026-06-02T10:00:00+08:00", userId: "gus" },
    ]);
    // Read while suspended: from the raw facts, with the batch just written.
    const meanwhile = await june();
    expect(meanwhile.rollups.used).toBe(false);
    expect(meanwhile.rows.map((row) => row.values)).toEqual([
      { events: 2, visitors: 2 },
      { events: 1, visitors: 1 },
    ]);
    await rebuild();
    expect(await rollups.timezone()).toBe(TZ);
    const after = await june();
    expect(after.rollups.used).toBe(true);
    expect(after.rows).toEqual(meanwhile.rows);
    // Suspending rollups that are not built has nothing to rebuild.
    await db().query(sql`delete from rollup_state`);
    await (await rollups.suspend())();
    expect(await rollups.timezone()).toBeUndefined();
    await rollups.rebuild(TZ);
  });
});
