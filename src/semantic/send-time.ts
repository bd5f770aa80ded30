import { type SQL, sql } from "drizzle-orm";
import { float8Array, textArray } from "./arrays";
import { resolvedEvents, resolvedEventsOf } from "./facts";

/**
 * Best send time: each user's activity counted per local hour of the week (168 bins, hour 0 =
 * Monday 00:00–00:59 in the user's time zone), smoothed toward the population by a Dirichlet
 * prior (empirical Bayes). With n_h the user's events in bin h, n their total, p_h the share of
 * ALL users' activity events in bin h and α the prior strength, the posterior mean of bin h is
 *
 *   (n_h + α·p_h) / (n + α)
 *
 * and the best send time is the bin with the largest posterior (ties: the earliest bin). A user
 * without activity gets the population's best bin. The argmax never needs all 168 bins per user:
 * a bin without the user's events scores α·p_h, at most the population's best bin's score, so the
 * candidates are the user's own bins plus the population's best one. No I/O happens here.
 */
export interface SendTimeModel {
  /** Event names that count as activity. */
  events: readonly string[];
  /** α: pseudo-events of the population's distribution added to each user's. */
  priorStrength: number;
  /** Trait key of a user's IANA time zone. */
  timezoneTrait: string;
  /** The zone of users without a valid one in the trait (the shop's). */
  defaultTimezone: string;
}

/**
 * Which users are answered: listed ids (batched profiles) with the population's events per bin
 * (`prior`, 168 counts from `populationCounts`, or computed in the statement when absent), or every
 * active user, optionally narrowed.
 */
export type SendTimeUsers = { ids: SQL; prior?: readonly number[] } | { restriction?: SQL };

const HOURS_PER_WEEK = 168;

/**
 * CTE `zones`: the database's IANA names, read once, so a trait naming no zone falls back to the
 * shop's instead of failing `at time zone`.
 */
const zonesCte = sql`zones as materialized (select name from pg_timezone_names)`;

/** The zone of the profile `u`: its trait when that names a zone, else the shop's (a hashed subplan, not a join). */
function zoneOf(model: SendTimeModel): SQL {
  const trait = sql`(u.traits ->> ${model.timezoneTrait}::text)`;
  return sql`(case when ${trait} in (select z.name from zones z) then ${trait} else ${model.defaultTimezone}::text end)`;
}

/** CTE `name` (user_id, zone) of the active users `where` selects (a condition on `u.id`). */
function ownersCte(model: SendTimeModel, name: string, where: SQL): SQL {
  return sql`${sql.raw(name)} as (
    select u.id as user_id, ${zoneOf(model)} as zone
    from users u
    where u.merged_into is null and ${where})`;
}

/**
 * Activity events of `events` (a resolved-events relation) of the active users `where` selects (a
 * condition on `u.id`), with their local hour of the week `how`; `window` is a condition on
 * `e.ts`. `offset 0` keeps each user's zone computed once per user (not per event, as a pulled-up
 * subquery would) and each event's local time once (not once per `extract`).
 */
function activity(model: SendTimeModel, events: SQL, where: SQL, window: SQL): SQL {
  return sql`(
    select a.user_id, a.ts, a.id,
      ((extract(isodow from a.local)::int - 1) * 24 + extract(hour from a.local)::int) as how
    from (
      select e.user_id, e.ts, e.id, e.ts at time zone o.zone as local
      from ${events} e
      join (select u.id, ${zoneOf(model)} as zone from users u
        where u.merged_into is null and ${where} offset 0) o on o.id = e.user_id
      where e.name = any(${textArray(model.events)}) and ${window}
      offset 0) a)`;
}

/** CTE `counts` (user_id, how, n) of `activity`. */
const countsCte = (activityRelation: SQL) => sql`counts as (
    select a.user_id, a.how, count(*)::int as n from ${activityRelation} a group by 1, 2)`;

/**
 * CTEs `prior` (how, c: the population's events per bin, p: their share) and `top` (how, p:
 * the population's best bin, the earliest of equals) from the CTE `population_counts` (how, c).
 */
const priorCtes = sql`prior as (select how, c, c / sum(c) over () as p from population_counts),
  top as (select how, p from prior order by p desc, how limit 1)`;

/**
 * CTEs `totals` (user_id, n) and `best` (user_id, how, score = n_h + α·p_h) of the users of the
 * CTE `targets` (user_id), from `counts` and `prior` / `top`. `countsAreTargets`: every user in
 * `counts` is a target, so the join that narrows them is skipped.
 */
function bestCtes(model: SendTimeModel, countsAreTargets = false): SQL {
  const alpha = sql`${model.priorStrength}::float8`;
  const score = sql`c.n + ${alpha} * coalesce(p.p, 0)`;
  const targetCounts = countsAreTargets
    ? sql`select c.user_id, c.how, c.n from counts c`
    : sql`select c.user_id, c.how, c.n from counts c join targets t on t.user_id = c.user_id`;
  return sql`totals as (select user_id, sum(n)::int as n from counts group by user_id),
  candidates as (
    ${targetCounts}
    union all
    select t.user_id, top.how, 0 from targets t cross join top),
  best as (
    select distinct on (c.user_id) c.user_id, c.how, ${score} as score
    from candidates c left join prior p on p.how = c.how
    order by c.user_id, ${score} desc, c.how)`;
}

/**
 * CTEs up to `best` for every active user's counts: `owners`, `counts`, `population_counts`,
 * `prior`, `top`, `targets` (the owners `restriction` selects, a condition on `o.user_id`),
 * `totals`, `best`.
 */
function everyUserCtes(model: SendTimeModel, window: SQL, restriction?: SQL): SQL {
  return sql`${zonesCte},
  ${ownersCte(model, "owners", sql`true`)},
  ${countsCte(activity(model, resolvedEvents, sql`true`, window))},
  population_counts as (select how, sum(n)::float8 as c from counts group by how),
  ${priorCtes},
  targets as (select o.user_id from owners o${restriction ? sql` where ${restriction}` : sql``}),
  ${bestCtes(model, !restriction)}`;
}

const answerColumns = (alpha: SQL) => sql`t.user_id, o.zone, b.how, b.how % 24 as local_hour,
    b.how / 24 + 1 as day_of_week, coalesce(n.n, 0) as events,
    b.score / (coalesce(n.n, 0) + ${alpha}) as confidence
  from targets t
  join owners o on o.user_id = t.user_id
  join best b on b.user_id = t.user_id
  left join totals n on n.user_id = t.user_id`;

/**
 * One row per answered user: user_id, zone, how (hour of the week), local_hour, day_of_week
 * (ISO: 1 = Monday), events (n, the user's activity), confidence (the best bin's posterior). A
 * user is missing only when the population has no activity at all. `window` bounds the events
 * read (a condition on `e.ts`; `sql\`true\`` for all). Listed users read their own events by
 * index; the population's bins come from `prior`, or from a scan that only groups by bin.
 */
export function bestSendTimes(model: SendTimeModel, users: SendTimeUsers, window: SQL): SQL {
  const alpha = sql`${model.priorStrength}::float8`;
  if (!("ids" in users))
    return sql`(with ${everyUserCtes(model, window, users.restriction)} select ${answerColumns(alpha)})`;
  const population = users.prior
    ? sql`population_counts as (
    select (b.ordinality - 1)::int as how, b.c from unnest(${float8Array(users.prior)}) with ordinality as b(c, ordinality)
    where b.c > 0)`
    : sql`population_counts as (
    select a.how, count(*)::float8 as c
    from ${activity(model, resolvedEvents, sql`true`, window)} a group by a.how)`;
  return sql`(with ${zonesCte},
  ${ownersCte(model, "owners", sql`u.id = any(${users.ids})`)},
  ${population},
  ${countsCte(activity(model, resolvedEventsOf(users.ids), sql`u.id = any(${users.ids})`, window))},
  ${priorCtes},
  targets as (select user_id from owners),
  ${bestCtes(model, true)}
  select ${answerColumns(alpha)})`;
}

/**
 * The population's activity events per local hour of the week (how, c), only bins with events:
 * the prior `bestSendTimes` takes for listed users.
 */
export function populationCounts(model: SendTimeModel, window: SQL): SQL {
  return sql`with ${zonesCte}
  select a.how, count(*)::float8 as c
  from ${activity(model, resolvedEvents, sql`true`, window)} a group by a.how order by a.how`;
}

/**
 * The heat map of the users `restriction` selects (a condition on `o.user_id`; all active
 * users without it), one row per hour of the week (all 168, in order): `users` whose best send
 * time it is, `events` of theirs in it (their raw activity), and the selection's totals
 * `all_users` and `all_events` (for shares). The prior is always the whole population's.
 */
export function sendTimeDistribution(model: SendTimeModel, window: SQL, restriction?: SQL): SQL {
  return sql`with ${everyUserCtes(model, window, restriction)},
  chosen as (select b.how, count(*)::int as users from best b group by b.how),
  active as (${
    restriction
      ? sql`select c.how, sum(c.n)::int as events from counts c join targets t on t.user_id = c.user_id group by c.how`
      : sql`select how, c::int as events from population_counts`
  })
  select h.how::int as how, h.how % 24 as local_hour, h.how / 24 + 1 as day_of_week,
    coalesce(ch.users, 0) as users, coalesce(ac.events, 0) as events,
    (select coalesce(sum(users), 0)::int from chosen) as all_users,
    (select coalesce(sum(events), 0)::int from active) as all_events
  from generate_series(0, ${HOURS_PER_WEEK - 1}) as h(how)
  left join chosen ch on ch.how = h.how
  left join active ac on ac.how = h.how
  order by h.how`;
}

/**
 * The hold-out evaluation, one row. Activity before `split` trains the model (counts and the
 * prior); the evaluated users are those with activity at or after `split`, each judged by their
 * FIRST held-out event (earliest time, then event id). A hit is that event falling in the
 * predicted local hour of the week (`hits`), or in the predicted local hour of the day whatever
 * the day (`hour_hits`). The baseline predicts the same for everyone: the training population's
 * best hour of the week (`baseline_how`, `baseline_hits`) and best hour of the day
 * (`baseline_hour`, `baseline_hour_hits`). `train_events` counts the training activity.
 */
export function sendTimeEvaluation(model: SendTimeModel, split: SQL): SQL {
  return sql`with ${zonesCte},
  ${countsCte(activity(model, resolvedEvents, sql`true`, sql`e.ts < ${split}`))},
  population_counts as (select how, sum(n)::float8 as c from counts group by how),
  ${priorCtes},
  top_hour as (
    select how % 24 as hour from prior group by how % 24 order by sum(c) desc, how % 24 limit 1),
  first_held as (
    select distinct on (a.user_id) a.user_id, a.how
    from ${activity(model, resolvedEvents, sql`true`, sql`e.ts >= ${split}`)} a
    order by a.user_id, a.ts, a.id),
  targets as (select user_id from first_held),
  ${bestCtes(model)}
  select count(*)::int as users,
    count(*) filter (where b.how = f.how)::int as hits,
    count(*) filter (where b.how % 24 = f.how % 24)::int as hour_hits,
    (select how from top) as baseline_how,
    count(*) filter (where f.how = (select how from top))::int as baseline_hits,
    (select hour from top_hour) as baseline_hour,
    count(*) filter (where f.how % 24 = (select hour from top_hour))::int as baseline_hour_hits,
    (select coalesce(sum(c), 0)::int from prior) as train_events
  from first_held f join best b on b.user_id = f.user_id`;
}
