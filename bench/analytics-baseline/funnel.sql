-- The funnel statement Stratum compiled before issue 18 (commit 8f840f1) for the 4-step funnel of
-- bench/analytics.bench.ts (30 days before the bench shop's end, Asia/Shanghai), parameters inlined.
-- The bench runs it beside today's compiler, checks both return the same rows and prints the ratio.
with matched as (
  select user_id, ts, id, g0, g1, g2, g3,
    
    row_number() over w as seq, count(*) filter (where g0) over w as cg0, count(*) filter (where g1) over w as cg1, count(*) filter (where g2) over w as cg2, count(*) filter (where g3) over w as cg3
  from (
    select f.user_id, f.ts, f.id, (f.name = 'product_view') as g0, (f.name = 'add_to_cart') as g1, (f.name = 'checkout_start') as g2, (f.name = 'order_paid') as g3
    from (
  select e.id, coalesce(m.survivor_id, e.user_id) as user_id, e.message_id, e.anonymous_id, e.name, e.ts, e.session_id, e.channel, e.platform, e.utm_source, e.utm_medium, e.utm_campaign, e.properties
  from events e left join user_merges m on m.loser_id = e.user_id
) f
    where f.ts >= '2026-10-26T00:00:00.000Z'::timestamptz and f.ts < '2026-11-25T00:00:00.000Z'::timestamptz + make_interval(secs => 1209600::int) and f.name = any('{"product_view","add_to_cart","checkout_start","order_paid"}'::text[])
      and true
  ) flagged
  window w as (partition by user_id order by ts, id rows between unbounded preceding and current row)
),
per_user as (
  select user_id, array_agg(ts) as ts, array_agg(cg0) as c0, coalesce(array_agg(seq) filter (where g0), '{}') as p0, array_agg(cg1) as c1, coalesce(array_agg(seq) filter (where g1), '{}') as p1, array_agg(cg2) as c2, coalesce(array_agg(seq) filter (where g2), '{}') as p2, array_agg(cg3) as c3, coalesce(array_agg(seq) filter (where g3), '{}') as p3, array_agg(seq) filter (where g0 and ts >= '2026-10-26T00:00:00.000Z'::timestamptz and ts < '2026-11-25T00:00:00.000Z'::timestamptz) as entries
  from (select * from matched order by user_id, ts, id) ordered
  group by user_id
),
best as (
  select b.user_id, b.bd as bd, b.reached, b.times from (
    select u.user_id, a.reached, a.times, a.bd
    from per_user u
    cross join lateral (
      select cardinality(array_remove(array[u.ts[e.q0], u.ts[h1.q], u.ts[h2.q], u.ts[h3.q]], null)) as reached, false as voided, array_remove(array[u.ts[e.q0], u.ts[h1.q], u.ts[h2.q], u.ts[h3.q]], null) as times, null::text as bd
      from unnest(u.entries) as e(q0)
      cross join lateral (select case when u.ts[z.c] <= u.ts[e.q0] + make_interval(secs => 1209600::int) then z.c end as q
      from (select u.p1[u.c1[e.q0] + 1] as c) z) h1
cross join lateral (select case when u.ts[z.c] <= u.ts[e.q0] + make_interval(secs => 1209600::int) then z.c end as q
      from (select u.p2[u.c2[h1.q] + 1] as c) z) h2
cross join lateral (select case when u.ts[z.c] <= u.ts[e.q0] + make_interval(secs => 1209600::int) then z.c end as q
      from (select u.p3[u.c3[h2.q] + 1] as c) z) h3
      order by 1 desc, 2, e.q0
      limit 1
    ) a
    where u.entries is not null and not a.voided
  ) b
)
select true as is_total, null::text as breakdown,
  count(*) filter (where reached >= 1)::int as c0, count(*) filter (where reached >= 2)::int as c1, avg(extract(epoch from (times[2] - times[1]))::float8) as avg1,
      percentile_cont(0.5) within group (order by extract(epoch from (times[2] - times[1]))::float8) as median1, count(*) filter (where reached >= 3)::int as c2, avg(extract(epoch from (times[3] - times[2]))::float8) as avg2,
      percentile_cont(0.5) within group (order by extract(epoch from (times[3] - times[2]))::float8) as median2, count(*) filter (where reached >= 4)::int as c3, avg(extract(epoch from (times[4] - times[3]))::float8) as avg3,
      percentile_cont(0.5) within group (order by extract(epoch from (times[4] - times[3]))::float8) as median3
from best 
order by is_total desc, c0 desc, breakdown
