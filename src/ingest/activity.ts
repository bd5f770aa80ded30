import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { EVENT_READ_COLUMNS, selectListOf } from "../db/columns";
import type { events, OrderStatus } from "../db/schema/core";
import {
  isNumberKey,
  isStringKey,
  isTupleKey,
  type Page,
  type PageRequest,
  pageWindow,
  toPage,
} from "../pagination";
import { bigintArray } from "../semantic/arrays";
import { type KeysetOrder, keysetPage } from "../semantic/keyset";

/** An event as the API reads it: its stored columns but the owner and arrival time, `ts` as `timestamp`. */
export type EventRecord = Omit<typeof events.$inferSelect, "userId" | "receivedAt" | "ts"> & {
  timestamp: Date;
} & Record<string, unknown>;

/** `EventRecord`'s select list over `events e`, from the table's declaration. */
const EVENT_RECORD_COLUMNS = selectListOf(
  EVENT_READ_COLUMNS.filter((column) => column.key !== "userId"),
  { alias: "e", renamed: { ts: "timestamp" } },
);

export interface OrderRecord extends Record<string, unknown> {
  orderId: string;
  placedAt: Date;
  status: OrderStatus;
  counted: boolean;
  totalAmount: number;
  refundedAmount: number;
  channel: string | null;
  platform: string | null;
  couponCode: string | null;
  campaignId: string | null;
  items: Array<{ productId: string; quantity: number; unitPrice: number }>;
}

export interface MergeRecord extends Record<string, unknown> {
  userId: number;
  mergedAt: Date;
  reason: Record<string, unknown>;
}

export interface EventPageRequest extends PageRequest {
  name?: string | null;
}

type Key = [string, number | string];
const isEventKey = isTupleKey(isStringKey, isNumberKey) as (value: unknown) => value is Key;
const isOrderKey = isTupleKey(isStringKey, isStringKey) as (value: unknown) => value is Key;

const EVENTS_NEWEST_FIRST: KeysetOrder<Key> = {
  direction: "desc",
  columns: [sql`e.ts`, sql`e.id`],
  values: ([ts, id]) => [sql`${ts}::timestamptz`, sql`${id}::bigint`],
};
const ORDERS_NEWEST_FIRST: KeysetOrder<Key> = {
  direction: "desc",
  columns: [sql`o.placed_at`, sql`o.order_id`],
  values: ([placedAt, orderId]) => [sql`${placedAt}::timestamptz`, sql`${orderId}::text`],
};

/** A profile and every profile merged into it: the facts stored under any of them are its facts. */
const profileIds = (userIds: readonly number[]) => sql`(
  select r.uid, r.uid as member from unnest(${bigintArray(userIds)}) as r(uid)
  union all
  select m.survivor_id, m.loser_id from user_merges m
  where m.survivor_id = any(${bigintArray(userIds)}))`;

/** The ranking columns a page read carries besides the record (dropped before answering). */
interface Ranked {
  owner: number;
  member_rank: number;
  owner_rank: number;
}

/**
 * The first `limit` rows per owner of the CTE `candidates` in the page order `orderBy` (over the
 * alias `alias`, whose order columns `candidates` carries under their own names). `candidates`
 * holds each stored profile's first `limit` rows (ranked by `member_rank`, partitioned by the
 * stored user id, so under Citus the shards rank them); the page of an owner — the profile and
 * those merged into it — is among them, picked here on the coordinator. A `lateral` read per
 * owner would be correlated with the owner list, which Citus cannot run against distributed tables.
 */
function newestPerOwner(alias: string, orderBy: SQL, limit: number): SQL {
  const a = sql.raw(alias);
  return sql`select page.* from (
          select ${a}.*, row_number() over (partition by ${a}.owner order by ${orderBy}) as owner_rank
          from candidates ${a} where ${a}.member_rank <= ${limit}) page
        where page.owner_rank <= ${limit}`;
}

/**
 * A profile's events, orders and merge history, newest first, batched over many profiles
 * (one page query and one count per distinct page request) for the per-request loaders.
 */
export class ActivityService {
  constructor(private readonly db: Database) {}

  async eventsOf(userIds: readonly number[], request: EventPageRequest): Promise<Array<Page<EventRecord>>> {
    const window = pageWindow(request, isEventKey);
    const name = request.name ?? null;
    const page = keysetPage(window, EVENTS_NEWEST_FIRST);
    const byName = name === null ? sql`` : sql`and e.name = ${name}`;
    const [rows, counts] = await Promise.all([
      this.db.query<EventRecord & Ranked>(sql`
        with members as materialized ${profileIds(userIds)},
        candidates as materialized (
          select p.uid as owner, ${EVENT_RECORD_COLUMNS}, e.ts,
            row_number() over (partition by p.uid, e.user_id order by ${page.orderBy}) as member_rank
          from events e join members p on p.member = e.user_id
          where ${page.past} ${byName})
        ${newestPerOwner("e", page.orderBy, page.limit)}`),
      this.db.query<{ owner: number; n: number }>(sql`
        select p.uid as owner, count(e.id)::int as n
        from ${profileIds(userIds)} p join events e on e.user_id = p.member ${byName}
        group by p.uid`),
    ]);
    return userIds.map((id) =>
      toPage(
        rows
          .filter((row) => row.owner === id)
          .map(({ owner: _, ts: _ts, member_rank: _m, owner_rank: _o, ...event }) => event as EventRecord),
        window,
        (event): Key => [event.timestamp.toISOString(), event.id],
        counts.find((count) => count.owner === id)?.n ?? 0,
      ),
    );
  }

  async ordersOf(userIds: readonly number[], request: PageRequest): Promise<Array<Page<OrderRecord>>> {
    const window = pageWindow(request, isOrderKey);
    const page = keysetPage(window, ORDERS_NEWEST_FIRST);
    const [rows, counts] = await Promise.all([
      this.db.query<OrderRecord & Ranked & { totalAmount: any; refundedAmount: any }>(sql`
        with members as materialized ${profileIds(userIds)},
        candidates as materialized (
          select p.uid as owner, o.order_id as "orderId", o.placed_at as "placedAt", o.status, o.counted,
            o.total_amount::float8 as "totalAmount", o.refunded_amount::float8 as "refundedAmount",
            o.channel, o.platform, o.coupon_code as "couponCode", o.campaign_id as "campaignId",
            coalesce((select json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity,
              'unitPrice', i.unit_price::float8) order by i.line_no) from order_items i
              where i.order_id = o.order_id and i.user_id = o.user_id), '[]') as items,
            o.placed_at, o.order_id,
            row_number() over (partition by p.uid, o.user_id order by ${page.orderBy}) as member_rank
          from orders o join members p on p.member = o.user_id
          where ${page.past})
        ${newestPerOwner("o", page.orderBy, page.limit)}`),
      this.db.query<{ owner: number; n: number }>(sql`
        select p.uid as owner, count(o.order_id)::int as n
        from ${profileIds(userIds)} p join orders o on o.user_id = p.member group by p.uid`),
    ]);
    return userIds.map((id) =>
      toPage(
        rows
          .filter((row) => row.owner === id)
          .map(
            ({ owner: _, placed_at: _p, order_id: _id, member_rank: _m, owner_rank: _o, ...order }) =>
              order as OrderRecord,
          ),
        window,
        (order): Key => [order.placedAt.toISOString(), order.orderId],
        counts.find((count) => count.owner === id)?.n ?? 0,
      ),
    );
  }

  /** Profiles merged into each of `userIds` (directly or through a chain), oldest merge first. */
  async mergedInto(userIds: readonly number[]): Promise<MergeRecord[][]> {
    const rows = await this.db.query<MergeRecord & { survivorId: number }>(sql`
      select m.survivor_id as "survivorId", m.loser_id as "userId", m.merged_at as "mergedAt",
        m.reason || jsonb_build_object('mergedInto', m.merged_into_at_time) as reason
      from user_merges m
      where m.survivor_id = any(${bigintArray(userIds)})
      order by m.merged_at, m.loser_id`);
    return userIds.map((id) =>
      rows.filter((row) => row.survivorId === id).map(({ survivorId: _, ...merge }) => merge as MergeRecord),
    );
  }
}
