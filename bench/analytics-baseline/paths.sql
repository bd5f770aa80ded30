-- The paths statement Stratum compiled before issue 18 (commit 8f840f1) for the 5-step paths of
-- bench/analytics.bench.ts (30 days before the bench shop's end, Asia/Shanghai), parameters inlined.
-- The bench runs it beside today's compiler, checks both return the same rows and prints the ratio.
with marked as (
  select e.user_id, e.ts, e.id, e.name, lag(e.ts) over w as prev_ts, lag(e.name) over w as prev_name
  from (
  select e.id, coalesce(m.survivor_id, e.user_id) as user_id, e.message_id, e.anonymous_id, e.name, e.ts, e.session_id, e.channel, e.platform, e.utm_source, e.utm_medium, e.utm_campaign, e.properties
  from events e left join user_merges m on m.loser_id = e.user_id
) e
  where e.ts >= '2026-10-26T00:00:00.000Z'::timestamptz and e.ts < '2026-11-25T00:00:00.000Z'::timestamptz
    
    and true
  window w as (partition by e.user_id order by e.ts, e.id)
),
sessioned as (
  select user_id, ts, id, name,
    (prev_ts is not null and ts - prev_ts <= make_interval(mins => 30::int) and prev_name = name) as repeated,
    sum(case when prev_ts is null or ts - prev_ts > make_interval(mins => 30::int) then 1 else 0 end)
      over (partition by user_id order by ts, id rows unbounded preceding) as session_no
  from marked
),
session_paths as (
  select user_id, array_agg(name order by ts, id) as names
  from sessioned where not repeated group by user_id, session_no
),
paths as (
  select user_id, step_offset, names[first_pos:last_pos] as path from (select user_id, names, p as first_pos, p + 4::int as last_pos, 0 as step_offset
      from (select user_id, names, array_position(names, 'page_view') as p from session_paths) s where p is not null) w
),
steps as (
  select p.user_id, (p.step_offset + u.ord)::int as step, u.name, p.path[u.ord + 1] as target
  from paths p cross join lateral unnest(p.path) with ordinality as u(name, ord)
),
links as (
  select step, name as event, target, count(*)::int as users
  from (select distinct user_id, step, name, target from steps where target is not null) d
  group by step, name, target
  order by users desc, step, name, target
  limit 50
)
select 'node' as kind, step, name as event, null::text as target, count(*)::int as users
from (select distinct user_id, step, name from steps) d group by step, name
union all
select 'link', step, event, target, users from links
order by kind desc, step, users desc, event, target
