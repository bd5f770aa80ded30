import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client";

/** Evaluation time of the hand-built fixture. */
export const T = new Date("2026-03-01T12:00:00Z");
const DAY = 86_400_000;
/** T minus days (and optional extra seconds added back). */
export const ago = (days: number, plusSeconds = 0) => new Date(T.getTime() - days * DAY + plusSeconds * 1000);

/**
 * Five profiles whose memberships for every S6.1 example are worked out by hand in the
 * tests. Edges: events exactly N days before T (outside a `within Nd` window) and one
 * second inside it.
 */
export async function loadRuleFixture(db: Database): Promise<void> {
  const users: Array<[number, Date, Record<string, unknown>]> = [
    [1, ago(3), { city: "上海", gender: "female", age: 25 }],
    [2, ago(400), { city: "北京", gender: "male", age: 30 }],
    [3, ago(7), { city: "北京", gender: "female", age: "18" }],
    [4, ago(7, 1), { city: "广州", gender: "female", age: 31 }],
    [5, ago(500), {}],
  ];
  for (const [id, firstSeen, traits] of users) {
    await db.query(sql`insert into users (id, first_seen_at, last_seen_at, created_at, traits) overriding system value
      values (${id}, ${firstSeen.toISOString()}, ${firstSeen.toISOString()}, ${firstSeen.toISOString()}, ${JSON.stringify(traits)}::jsonb)`);
  }
  let n = 0;
  const events: Array<[number, string, Date, Record<string, unknown>, string | null]> = [];
  const ev = (
    user: number,
    name: string,
    ts: Date,
    props: Record<string, unknown> = {},
    utm: string | null = null,
  ) => events.push([user, name, ts, props, utm]);
  // u1: 5 product views in 30d (3 beauty, 2 books, dwell 10000), add_to_cart 2d ago, two page views.
  for (let d = 1; d <= 5; d++)
    ev(1, "product_view", ago(d), { category: d <= 3 ? "beauty" : "books", dwell_ms: 10000 });
  ev(1, "add_to_cart", ago(2));
  ev(1, "page_view", ago(10), {}, "wechat");
  ev(1, "page_view", ago(5), {}, "baidu");
  // u3: one view exactly 30d ago (toys), 4 inside (2 shoes, 2 bags, dwell 20000); add_to_cart exactly 7d ago.
  ev(3, "product_view", ago(30), { category: "toys", dwell_ms: 20000 });
  for (const [h, category] of [
    [1, "shoes"],
    [2, "bags"],
    [3, "shoes"],
    [4, "bags"],
  ] as const)
    ev(3, "product_view", new Date(T.getTime() - h * 3_600_000), { category, dwell_ms: 20000 });
  ev(3, "add_to_cart", ago(7));
  // u4: 5 beauty views, the oldest one second inside 30d, no dwell; add_to_cart one second inside 7d.
  ev(4, "product_view", ago(30, 1), { category: "beauty" });
  for (let d = 1; d <= 4; d++) ev(4, "product_view", ago(d * 5), { category: "beauty" });
  ev(4, "add_to_cart", ago(7, 1));
  // PostHog / Mixpanel style property names: u1 browses in Chrome (twice), u3 in Safari.
  ev(1, "screen_view", ago(4), { $browser: "Chrome", $current_url: "https://shop.example/a" });
  ev(1, "screen_view", ago(3), { $browser: "Chrome" });
  ev(3, "screen_view", ago(2), { $browser: "Safari" });
  // An event after T never counts.
  ev(1, "add_to_cart", new Date(T.getTime() + 1000));
  for (const [user, name, ts, props, utm] of events) {
    n++;
    await db.query(sql`insert into events (user_id, message_id, name, ts, properties, utm_source)
      values (${user}, ${`m${n}`}, ${name}, ${ts.toISOString()}, ${JSON.stringify(props)}::jsonb, ${utm})`);
  }
  const orders: Array<[string, number, Date, string, number]> = [
    ["o1", 2, ago(200), "completed", 400],
    ["o2", 2, ago(150), "paid", 500],
    ["o3", 2, ago(95), "shipped", 200],
    ["o4", 2, ago(10), "cancelled", 5000],
    ["o5", 2, ago(300), "created", 300],
    ["o6", 2, ago(365), "refunded", 1000],
    ["o7", 4, ago(3, 3600), "paid", 100],
    ["o8", 5, ago(10), "completed", 2000],
    ["o9", 5, ago(400), "paid", 50],
  ];
  for (const [id, user, placed, status, total] of orders) {
    const counted = ["paid", "shipped", "completed", "refunded"].includes(status);
    await db.query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted)
      values (${id}, ${user}, ${placed.toISOString()}, ${status}, ${total}, ${counted})`);
  }
}
