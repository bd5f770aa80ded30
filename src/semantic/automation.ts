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

/**
 * When a delivery due at `due` (timestamptz) is due given quiet hours [`start`, `end`) (local
 * hours, wrapping midnight when start > end) in `zone`: `due` itself when its local hour is not
 * quiet, else the end of that quiet period — the first local `end`:00 after `due`, back in
 * absolute time (a local time a DST change skips or repeats resolves as PostgreSQL's
 * \`at time zone\` does).
 */
export function afterQuietHours(due: SQL, zone: SQL, start: SQL, end: SQL): SQL {
  const local = sql`(${due} at time zone ${zone})`;
  const hour = sql`extract(hour from ${local})::int`;
  const endToday = sql`(date_trunc('day', ${local}) + make_interval(hours => ${end}))`;
  return sql`(case when (case when ${start} < ${end} then ${hour} >= ${start} and ${hour} < ${end}
      else ${hour} >= ${start} or ${hour} < ${end} end)
    then (case when ${endToday} > ${local} then ${endToday} else ${endToday} + interval '1 day' end) at time zone ${zone}
    else ${due} end)`;
}

/** A cap's rolling window by `cap_per` (`DAY` = 24 h, `WEEK` = 7 × 24 h). */
const capWindow = sql`case t.cap_per when 'WEEK' then interval '7 days' else interval '1 day' end`;

/**
 * Inserts the outbox rows of `candidates` (columns `trigger_key`, `user_id`, `source`, `fact`,
 * `ordered_at`, `ordinal`, `user_timezone`: the zone trait, read by the candidates' own join to
 * `users` — under Citus a subquery correlated with a distributed table is refused) over the alias `t` of the trigger), one per (trigger, source): a fact seen again
 * (a retried batch, a concurrent writer of the same event) adds nothing. A capped trigger's row
 * is PENDING while the user's non-suppressed deliveries of that trigger in the rolling window,
 * plus those before it in this batch (by `ordered_at`, `ordinal`), stay under the cap; else SUPPRESSED,
 * kept so the cap's effect can be read back. A trigger with quiet hours makes a row due at the end
 * of the quiet period when now is quiet in the user's zone (`afterQuietHours`), else now.
 */
function enqueue(candidates: SQL, zones: UserZones): SQL {
  const trait = sql`x.user_timezone`;
  // A trait naming no zone falls back to the shop's instead of failing `at time zone`.
  const zone = sql`(case when ${trait} in (select name from pg_timezone_names) then ${trait}
    else ${zones.defaultTimezone}::text end)`;
  return sql`
    insert into deliveries (trigger_key, destination_key, user_id, source, fact, status, next_attempt_at)
    select c.trigger_key, c.destination, c.user_id, c.source, c.fact,
      case when c.cap_count is null
        or c.prior + row_number() over (partition by c.trigger_key, c.user_id order by c.ordered_at, c.ordinal) <= c.cap_count
      then 'PENDING' else 'SUPPRESSED' end,
      c.due
    from (
      select x.*, t.destination, t.cap_count,
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
  return enqueue(
    sql`
    -- The batch's events first, by message id (an index probe each; materialized, so the planner
    -- cannot start from the triggers and scan every event of their names, which it would on a
    -- fresh table's statistics). Uncorrelated: Citus runs it on the shards.
    with fired as materialized (
      select x.user_id, x.message_id, x.name, x.ts, x.properties,
        u.traits ->> ${zones.timezoneTrait}::text as user_timezone
      from events x left join users u on u.id = x.user_id
      where x.message_id = any(${textArray(messageIds)}))
    select t.key as trigger_key, e.user_id, 'event:' || e.message_id as source,
      jsonb_build_object('type', 'event', 'event', e.name, 'messageId', e.message_id,
        'timestamp', e.ts, 'properties', e.properties) as fact,
      e.ts as ordered_at, e.message_id as ordinal, e.user_timezone
    from fired e
    join triggers t on t.status = 'ACTIVE' and t.event = e.name
      and (t.event_where is null or e.properties @> t.event_where)
    -- Without active event triggers nothing is probed at all.
    where exists (select 1 from triggers a where a.status = 'ACTIVE' and a.event is not null)`,
    zones,
  );
}

/**
 * The outbox rows of the segment and tag entries and exits logged at `at` (one refresh) for
 * every active trigger on that entry or exit.
 */
export function enqueueMembershipTriggers(at: SQL, zones: UserZones = UTC_ZONES): SQL {
  return enqueue(
    sql`
    -- The changes of this refresh that a trigger names, read first (materialized) from the
    -- shards with their users' zone trait: Citus joins distributed tables to the trigger
    -- definitions only through such a result (the definitions stay on the coordinator).
    with changed as materialized (
      select 'segment' as kind, c.id, c.user_id, c.change, c.segment_key as key, null::text as value, c.at,
        u.traits ->> ${zones.timezoneTrait}::text as user_timezone
      from segment_membership_changes c
      left join users u on u.id = c.user_id
      where c.at = ${at} and c.segment_key in (
        select segment_entered from triggers where status = 'ACTIVE' and segment_entered is not null
        union select segment_exited from triggers where status = 'ACTIVE' and segment_exited is not null)
      union all
      select 'tag', c.id, c.user_id, c.change, c.tag_key, c.value, c.at,
        u.traits ->> ${zones.timezoneTrait}::text
      from tag_membership_changes c
      left join users u on u.id = c.user_id
      where c.at = ${at} and c.tag_key in (
        select tag_entered from triggers where status = 'ACTIVE' and tag_entered is not null
        union select tag_exited from triggers where status = 'ACTIVE' and tag_exited is not null))
    select t.key as trigger_key, c.user_id, c.kind || ':' || c.id as source,
      case c.kind when 'segment'
        then jsonb_build_object('type', 'segment_' || c.change, 'segment', c.key, 'at', c.at)
        else jsonb_build_object('type', 'tag_' || c.change, 'tag', c.key, 'value', c.value, 'at', c.at) end as fact,
      c.at as ordered_at, lpad(c.id::text, 20, '0') as ordinal, c.user_timezone
    from changed c
    join triggers t on t.status = 'ACTIVE' and (c.kind = 'segment' and (
        (c.change = 'entered' and t.segment_entered = c.key) or (c.change = 'exited' and t.segment_exited = c.key))
      or c.kind = 'tag' and (
        (c.change = 'entered' and t.tag_entered = c.key) or (c.change = 'exited' and t.tag_exited = c.key)))`,
    zones,
  );
}

/**
 * Claims up to `limit` due PENDING deliveries for one worker: locked rows are skipped (another
 * worker holds them), the claimed ones count an attempt and move `leaseSeconds` into the future,
 * so no other worker takes them while this one sends; a worker that dies leaves them to be
 * claimed again once the lease ends (at-least-once). Answers what sending needs.
 */
export function claimDueDeliveries(limit: number, leaseSeconds: number): SQL {
  return sql`
    update deliveries d set attempts = d.attempts + 1,
      next_attempt_at = now() + make_interval(secs => ${leaseSeconds}::int)
    from destinations ds
    where d.id in (
        select id from deliveries
        where status = 'PENDING' and next_attempt_at <= now()
        order by next_attempt_at, id limit ${limit}::int
        for update skip locked)
      and ds.key = d.destination_key
    returning d.id, d.trigger_key as "triggerKey", d.destination_key as "destinationKey",
      d.user_id as "userId", d.fact, d.body, d.attempts, d.created_at as "createdAt",
      ds.url, ds.secret, ds.headers, ds.rate_limit as "rateLimit", ds.include_pii as "includePii",
      (select u.traits from users u where u.id = d.user_id) as traits`;
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
