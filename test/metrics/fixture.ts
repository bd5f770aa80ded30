import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client";

/**
 * A hand-built shop for the metric tests; every expected value in the tests is worked
 * out by hand from this (times are given in Asia/Shanghai, UTC+8, no DST).
 *
 * Days: D0 = Sat 2026-02-28, D1 = Sun 2026-03-01, D2 = Mon 2026-03-02, D3 = Tue 2026-03-03.
 * D1 is a Sunday, so its ISO week starts Mon 2026-02-23; D2 and D3 are in the week of 03-02.
 *
 * Users: u1 上海 (female), u2 北京, u3 上海, u4 (no traits), u5 merged into u1, u6 北京.
 * Tag `vip`: u1. Value tag `tier`: u1 gold, u2 silver. Segment `big`: u2.
 *
 * Orders (local time):
 *   o0 u2 D0 12:00 paid      50        web   ← u2's first order
 *   o7 u6 2026-01-10 paid    30        web   ← u6's first order
 *   o2 u1 D1 10:00 completed 60        app   items 3 × p2 @ 20
 *   o8 u6 D1 12:00 paid      20        web
 *   o1 u1 D1 23:30 paid      100       app   items 2 × p1 @ 30, 1 × p2 @ 40  (23:30 local = 15:30Z, still D1)
 *   o3 u5 D2 00:30 refunded  40 (refunded 40) web   (00:30 local = D1 16:30Z, but D2 locally; u5 → u1)
 *   o4 u3 D2 09:00 cancelled 999       web   item 1 × p1 @ 999 (never counted)
 *   o5 u3 D2 10:00 created   500       web   (never counted)
 *   o6 u2 D2 12:00 shipped   80 (refunded 20) app   items 4 × p1 @ 20
 * Events (local time):
 *   e1 u1 D1 09:00 page_view app · e2 u1 D1 09:05 add_to_cart app · e3 u3 D1 11:00 add_to_cart web
 *   e4 u4 D1 11:30 page_view web · e5 u5 D2 00:10 page_view web (= D1 16:10Z; u5 → u1)
 *   e6 u2 D2 11:00 page_view app · e7 u2 D2 11:30 add_to_cart app · e8 u3 D2 09:00 product_view web
 * D3 has no facts at all.
 * Conversion events on 2026-03-10 (outside the other tests' ranges), session in brackets:
 *   u1 product_view 10:00 [s1] → add_to_cart 10:05 [s1]; checkout_start 10:10 → order_paid 10:20
 *   u2 product_view 10:00 [s2] → add_to_cart 11:00 [s3] (another session); checkout_start 10:10, never paid
 *   u3 product_view 10:00 [s4] → add_to_cart 03-11 09:00 [s4] (23 h later)
 *   u4 product_view 10:00 [s5] → add_to_cart 03-11 11:00 [s5] (25 h later, outside the 1-day window)
 */
export async function loadMetricFixture(db: Database): Promise<void> {
  await db.query(sql`
    insert into users (id, first_seen_at, last_seen_at, traits, merged_into) overriding system value values
      (1, '2026-01-01T00:00:00Z', '2026-03-02T00:00:00Z', '{"city":"上海","gender":"female","age":30}', null),
      (2, '2026-01-01T00:00:00Z', '2026-03-02T00:00:00Z', '{"city":"北京"}', null),
      (3, '2026-01-01T00:00:00Z', '2026-03-02T00:00:00Z', '{"city":"上海"}', null),
      (4, '2026-01-01T00:00:00Z', '2026-03-02T00:00:00Z', '{}', null),
      (5, '2026-01-01T00:00:00Z', '2026-03-02T00:00:00Z', '{"city":"深圳"}', 1),
      (6, '2026-01-01T00:00:00Z', '2026-03-02T00:00:00Z', '{"city":"北京"}', null)`);
  await db.query(sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (5, 1, 1)`);
  await db.query(sql`
    insert into products (id, name, category, brand, price) values
      ('p1', '面霜', 'beauty', 'A', 30), ('p2', 'T恤', 'apparel', 'B', 20)`);
  await db.query(sql`
    insert into orders (order_id, user_id, placed_at, status, total_amount, refunded_amount, channel, counted) values
      ('o0', 2, '2026-02-28T12:00:00+08:00', 'paid', 50, 0, 'web', true),
      ('o7', 6, '2026-01-10T12:00:00+08:00', 'paid', 30, 0, 'web', true),
      ('o2', 1, '2026-03-01T10:00:00+08:00', 'completed', 60, 0, 'app', true),
      ('o8', 6, '2026-03-01T12:00:00+08:00', 'paid', 20, 0, 'web', true),
      ('o1', 1, '2026-03-01T23:30:00+08:00', 'paid', 100, 0, 'app', true),
      ('o3', 5, '2026-03-02T00:30:00+08:00', 'refunded', 40, 40, 'web', true),
      ('o4', 3, '2026-03-02T09:00:00+08:00', 'cancelled', 999, 0, 'web', false),
      ('o5', 3, '2026-03-02T10:00:00+08:00', 'created', 500, 0, 'web', false),
      ('o6', 2, '2026-03-02T12:00:00+08:00', 'shipped', 80, 20, 'app', true)`);
  await db.query(sql`
    insert into order_items (order_id, line_no, user_id, product_id, quantity, unit_price) values
      ('o2', 1, 1, 'p2', 3, 20),
      ('o1', 1, 1, 'p1', 2, 30), ('o1', 2, 1, 'p2', 1, 40),
      ('o4', 1, 3, 'p1', 1, 999),
      ('o6', 1, 2, 'p1', 4, 20)`);
  await db.query(sql`
    insert into events (user_id, message_id, name, ts, channel, properties) values
      (1, 'e1', 'page_view', '2026-03-01T09:00:00+08:00', 'app', '{}'),
      (1, 'e2', 'add_to_cart', '2026-03-01T09:05:00+08:00', 'app', '{"product_id":"p1"}'),
      (3, 'e3', 'add_to_cart', '2026-03-01T11:00:00+08:00', 'web', '{"product_id":"p2"}'),
      (4, 'e4', 'page_view', '2026-03-01T11:30:00+08:00', 'web', '{}'),
      (5, 'e5', 'page_view', '2026-03-02T00:10:00+08:00', 'web', '{}'),
      (2, 'e6', 'page_view', '2026-03-02T11:00:00+08:00', 'app', '{}'),
      (2, 'e7', 'add_to_cart', '2026-03-02T11:30:00+08:00', 'app', '{"product_id":"p1"}'),
      (3, 'e8', 'product_view', '2026-03-02T09:00:00+08:00', 'web', '{"product_id":"p1","category":"beauty"}')`);
  await db.query(sql`
    insert into events (user_id, message_id, name, ts, session_id, channel) values
      (1, 'c1', 'product_view', '2026-03-10T10:00:00+08:00', 's1', 'app'),
      (1, 'c2', 'add_to_cart', '2026-03-10T10:05:00+08:00', 's1', 'app'),
      (1, 'c3', 'checkout_start', '2026-03-10T10:10:00+08:00', 's1', 'app'),
      (1, 'c4', 'order_paid', '2026-03-10T10:20:00+08:00', 's1', 'app'),
      (2, 'c5', 'product_view', '2026-03-10T10:00:00+08:00', 's2', 'app'),
      (2, 'c6', 'add_to_cart', '2026-03-10T11:00:00+08:00', 's3', 'app'),
      (2, 'c7', 'checkout_start', '2026-03-10T10:10:00+08:00', 's3', 'app'),
      (3, 'c8', 'product_view', '2026-03-10T10:00:00+08:00', 's4', 'web'),
      (3, 'c9', 'add_to_cart', '2026-03-11T09:00:00+08:00', 's4', 'web'),
      (4, 'c10', 'product_view', '2026-03-10T10:00:00+08:00', 's5', 'web'),
      (4, 'c11', 'add_to_cart', '2026-03-11T11:00:00+08:00', 's5', 'web')`);
  await db.query(sql`
    insert into tags (key, name, category, kind, updated_by) values ('vip', 'VIP', 'TIER', 'MANUAL', 'test')`);
  await db.query(sql`
    insert into tags (key, name, category, kind, updated_by) values ('tier', 'Tier', 'TIER', 'VALUE', 'test')`);
  await db.query(sql`
    insert into tag_members (tag_key, user_id, value) values ('vip', 1, null), ('tier', 1, 'gold'), ('tier', 2, 'silver')`);
  await db.query(sql`
    insert into segments (key, name, kind, updated_by) values ('big', 'Big spenders', 'STATIC', 'test')`);
  await db.query(sql`insert into segment_members (segment_key, user_id) values ('big', 2)`);
}
