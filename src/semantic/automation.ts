import { type SQL, sql } from "drizzle-orm";
import { bigintArray, textArray } from "./arrays";
import { CAMPAIGN_PROPERTY, CAMPAIGN_TOUCH_EVENTS } from "./campaigns";

/**
 * The outbox statements of triggers (`src/automation`): candidates of a batch of facts, the
 * frequency cap and the claim of due deliveries. No I/O: callers run them in the transaction
 * of the fact, so an outbox row exists exactly when its fact was committed.
 */

/** Where a user's local hours are read: the trait naming an IANA zone, else `defaultTimezone` (the shop's). */
export interface UserZones {
  timezoneTrait: string;
  defaultTimezone: string;
}

/**
 * Services built without a send-time model (tests that construct them bare) read every user's
 * local hours in UTC, the trait still first.
 */
const UTC_ZONES: UserZones = { timezoneTrait: "timezone", defaultTimezone: "UTC" };

/** Whether the local hour `hour` lies in the quiet hours [`start`, `end`) (wrapping midnight when start > end). */
const isQuietHour = (hour: SQL, start: SQL, end: SQL) =>
  sql`(case when ${start} < ${end} then ${hour} >= ${start} and ${hour} < ${end}
      else ${hour} >= ${start} or ${hour} < ${end} end)`;

/**
 * When a delivery due at `due` (timestamptz) is due given quiet hours [`start`, `end`) (local
 * hours, wrapping midnight when start > end) in `zone`: `due` itself when its local hour is not
 * quiet, else the end of that quiet period — the first local `end`:00 after `due`, back in
 * absolute time (a local time a DST change skips or repeats resolves as PostgreSQL's
 * \`at time zone\` does).
 */
export function afterQuietHours(due: SQL, zone: SQL, start: SQL, end: SQL): SQL {
  const local = sql`((${due}) at time zone ${zone})`;
  const hour = sql`extract(hour from ${local})::int`;
  const endToday = sql`(date_trunc('day', ${local}) + make_interval(hours => ${end}))`;
  return sql`(case when ${isQuietHour(hour, start, end)}
    then (case when ${endToday} > ${local} then ${endToday} else ${endToday} + interval '1 day' end) at time zone ${zone}
    else (${due}) end)`;
}

/** The zone trait of the profile row `users` (an alias of `users`), as text; null when absent. */
const zoneTrait = (zones: UserZones, users: string) =>
  sql`(${sql.raw(users)}.traits ->> ${zones.timezoneTrait}::text)`;

/**
 * The zone a user's zone trait `trait` stands for: the trait when it names an IANA zone, else
 * the shop's — a trait naming no zone does not fail `at time zone`.
 */
const zoneOf = (zones: UserZones, trait: SQL) =>
  sql`(case when ${trait} in (select name from pg_timezone_names) then ${trait}
    else ${zones.defaultTimezone}::text end)`;

/** The zone of the user `userId` (a column or expression), read from the profile. */
function userZone(zones: UserZones, userId: SQL): SQL {
  return sql`(select ${zoneOf(zones, zoneTrait(zones, "u"))} from users u where u.id = ${userId})`;
}

/**
 * The first time at or after `from` whose local hour in `zone` is `hour`: `from` itself when
 * its local hour is `hour`, else the next local `hour`:00.
 */
export function nextLocalHour(from: SQL, zone: SQL, hour: SQL): SQL {
  const local = sql`(${from} at time zone ${zone})`;
  const today = sql`(date_trunc('day', ${local}) + make_interval(hours => ${hour}))`;
  return sql`(case when extract(hour from ${local})::int = ${hour} then ${from}
    else (case when ${today} > ${local} then ${today} else ${today} + interval '1 day' end) at time zone ${zone} end)`;
}

/** A cap's rolling window by `cap_per` (`DAY` = 24 h, `WEEK` = 7 × 24 h). */
const capWindow = sql`case t.cap_per when 'WEEK' then interval '7 days' else interval '1 day' end`;

/**
 * Inserts the outbox rows of `candidates` (columns `trigger_key`, `user_id`, `source`, `fact`,
 * `ordered_at`, `ordinal`, `zone_trait`), one per (trigger, source): a fact seen again
 * (a retried batch, a concurrent writer of the same event) adds nothing. A capped trigger's row
 * is PENDING while the user's non-suppressed deliveries of that trigger in the rolling window,
 * plus those before it in this batch (by `ordered_at`, `ordinal`), stay under the cap; else SUPPRESSED,
 * kept so the cap's effect can be read back. A trigger with quiet hours makes a row due at the end
 * of the quiet period when now is quiet in the user's zone (`afterQuietHours`), else now; such a
 * deferred row, and every row of a best-time trigger, is `best_time_pending`: the worker moves it to
 * the user's best send hour before it may be claimed (`bestTimePlacement`), the due time written
 * here being the fallback. The candidates carry the user's zone trait (`zone_trait`, `zoneTrait`),
 * read with their facts: `with` holds the CTEs they read — the batch's facts (`as materialized`,
 * so under Citus they come from the shards first and the rest, over the coordinator's outbox and
 * triggers, runs there) or a data-modifying one (schedule runs).
 */
function enqueue(candidates: SQL, zones: UserZones = UTC_ZONES, withClause: SQL = sql``): SQL {
  const zone = zoneOf(zones, sql`x.zone_trait`);
  return sql`${withClause}
    insert into deliveries (trigger_key, destination_key, user_id, source, fact, status, next_attempt_at, best_time_pending)
    select c.trigger_key, c.destination, c.user_id, c.source, c.fact,
      case when c.cap_count is null
        or c.prior + row_number() over (partition by c.trigger_key, c.user_id order by c.ordered_at, c.ordinal) <= c.cap_count
      then 'PENDING' else 'SUPPRESSED' end,
      c.due, c.best_time or c.due > now()
    from (
      select x.*, t.destination, t.cap_count, t.best_time,
        case when t.quiet_start is null then now()
          else ${afterQuietHours(sql`now()`, zone, sql`t.quiet_start`, sql`t.quiet_end`)} end as due,
        case when t.cap_count is null then 0 else (
          select count(*) from deliveries d
          where d.trigger_key = t.key and d.user_id = x.user_id and d.status <> 'SUPPRESSED'
            and d.created_at > now() - ${capWindow}) end as prior
      from (${candidates}) x join triggers t on t.key = x.trigger_key
    ) c
    order by c.trigger_key, c.user_id, c.ordered_at, c.ordinal
    on conflict (trigger_key, source) do nothing`;
}

/**
 * The outbox rows of the events with these message ids (a JSON array as text, the batch just
 * written) for every active event trigger of their name whose `where` their properties contain.
 */
export function enqueueEventTriggers(messageIds: readonly string[], zones: UserZones = UTC_ZONES): SQL {
  // The batch's events of a name some active trigger watches, with their user's zone trait
  // (events and users are co-located by user); without active event triggers none are read.
  const batch = sql`with batch as materialized (
    select e.user_id, e.message_id, e.name, e.ts, e.properties, ${zoneTrait(zones, "u")} as zone_trait
    from events e left join users u on u.id = e.user_id
    where e.message_id = any(${textArray(messageIds)})
      and e.name in (select a.event from triggers a where a.status = 'ACTIVE' and a.event is not null))`;
  return enqueue(
    sql`
    select t.key as trigger_key, e.user_id, 'event:' || e.message_id as source,
      jsonb_build_object('type', 'event', 'event', e.name, 'messageId', e.message_id,
        'timestamp', e.ts, 'properties', e.properties) as fact,
      e.ts as ordered_at, e.message_id as ordinal, e.zone_trait
    from batch e
    join triggers t on t.status = 'ACTIVE' and t.event = e.name
      and (t.event_where is null or e.properties @> t.event_where)`,
    zones,
    batch,
  );
}

/**
 * The outbox rows of the segment and tag entries and exits logged at `at` (one refresh) for
 * every active trigger on that entry or exit.
 */
export function enqueueMembershipTriggers(at: SQL, zones: UserZones = UTC_ZONES): SQL {
  // The refresh's entries and exits of a definition some active trigger watches, with their
  // user's zone trait (each log is co-located with users), read before the triggers are joined.
  const logged = sql`with segment_changes as materialized (
    select c.id, c.user_id, c.segment_key, c.change, c.at, ${zoneTrait(zones, "u")} as zone_trait
    from segment_membership_changes c left join users u on u.id = c.user_id
    where c.at = ${at} and c.segment_key in (
      select segment_entered from triggers where status = 'ACTIVE' and segment_entered is not null
      union select segment_exited from triggers where status = 'ACTIVE' and segment_exited is not null)
  ), tag_changes as materialized (
    select c.id, c.user_id, c.tag_key, c.change, c.value, c.at, ${zoneTrait(zones, "u")} as zone_trait
    from tag_membership_changes c left join users u on u.id = c.user_id
    where c.at = ${at} and c.tag_key in (
      select tag_entered from triggers where status = 'ACTIVE' and tag_entered is not null
      union select tag_exited from triggers where status = 'ACTIVE' and tag_exited is not null))`;
  return enqueue(
    sql`
    select t.key as trigger_key, c.user_id, 'segment:' || c.id as source,
      jsonb_build_object('type', 'segment_' || c.change, 'segment', c.segment_key, 'at', c.at) as fact,
      c.at as ordered_at, lpad(c.id::text, 20, '0') as ordinal, c.zone_trait
    from segment_changes c
    join triggers t on t.status = 'ACTIVE' and (
      (c.change = 'entered' and t.segment_entered = c.segment_key)
      or (c.change = 'exited' and t.segment_exited = c.segment_key))
    union all
    select t.key, c.user_id, 'tag:' || c.id,
      jsonb_build_object('type', 'tag_' || c.change, 'tag', c.tag_key, 'value', c.value, 'at', c.at),
      c.at, lpad(c.id::text, 20, '0'), c.zone_trait
    from tag_changes c
    join triggers t on t.status = 'ACTIVE' and (
      (c.change = 'entered' and t.tag_entered = c.tag_key)
      or (c.change = 'exited' and t.tag_exited = c.tag_key))`,
    zones,
    logged,
  );
}

/**
 * Claims up to `limit` due PENDING deliveries for one worker: locked rows are skipped (another
 * worker holds them), the claimed ones count an attempt and move `leaseSeconds` into the future,
 * so no other worker takes them while this one sends; a worker that dies leaves them to be
 * claimed again once the lease ends (at-least-once). Rows awaiting best-time placement are not
 * due yet. Answers what sending needs.
 */
export function claimDueDeliveries(limit: number, leaseSeconds: number): SQL {
  // The claimed rows' traits are joined after the update, not read by a subquery per returned
  // row: under Citus the profiles are distributed and the outbox is the coordinator's.
  return sql`
    with claimed as (
    update deliveries d set attempts = d.attempts + 1,
      next_attempt_at = now() + make_interval(secs => ${leaseSeconds}::int)
    from destinations ds
    where d.id in (
        select id from deliveries
        where status = 'PENDING' and next_attempt_at <= now() and not best_time_pending
        order by next_attempt_at, id limit ${limit}::int
        for update skip locked)
      and ds.key = d.destination_key
    returning d.id, d.trigger_key as "triggerKey", d.destination_key as "destinationKey",
      d.user_id as "userId", d.fact, d.body, d.attempts, d.created_at as "createdAt",
      ds.url, ds.secret, ds.headers, ds.rate_limit as "rateLimit", ds.include_pii as "includePii")
    select c.*, u.traits from claimed c left join users u on u.id = c."userId"`;
}

/**
 * The `campaign_sent` touches of the deliveries `deliveryIds` that are
 * DELIVERED and whose trigger names a campaign: one event per delivery at its `delivered_at`,
 * properties `{ campaign, delivery }`. The message id is derived from the delivery id, so a
 * delivery recorded again (a resend after a lease ran out) adds nothing. Run in the transaction
 * that marks the deliveries delivered.
 */
export function recordCampaignTouches(deliveryIds: readonly number[]): SQL {
  const sent = CAMPAIGN_TOUCH_EVENTS.sent;
  return sql`
    insert into events (user_id, message_id, name, ts, properties)
    select d.user_id, 'stratum-delivery-' || d.id || ':' || ${sent}::text, ${sent}::text, d.delivered_at,
      jsonb_build_object(${CAMPAIGN_PROPERTY}::text, t.campaign, 'delivery', d.id)
    from deliveries d join triggers t on t.key = d.trigger_key
    where d.id = any(${bigintArray(deliveryIds)})
      and d.status = 'DELIVERED' and t.campaign is not null
    -- No arbiter: the message id key is (message_id), or (user_id, message_id) under Citus.
    on conflict do nothing`;
}

/** Deliveries one placement round moves to best send hours. */
export const PLACEMENT_BATCH = 500;

/** The PENDING deliveries whose due time waits for a best-time placement, oldest first. */
export const deliveriesAwaitingPlacement = sql`
  select id, user_id as "userId" from deliveries
  where best_time_pending and status = 'PENDING' order by id limit ${PLACEMENT_BATCH}`;

/**
 * Places deliveries awaiting it (`placements`: JSON array of `{ id, zone, hour }`, `hour` the
 * user's best local send hour, null where the user's own activity names none): due at the next
 * local `hour` from now (now when it is that hour) unless that hour is one of the trigger's quiet
 * hours, else at the fallback written when the row was (the end of the quiet period, or now).
 * Only rows still awaiting placement change, so two workers placing one row agree.
 */
export function placeAtBestTimes(placements: string): SQL {
  const hour = sql`x.hour`;
  return sql`
    update deliveries d set best_time_pending = false,
      next_attempt_at = case
        when x.hour is null then d.next_attempt_at
        when t.quiet_start is not null and ${isQuietHour(hour, sql`t.quiet_start`, sql`t.quiet_end`)} then d.next_attempt_at
        else ${nextLocalHour(sql`now()`, sql`x.zone`, hour)} end
    from json_to_recordset(${placements}::json) as x(id bigint, zone text, hour int), triggers t
    where d.id = x.id and t.key = d.trigger_key and d.best_time_pending`;
}

/**
 * The rows of `relation` (alias `x`: a delivery `id` and the retry `delay` in milliseconds) with
 * `retry_at`, when the retry is due: now + delay, unless that falls in the trigger's quiet hours
 * in the user's zone, then their end; `deferred` says it moved (the worker places it at the
 * user's best send hour again, as a new row deferred by quiet hours).
 */
export function withRetryTimes(relation: SQL, zones: UserZones = UTC_ZONES): SQL {
  const raw = sql`w.raw_retry`;
  return sql`(select x.*, r.retry_at, r.retry_at > w.raw_retry as deferred
    from ${relation}
    join deliveries d0 on d0.id = x.id join triggers t on t.key = d0.trigger_key
    cross join lateral (select now() + make_interval(secs => x.delay / 1000.0) as raw_retry) w
    cross join lateral (select ${userZone(zones, sql`d0.user_id`)} as zone) z
    cross join lateral (select case when t.quiet_start is null then ${raw}
      else ${afterQuietHours(raw, sql`z.zone`, sql`t.quiet_start`, sql`t.quiet_end`)} end as retry_at) r)`;
}

/**
 * Reserves send slots of rate-limited destinations for every worker process at once (`wanted`:
 * JSON array of `{ key, n, rate }`, n deliveries wanted at `rate` per second). Each destination's
 * row is locked while its `next_slot` moves on by k / rate seconds, k ≤ n the slots that begin
 * within `maxWaitMs` of now; a worker waiting for the lock of a concurrent one re-reads the row
 * it committed (read committed), so reservations never overlap. Answers per destination `k` and
 * `offsetMs`, the first slot's distance from now (slot i begins at offsetMs + i × 1000 / rate).
 * The rows must exist (`ensureRateSlots`).
 */
export function reserveRateSlots(wanted: string, maxWaitMs: number): SQL {
  const start = sql`greatest(s.next_slot, clock_timestamp())`;
  const slots = sql`least(x.n, greatest(0,
    floor((${maxWaitMs}::float8 / 1000 - extract(epoch from ${start} - clock_timestamp())) * x.rate)::int + 1))`;
  return sql`
    update destination_rate_slots s set window_start = ${start},
      next_slot = ${start} + make_interval(secs => ${slots}::float8 / x.rate)
    from json_to_recordset(${wanted}::json) as x(key text, n int, rate int)
    where s.destination_key = x.key
    returning s.destination_key as key,
      round(extract(epoch from s.next_slot - s.window_start) * x.rate)::int as k,
      greatest(0, extract(epoch from s.window_start - clock_timestamp()) * 1000)::float8 as "offsetMs"`;
}

/** The slot rows of the destinations `keys` (JSON array as text), created where missing. */
export function ensureRateSlots(keys: readonly string[]): SQL {
  return sql`insert into destination_rate_slots (destination_key)
    select unnest(${textArray(keys)}) on conflict (destination_key) do nothing`;
}

/**
 * The latest run time at or before now of the schedule of trigger `t`, in `zone` (the shop's):
 * `DAY` — today's local `schedule_at`, else yesterday's; `WEEK` — this ISO week's
 * `schedule_weekday` at `schedule_at`, else last week's.
 */
function latestRun(zone: string): SQL {
  const local = sql`(now() at time zone ${zone}::text)`;
  const at = sql`t.schedule_at::interval`;
  const day = sql`(date_trunc('day', ${local}) + ${at})`;
  const week = sql`(date_trunc('week', ${local}) + make_interval(days => t.schedule_weekday - 1) + ${at})`;
  return sql`(case t.schedule_every
    when 'WEEK' then (case when ${week} <= ${local} then ${week} else ${week} - interval '7 days' end)
    else (case when ${day} <= ${local} then ${day} else ${day} - interval '1 day' end) end) at time zone ${zone}::text`;
}

/**
 * Starts the due runs of schedule triggers: for every active schedule trigger whose latest run
 * time (`latestRun`, in the shop's zone) is not before the trigger was last created or changed
 * (`updated_at`: a new schedule never fires for a time already past) and not yet in
 * `schedule_runs`, the run is recorded and its audience's outbox rows written, in ONE statement
 * (so a run and its rows commit together): the members of `schedule_segment`, of `schedule_tag`,
 * or every active profile. Sources are `schedule:<run time, UTC ISO>:<user id>`, so a run seen
 * again adds nothing; a concurrent worker's insert of the same run waits for this one and then
 * adds nothing (primary key). Only the latest
 * run counts: runs missed while no worker ran are not made up, the latest is sent late.
 */
export function startScheduleRuns(zones: UserZones = UTC_ZONES): SQL {
  const runs = sql`runs as (
    insert into schedule_runs (trigger_key, run_at)
    select t.key, r.run_at from triggers t
    cross join lateral (select ${latestRun(zones.defaultTimezone)} as run_at) r
    where t.status = 'ACTIVE' and t.schedule_every is not null and r.run_at >= t.updated_at
    on conflict (trigger_key, run_at) do nothing
    returning trigger_key, run_at)`;
  const candidates = sql`
    select r.trigger_key, m.user_id,
      'schedule:' || to_char(r.run_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ':' || m.user_id as source,
      jsonb_build_object('type', 'schedule', 'runAt', r.run_at,
        'segment', t.schedule_segment, 'tag', t.schedule_tag) as fact,
      r.run_at as ordered_at, lpad(m.user_id::text, 20, '0') as ordinal, ${zoneTrait(zones, "zu")} as zone_trait
    from runs r join triggers t on t.key = r.trigger_key
    cross join lateral (
      select sm.user_id from segment_members sm
      where t.schedule_segment is not null and sm.segment_key = t.schedule_segment
      union all
      select tm.user_id from tag_members tm where t.schedule_tag is not null and tm.tag_key = t.schedule_tag
      union all
      select u.id from users u
      where t.schedule_segment is null and t.schedule_tag is null and u.merged_into is null) m
    left join users zu on zu.id = m.user_id`;
  return sql`${enqueue(candidates, zones, sql`with ${runs}`)}`;
}
