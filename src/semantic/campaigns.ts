import { type SQL, sql } from "drizzle-orm";
import { countedOrders, mergeSurvivor, resolvedEvents } from "./facts";

/**
 * Campaign SQL: the frozen audience written at launch (the target segment's members split by
 * GrowthBook's hash, in the database), the audience as a rule term, and a campaign's results
 * (touches, conversions per arm, the daily series) in one statement.
 */

/** The touch events a channel sends back, each with a `campaign` property naming the campaign key. */
export const CAMPAIGN_TOUCH_EVENTS = {
  sent: "campaign_sent",
  delivered: "campaign_delivered",
  opened: "campaign_opened",
  clicked: "campaign_clicked",
} as const;
export const CAMPAIGN_PROPERTY = "campaign";

export const CAMPAIGN_ARMS = { TREATMENT: "treatment", HOLDOUT: "holdout" } as const;

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;
const TWO_TO_32 = 4294967296;
const DAY_MS = 86_400_000;

/**
 * One FNV-1a 32 pass over the text column `s` of `input` (columns user_id, s), as a recursive
 * CTE named `name` with columns (user_id, s, i, h): the row with i = length(s) + 1 holds the hash.
 * Characters are read as their code points, which equal the UTF-16 code units GrowthBook's
 * JavaScript hashes for the ASCII of keys and numeric ids. h < 2³² and the prime < 2²⁵, so
 * every product fits a bigint before the modulo.
 */
function fnv1aPass(name: string, input: string): SQL {
  const n = sql.raw(name);
  return sql`${n}(user_id, s, i, h) as (
      select user_id, s, 1, ${sql.raw(String(FNV_OFFSET))}::bigint from ${sql.raw(input)}
      union all
      select user_id, s, i + 1,
        ((h # ascii(substr(s, i, 1))::bigint) * ${sql.raw(String(FNV_PRIME))}) % ${sql.raw(String(TWO_TO_32))}
      from ${n} where i <= length(s)
    )`;
}

export interface LaunchAudienceQuery {
  campaignKey: string;
  /** Hash seed: the campaign key. */
  seed: string;
  segment: string;
  /** Units whose bucket is below this share form the holdout. */
  holdoutShare: number;
}

/**
 * Freezes a campaign's audience in one statement: every current member of the target
 * segment, bucketed by GrowthBook's hash version 2 — `fnv1a32(String(fnv1a32(seed + id))) %
 * 10000 / 10000` over the user id as text — computed in the database, then split as a
 * GrowthBook experiment with variations [holdout, treatment] and weights [share, 1 − share]
 * would split it: bucket < share is the holdout. Returns one row (audience, treated, holdout).
 */
export function compileLaunchAudience(query: LaunchAudienceQuery): { statement: SQL } {
  const statement = sql`
    with recursive members as (
      select sm.user_id, ${query.seed}::text || sm.user_id::text as s
      from segment_members sm where sm.segment_key = ${query.segment}
    ),
    ${fnv1aPass("first_pass", "members")},
    first_hash as (select user_id, h::text as s from first_pass where i = length(s) + 1),
    ${fnv1aPass("second_pass", "first_hash")},
    buckets as (
      select user_id, (h % 10000)::float8 / 10000 as bucket from second_pass where i = length(s) + 1
    ),
    inserted as (
      insert into campaign_audience (campaign_key, user_id, arm, bucket)
      select ${query.campaignKey}, user_id,
        case when bucket < ${query.holdoutShare}::float8 then ${CAMPAIGN_ARMS.HOLDOUT} else ${CAMPAIGN_ARMS.TREATMENT} end,
        bucket
      from buckets
      returning arm
    )
    select count(*)::int as audience,
      (count(*) filter (where arm = ${CAMPAIGN_ARMS.TREATMENT}))::int as treated,
      (count(*) filter (where arm = ${CAMPAIGN_ARMS.HOLDOUT}))::int as holdout
    from inserted`;
  return { statement };
}

/**
 * Subquery of the profiles in a campaign's frozen treatment arm (stored ids resolved to their
 * surviving profiles), for the rule term `in_campaign`.
 */
export function campaignTreatmentIds(campaignKey: string): SQL {
  const owner = mergeSurvivor(sql`ca.user_id`);
  return sql`(select ${owner.id} from campaign_audience ca ${owner.join}
    where ca.campaign_key = ${campaignKey} and ca.arm = ${CAMPAIGN_ARMS.TREATMENT})`;
}

export interface CampaignResultsQuery {
  campaignKey: string;
  launchedAt: Date;
  /** Conversions count in [launchedAt, launchedAt + attributionDays × 24 h). */
  attributionDays: number;
  /** An event name that converts; null: a counted order. */
  conversionEvent: string | null;
  /** The time zone of the daily series' days. */
  timezone: string;
}

/** One day of a campaign: users first reached per touch, units first converting per arm. */
export interface CampaignDayRow {
  day: string;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  treated_conversions: number;
  holdout_conversions: number;
}

/** The one row of a campaign's results. */
export interface CampaignResultsRow {
  audience: number;
  treated: number;
  holdout: number;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  holdout_touched: number;
  treated_conversions: number;
  holdout_conversions: number;
  treated_revenue: number;
  holdout_revenue: number;
  window_end: Date | string;
  daily: CampaignDayRow[] | null;
}

/**
 * A campaign's results in one statement. Units are the frozen audience, each stored id resolved
 * to its surviving profile (two members merged into one count once, in the holdout if either
 * was). Touch counts are distinct users with the touch event (property `campaign` = the key)
 * since the launch. A unit converts with a conversion (a counted order, or the configured event)
 * in [launch, launch + attribution days); revenue is its counted orders' totals in that window.
 * `daily` lists every day (in `timezone`) from the launch day to the later of the window's last
 * day and the last touch: users first reached per touch and units first converting per arm, so
 * the days add up to the totals.
 */
export function compileCampaignResults(query: CampaignResultsQuery): { statement: SQL } {
  const launch = sql`${query.launchedAt.toISOString()}::timestamptz`;
  const windowEnd = sql`${new Date(query.launchedAt.getTime() + query.attributionDays * DAY_MS).toISOString()}::timestamptz`;
  const owner = mergeSurvivor(sql`a.user_id`);
  const touchNames = Object.values(CAMPAIGN_TOUCH_EVENTS);
  const day = (ts: SQL) => sql`((${ts}) at time zone ${query.timezone}::text)::date`;
  const conversions = query.conversionEvent
    ? sql`select e.user_id, min(e.ts) as first_at from ${resolvedEvents} e
        where e.name = ${query.conversionEvent} and e.ts >= ${launch} and e.ts < ${windowEnd}
        group by e.user_id`
    : sql`select user_id, first_at from window_orders`;
  const touched = (name: string) => sql`(count(*) filter (where t.name = ${name}))::int`;
  const statement = sql`
    with audience as (
      select ${owner.id} as user_id, min(a.arm) as arm
      from campaign_audience a ${owner.join}
      where a.campaign_key = ${query.campaignKey}
      group by 1
    ),
    touches as (
      select e.user_id, e.name, min(e.ts) as first_at
      from ${resolvedEvents} e
      where e.name in (${sql.join(
        touchNames.map((name) => sql`${name}::text`),
        sql`, `,
      )})
        and e.properties ->> ${CAMPAIGN_PROPERTY} = ${query.campaignKey} and e.ts >= ${launch}
      group by e.user_id, e.name
    ),
    window_orders as (
      select o.user_id, min(o.placed_at) as first_at, sum(o.total_amount)::float8 as revenue
      from ${countedOrders} o
      where o.placed_at >= ${launch} and o.placed_at < ${windowEnd}
      group by o.user_id
    ),
    conversions as (${conversions}),
    per_unit as (
      select x.user_id, x.arm, c.first_at as converted_at, coalesce(r.revenue, 0) as revenue
      from audience x
      left join conversions c on c.user_id = x.user_id
      left join window_orders r on r.user_id = x.user_id
    ),
    days as (
      select d::date as day from generate_series(
        ${day(launch)}::timestamp,
        greatest(${day(sql`${windowEnd} - interval '1 microsecond'`)},
          coalesce((select max(${day(sql`first_at`)}) from touches), ${day(launch)}))::timestamp,
        interval '1 day') d
    ),
    daily as (
      select d.day,
        coalesce(td.sent, 0) as sent, coalesce(td.delivered, 0) as delivered,
        coalesce(td.opened, 0) as opened, coalesce(td.clicked, 0) as clicked,
        coalesce(cd.treated, 0) as treated_conversions, coalesce(cd.holdout, 0) as holdout_conversions
      from days d
      left join (
        select ${day(sql`t.first_at`)} as day, ${touched(CAMPAIGN_TOUCH_EVENTS.sent)} as sent,
          ${touched(CAMPAIGN_TOUCH_EVENTS.delivered)} as delivered, ${touched(CAMPAIGN_TOUCH_EVENTS.opened)} as opened,
          ${touched(CAMPAIGN_TOUCH_EVENTS.clicked)} as clicked
        from touches t group by 1
      ) td on td.day = d.day
      left join (
        select ${day(sql`u.converted_at`)} as day,
          (count(*) filter (where u.arm = ${CAMPAIGN_ARMS.TREATMENT}))::int as treated,
          (count(*) filter (where u.arm = ${CAMPAIGN_ARMS.HOLDOUT}))::int as holdout
        from per_unit u where u.converted_at is not null group by 1
      ) cd on cd.day = d.day
    )
    select
      (select count(*) from audience)::int as audience,
      (select count(*) from audience where arm = ${CAMPAIGN_ARMS.TREATMENT})::int as treated,
      (select count(*) from audience where arm = ${CAMPAIGN_ARMS.HOLDOUT})::int as holdout,
      t.sent, t.delivered, t.opened, t.clicked,
      -- intersect, not a join: the planner underestimates both CTEs and would nest loops over them.
      (select count(*) from (
        select user_id from touches where name = ${CAMPAIGN_TOUCH_EVENTS.sent}
        intersect select user_id from audience where arm = ${CAMPAIGN_ARMS.HOLDOUT}) s)::int as holdout_touched,
      (select count(*) from per_unit where arm = ${CAMPAIGN_ARMS.TREATMENT} and converted_at is not null)::int as treated_conversions,
      (select count(*) from per_unit where arm = ${CAMPAIGN_ARMS.HOLDOUT} and converted_at is not null)::int as holdout_conversions,
      (select coalesce(sum(revenue), 0) from per_unit where arm = ${CAMPAIGN_ARMS.TREATMENT})::float8 as treated_revenue,
      (select coalesce(sum(revenue), 0) from per_unit where arm = ${CAMPAIGN_ARMS.HOLDOUT})::float8 as holdout_revenue,
      ${windowEnd} as window_end,
      (select json_agg(json_build_object(
          'day', to_char(day, 'YYYY-MM-DD'), 'sent', sent, 'delivered', delivered, 'opened', opened,
          'clicked', clicked, 'treated_conversions', treated_conversions,
          'holdout_conversions', holdout_conversions) order by day)
        from daily) as daily
    from (select ${touched(CAMPAIGN_TOUCH_EVENTS.sent)} as sent, ${touched(CAMPAIGN_TOUCH_EVENTS.delivered)} as delivered,
        ${touched(CAMPAIGN_TOUCH_EVENTS.opened)} as opened, ${touched(CAMPAIGN_TOUCH_EVENTS.clicked)} as clicked
      from touches t) t`;
  return { statement };
}
