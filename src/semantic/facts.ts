import { type SQL, sql } from "drizzle-orm";
import { EVENT_READ_COLUMNS } from "../db/columns";

/**
 * The fact sources every compiler reads. Each resolves the stored `user_id` to the
 * surviving profile through `user_merges`, so a merge is visible to every metric, rule
 * and analysis at once without rewriting facts. Use these, never the raw tables.
 */

/**
 * The surviving profile of a stored user id: `join` (`left join user_merges m on
 * m.loser_id = <userId>`, once in the FROM clause) makes `id` (`coalesce(m.survivor_id,
 * <userId>)`) the survivor. `user_merges.survivor_id` is always final, so one join suffices.
 */
export function mergeSurvivor(userId: SQL): { join: SQL; id: SQL } {
  return {
    join: sql`left join user_merges m on m.loser_id = ${userId}`,
    id: sql`coalesce(m.survivor_id, ${userId})`,
  };
}

const eventOwner = mergeSurvivor(sql`e.user_id`);
const orderOwner = mergeSurvivor(sql`o.user_id`);

/** Events with `user_id` resolved to the surviving profile. */
export const resolvedEvents = sql`(
  select ${sql.join(
    EVENT_READ_COLUMNS.map((column) =>
      column.key === "userId" ? sql`${eventOwner.id} as user_id` : sql.raw(`e.${column.name}`),
    ),
    sql`, `,
  )}
  from events e ${eventOwner.join}
)`;

/**
 * `resolvedEvents` of the surviving profiles `survivorIds` (a `bigint[]` expression) only: the
 * stored ids read are those profiles and the ones merged into them, so the `(user_id, ts)`
 * index answers instead of a scan of every event.
 */
export function resolvedEventsOf(survivorIds: SQL): SQL {
  return sql`(
  select e.id, ${eventOwner.id} as user_id, e.message_id, e.anonymous_id, e.name, e.ts,
    e.session_id, e.channel, e.platform, e.utm_source, e.utm_medium, e.utm_campaign, e.properties
  from events e ${eventOwner.join}
  where e.user_id in (
    select unnest(${survivorIds})
    union all select sm.loser_id from user_merges sm where sm.survivor_id = any(${survivorIds}))
)`;
}

/** Counted orders (paid, shipped, completed or refunded) with the surviving profile. */
export const countedOrders = sql`(
  select o.order_id, ${orderOwner.id} as user_id, o.placed_at, o.status,
    o.total_amount, o.refunded_amount, o.channel, o.platform, o.utm_source, o.utm_campaign,
    o.coupon_code, o.campaign_id
  from orders o ${orderOwner.join}
  where o.counted
)`;

/**
 * `countedOrders` of the surviving profiles `survivorIds` (a `bigint[]` expression) only, read like
 * `resolvedEventsOf`: those profiles' stored ids and the ones merged into them.
 */
export function countedOrdersOf(survivorIds: SQL): SQL {
  return sql`(
  select o.order_id, ${orderOwner.id} as user_id, o.placed_at, o.status,
    o.total_amount, o.refunded_amount, o.channel, o.platform, o.utm_source, o.utm_campaign,
    o.coupon_code, o.campaign_id
  from orders o ${orderOwner.join}
  where o.counted and o.user_id in (
    select unnest(${survivorIds})
    union all select sm.loser_id from user_merges sm where sm.survivor_id = any(${survivorIds}))
)`;
}

/**
 * Stored user ids of the surviving profiles `survivorIds` and of the profiles merged into them:
 * whose memberships an evaluation of those survivors decides (merged-away ones are members of nothing).
 */
export function survivorsAndMergedIds(survivorIds: SQL): SQL {
  return sql`(select unnest(${survivorIds})
    union all select sm.loser_id from user_merges sm where sm.survivor_id = any(${survivorIds}))`;
}

/** Items of counted orders, with the order's time, slice and the product's attributes. */
export const countedItems = sql`(
  select i.order_id, i.line_no, ${orderOwner.id} as user_id, o.placed_at, o.channel,
    o.platform, o.utm_source, o.utm_campaign, i.product_id, i.quantity, i.unit_price,
    p.category, p.brand
  from order_items i
  -- Joined on user_id too: an order and its items share it, and under Citus that keeps the
  -- join on the shard (order ids alone would need a repartition join).
  join orders o on o.order_id = i.order_id and o.user_id = i.user_id and o.counted
  left join products p on p.id = i.product_id
  ${orderOwner.join}
)`;

/** Active profiles (not merged away). */
export const activeUsers = sql`(select * from users where merged_into is null)`;
