import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { DEMO_SEGMENTS, DEMO_TAGS } from "../../src/generator/definitions";
import { seedDemo } from "../../src/generator/demo";
import { isDatabaseEmpty, type SeedResult, seedShop } from "../../src/generator/seed";
import { createServices } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";

/**
 * A small shop seeded through ingestion, then checked with plain SQL over the tables:
 * referential integrity, and the behaviour the generator promises, within these bounds:
 * - visitor → buyer: buyers / visitors per UTC day, pooled over the period, in [2 %, 5 %];
 * - dwell: product views under 15 s reach the cart at most half as often as longer ones;
 * - repeat buyers: 12–50 % of the period's buyers buy again within it, median gap 7–40 days;
 * - dormancy: at least a third of the people first seen before the last 20 days are not
 *   seen in the last 10 days.
 * (Every status of the order life cycle is checked on a larger stream in stream.test.ts.)
 */
const SHOP = { users: 800, days: 60, seed: 7, end: new Date("2026-11-01T00:00:00Z") };
const COUNTED = sql`('paid', 'shipped', 'completed', 'refunded')`;

describeEachDatabase("seeded demo shop", (db) => {
  let seeded: SeedResult;
  let emptyBefore: boolean;

  beforeAll(async () => {
    emptyBefore = await isDatabaseEmpty(db());
    seeded = await seedShop(createServices(db(), loadConfig({})), SHOP);
  });

  it("goes through ingestion without a rejection and leaves the database non-empty", async () => {
    expect(emptyBefore).toBe(true);
    expect(seeded.rejectedCount).toBe(0);
    expect(seeded.rejections).toEqual([]);
    expect(await isDatabaseEmpty(db())).toBe(false);
    const [counts] = await db().query<{ events: number; orders: number }>(sql`
      select (select count(*) from events where name <> 'order_paid')::int as events,
        (select count(*) from orders)::int as orders`);
    expect(counts.events).toBe(seeded.sent.events);
    expect(counts.orders).toBeGreaterThan(0);
  });

  it("keeps referential integrity", async () => {
    const [orphans] = await db().query<Record<string, number>>(sql`
      select
        (select count(*) from events e where not exists (select 1 from users u where u.id = e.user_id))::int as events,
        (select count(*) from orders o where not exists (select 1 from users u where u.id = o.user_id))::int as orders,
        (select count(*) from identities i where not exists (select 1 from users u where u.id = i.user_id))::int as identities,
        (select count(*) from order_items i where not exists (select 1 from orders o where o.order_id = i.order_id))::int as items,
        (select count(*) from order_items i where not exists (select 1 from products p where p.id = i.product_id))::int as products,
        (select count(*) from order_items i join orders o on o.order_id = i.order_id where i.user_id <> o.user_id)::int as "itemUsers",
        (select count(*) from events e where e.name = 'product_view'
          and not exists (select 1 from products p where p.id = e.properties->>'product_id'))::int as "viewedProducts",
        (select count(*) from user_merges m join users s on s.id = m.survivor_id where s.merged_into is not null)::int as survivors,
        (select count(*) from user_merges m join users l on l.id = m.loser_id where l.merged_into is null)::int as losers,
        (select count(*) from identities i join users u on u.id = i.user_id where u.merged_into is not null)::int as "movedIdentities",
        (select count(*) from orders o where o.status in ${COUNTED}) - (select count(*) from events where name = 'order_paid') as "paidEvents"`);
    expect(orphans).toEqual({
      events: 0,
      orders: 0,
      identities: 0,
      items: 0,
      products: 0,
      itemUsers: 0,
      viewedProducts: 0,
      survivors: 0,
      losers: 0,
      movedIdentities: 0,
      paidEvents: 0,
    });
  });

  it("has anonymous visitors, registered shoppers with traits, and merged profiles", async () => {
    const [row] = await db().query<Record<string, number>>(sql`
      select
        (select count(*) from user_merges)::int as merges,
        (select count(*) from users u where u.merged_into is null
          and not exists (select 1 from identities i where i.user_id = u.id and i.type <> 'anonymous_id'))::int as anonymous,
        (select count(*) from users u where u.merged_into is null
          and exists (select 1 from identities i where i.user_id = u.id and i.type = 'user_id'))::int as registered,
        (select count(*) from users u where u.merged_into is null
          and exists (select 1 from identities i where i.user_id = u.id and i.type = 'user_id')
          and (u.traits->>'name' is null or u.traits->>'city' is null or u.traits->>'region' is null
            or u.traits->>'birth_year' is null or u.traits->>'signup_channel' is null))::int as "withoutTraits",
        (select count(*) from identities where type in ('phone', 'email'))::int as contacts`);
    expect(row.merges).toBeGreaterThan(5);
    expect(row.anonymous).toBeGreaterThan(50);
    expect(row.registered).toBeGreaterThan(100);
    expect(row.withoutTraits).toBe(0);
    expect(row.contacts).toBeGreaterThan(row.registered);
  });

  it("has cancelled, shipped, completed and refunded orders, every channel and traffic sources", async () => {
    const statuses = await db().query<{ status: string }>(sql`select distinct status from orders order by 1`);
    expect(statuses.map((r) => r.status)).toEqual(
      expect.arrayContaining(["cancelled", "completed", "refunded", "shipped"]),
    );
    const [refunds] = await db().query<{ bad: number }>(sql`
      select count(*)::int as bad from orders
      where status = 'refunded' and (refunded_amount <= 0 or refunded_amount > total_amount)`);
    expect(refunds.bad).toBe(0);
    const channels = await db().query<{ channel: string }>(sql`
      select distinct channel from events where name <> 'order_paid' order by 1`);
    expect(channels.map((r) => r.channel)).toEqual(["app", "mini_program", "web"]);
    const [utm] = await db().query<{ share: number; sources: number }>(sql`
      select avg(case when utm_source is null then 0 else 1 end)::float8 as share,
        count(distinct utm_source)::int as sources
      from events where name = 'page_view'`);
    expect(utm.share).toBeGreaterThan(0.2);
    expect(utm.share).toBeLessThan(0.7);
    expect(utm.sources).toBeGreaterThanOrEqual(5);
  });

  it("converts 2–5 % of a day's visitors into buyers", async () => {
    const days = await db().query<{ day: string; visitors: number; buyers: number }>(sql`
      with visits as (
        select distinct coalesce(m.survivor_id, e.user_id) as person, (e.ts at time zone 'UTC')::date as day
        from events e left join user_merges m on m.loser_id = e.user_id
        where e.name <> 'order_paid'),
      purchases as (
        select distinct coalesce(m.survivor_id, o.user_id) as person, (o.placed_at at time zone 'UTC')::date as day
        from orders o left join user_merges m on m.loser_id = o.user_id
        where o.status in ${COUNTED})
      select v.day::text as day, count(*)::int as visitors, count(p.person)::int as buyers
      from visits v left join purchases p on p.person = v.person and p.day = v.day
      group by v.day order by v.day`);
    expect(days).toHaveLength(SHOP.days);
    const visitors = days.reduce((total, d) => total + d.visitors, 0);
    const buyers = days.reduce((total, d) => total + d.buyers, 0);
    expect(buyers / visitors).toBeGreaterThanOrEqual(0.02);
    expect(buyers / visitors).toBeLessThanOrEqual(0.05);
    // Every buyer of a day visited that day (the purchase session is a visit).
    const [strays] = await db().query<{ n: number }>(sql`
      with checkouts as (
        select coalesce(m.survivor_id, e.user_id) as person, e.ts
        from events e left join user_merges m on m.loser_id = e.user_id
        where e.name = 'checkout_start'),
      placed as (
        select coalesce(m.survivor_id, o.user_id) as person, o.placed_at
        from orders o left join user_merges m on m.loser_id = o.user_id)
      select count(*)::int as n from placed o
      where not exists (
        select 1 from checkouts c
        where c.person = o.person and c.ts <= o.placed_at and c.ts > o.placed_at - interval '1 hour')`);
    expect(strays.n).toBe(0);
  });

  it("walks the funnel with drop-off at every step", async () => {
    const steps = await db().query<{ name: string; sessions: number }>(sql`
      select name, count(distinct session_id)::int as sessions from events
      where name in ('page_view', 'product_view', 'add_to_cart', 'checkout_start')
      group by name`);
    const sessions = Object.fromEntries(steps.map((s) => [s.name, s.sessions]));
    expect(sessions.page_view).toBeGreaterThan(sessions.product_view * 0.99);
    expect(sessions.add_to_cart).toBeLessThan(sessions.product_view * 0.3);
    expect(sessions.checkout_start).toBeLessThan(sessions.add_to_cart * 0.8);
    expect(sessions.checkout_start).toBeGreaterThan(0);
  });

  it("converts short product views (< 15 s) markedly worse than longer ones", async () => {
    const rows = await db().query<{ skim: boolean; views: number; carted: number }>(sql`
      with carts as (
        select session_id, properties->>'product_id' as product_id, max(ts) as last_cart
        from events where name = 'add_to_cart' group by 1, 2)
      select (v.properties->>'dwell_ms')::int < 15000 as skim, count(*)::int as views,
        count(c.session_id)::int as carted
      from events v
      left join carts c on c.session_id = v.session_id and c.product_id = v.properties->>'product_id'
        and c.last_cart > v.ts
      where v.name = 'product_view'
      group by 1`);
    const skim = rows.find((r) => r.skim)!;
    const engaged = rows.find((r) => !r.skim)!;
    const skimRate = skim.carted / skim.views;
    const engagedRate = engaged.carted / engaged.views;
    expect(skim.views).toBeGreaterThan(500);
    expect(engagedRate).toBeGreaterThan(0.04);
    expect(skimRate).toBeLessThan(engagedRate / 2);
  });

  it("has repeat buyers with realistic gaps", async () => {
    const [repeat] = await db().query<{
      buyers: number;
      repeaters: number;
      median_gap: number;
      min_gap: number;
    }>(sql`
      with purchases as (
        select coalesce(m.survivor_id, o.user_id) as person, o.placed_at
        from orders o left join user_merges m on m.loser_id = o.user_id
        where o.status in ${COUNTED}),
      gaps as (
        select person, extract(epoch from placed_at - lag(placed_at) over (partition by person order by placed_at)) / 86400 as gap_days
        from purchases)
      select count(distinct person)::int as buyers,
        (select count(*) from (select person from purchases group by person having count(*) >= 2) r)::int as repeaters,
        (percentile_cont(0.5) within group (order by gap_days))::float8 as median_gap,
        min(gap_days)::float8 as min_gap
      from gaps`);
    expect(repeat.buyers).toBeGreaterThan(30);
    expect(repeat.repeaters / repeat.buyers).toBeGreaterThanOrEqual(0.12);
    expect(repeat.repeaters / repeat.buyers).toBeLessThanOrEqual(0.5);
    expect(repeat.median_gap).toBeGreaterThanOrEqual(7);
    expect(repeat.median_gap).toBeLessThanOrEqual(40);
  });

  it("lets people go dormant", async () => {
    const [row] = await db().query<{ early: number; dormant: number }>(sql`
      with people as (
        select coalesce(m.survivor_id, e.user_id) as person, min(e.ts) as first_seen, max(e.ts) as last_seen
        from events e left join user_merges m on m.loser_id = e.user_id
        group by 1)
      select count(*)::int as early,
        count(*) filter (where last_seen < ${SHOP.end.toISOString()}::timestamptz - interval '10 days')::int as dormant
      from people
      where first_seen < ${SHOP.end.toISOString()}::timestamptz - interval '20 days'`);
    expect(row.dormant / row.early).toBeGreaterThan(1 / 3);
    expect(row.dormant / row.early).toBeLessThan(0.95);
  });
});

describeEachDatabase("demo definitions on the seeded demo", (db) => {
  it("are valid rules, and the repeat-buyer and VIP tags hold the people their rules describe", async () => {
    const services = createServices(db(), loadConfig({}));
    await seedDemo(services, { ...SHOP, users: 150, days: 30 });
    const tags = await services.tags.list({});
    expect(tags.map((t) => t.key).sort()).toEqual(DEMO_TAGS.map((t) => t.key).sort());
    // Counted orders per surviving profile, straight from the tables.
    const [expected] = await db().query<{ n: number }>(sql`
      select count(*)::int as n from (
        select coalesce(m.survivor_id, o.user_id) as person from orders o
        left join user_merges m on m.loser_id = o.user_id
        where o.status in ${COUNTED} group by 1 having count(*) >= 2) repeaters`);
    const repeat = tags.find((t) => t.key === "repeat_buyer");
    expect(expected.n).toBeGreaterThan(0);
    expect(repeat?.userCount).toBe(expected.n);
    expect((await services.segments.list({})).map((s) => s.key).sort()).toEqual(
      DEMO_SEGMENTS.map((s) => s.key).sort(),
    );
    // VIPs: counted orders of the last 365 days adding up to 2,000 or more (the example shopper among them).
    const [vips] = await db().query<{ n: number }>(sql`
      select count(*)::int as n from (
        select coalesce(m.survivor_id, o.user_id) as person from orders o
        left join user_merges m on m.loser_id = o.user_id
        where o.status in ${COUNTED} and o.placed_at > now() - interval '365 days'
        group by 1 having sum(o.total_amount) >= 2000) vips`);
    expect(vips.n).toBeGreaterThan(0);
    expect(tags.find((t) => t.key === "vip")?.userCount).toBe(vips.n);
  });
});
