import { type Database, sql } from "./client";

/**
 * The Citus layout (docs/scaling.md), applied once to a freshly migrated database on a Citus
 * coordinator — never on single-node PostgreSQL or PGlite, whose schema stays as migrated.
 *
 * - `users` is distributed on `id`; every table keyed by a user is distributed on `user_id`
 *   and co-located with it, so per-user work (rules, funnels, retention, metrics) runs on the
 *   shard that holds the user's facts.
 * - Everything else is a reference table (a copy on every node): definitions and their
 *   versions, products, keys, the audit log, `user_merges` (joined by every query that maps
 *   a profile to its survivor) and `identities`, whose `(type, value)` key must stay unique
 *   across users and is read by value, not by user.
 */
export const DISTRIBUTED_BY_USER = [
  "events",
  "orders",
  "order_items",
  "tag_members",
  "tag_membership_changes",
  "segment_members",
  "segment_membership_changes",
  "purchase_scores",
  "campaign_audience",
  "user_recommended_categories",
  "user_day_events",
  "user_day_orders",
] as const;

export const REFERENCE_TABLES = [
  "products",
  "api_keys",
  "audit_log",
  "identities",
  "user_merges",
  "tags",
  "tag_versions",
  "segments",
  "segment_versions",
  "purchase_models",
  "experiments",
  "experiment_versions",
  "campaigns",
  "campaign_versions",
  "product_popularity",
  "product_similarities",
  "segment_product_popularity",
  "recommendation_refreshes",
  "destinations",
  "destination_versions",
] as const;

/*
 * Left as plain tables on the coordinator: the automation definitions and the outbox
 * (triggers, trigger_versions, destinations, destination_versions, deliveries,
 * delivery_attempts). The outbox is claimed with `for update skip locked` across users and is
 * unique on (trigger_key, source); the enqueue statements read the batch's facts from the
 * shards first (a materialized CTE) and do the rest on the coordinator.
 */

/**
 * Citus refuses a unique key without the distribution column. These keys are widened to
 * include `user_id`; what they guaranteed alone is kept by ingestion instead:
 * - an order id names one order: `writeOrders` holds an advisory lock per order id across
 *   its read and its insert, so a second record of an order sees the first and updates it;
 * - a message id is stored once: the batch reads the stored message ids (all shards) before
 *   inserting, and the widened key stops a concurrent copy of the message resolved to the
 *   same profile (`on conflict do nothing`, or a retried COPY chunk). Two copies of one message
 *   in flight at the same moment whose identifiers resolve to different profiles are not
 *   caught on Citus (docs/scaling.md).
 */
const WIDENED_KEYS = [
  "drop index events_message_id_uq",
  "create unique index events_user_message_id_uq on events (user_id, message_id)",
  "alter table orders drop constraint orders_order_id_pk",
  "alter table orders add constraint orders_user_id_order_id_pk primary key (user_id, order_id)",
  "create index orders_order_id_idx on orders (order_id)",
  // The batch's message ids are looked up without their users (dedupe, trigger enqueue).
  "create index events_message_id_idx on events (message_id)",
  "alter table order_items drop constraint order_items_order_id_line_no_pk",
  "alter table order_items add constraint order_items_user_id_order_id_line_no_pk primary key (user_id, order_id, line_no)",
];

/** True when the database has the citus extension (the coordinator of a cluster). */
export async function isCitus(db: Database): Promise<boolean> {
  if (db.kind !== "postgres") return false;
  const [row] = await db.query<{ citus: boolean }>(
    sql`select exists (select 1 from pg_extension where extname = 'citus') as citus`,
  );
  return row.citus;
}

/** Distributes a migrated, still empty database (idempotent: a distributed one is left alone). */
export async function distributeForCitus(db: Database): Promise<void> {
  if (!(await isCitus(db))) throw new Error("distributeForCitus needs a Citus coordinator");
  const [done] = await db.query<{ n: number }>(
    sql`select count(*)::int as n from pg_dist_partition where logicalrelid = 'users'::regclass`,
  );
  if (done.n > 0) return;
  await db.transaction(async (tx) => {
    // `users` and `orders` carry the row trigger that moves `updated_at` (migration 0010); Citus
    // distributes a table with triggers only when told to. The trigger reads only its own row,
    // so it runs on the row's shard as it would on one server.
    await tx.query(sql`set local citus.enable_unsafe_triggers = on`);
    for (const statement of WIDENED_KEYS) await tx.query(sql.raw(statement));
    for (const table of REFERENCE_TABLES) await tx.query(sql`select create_reference_table(${table})`);
    await tx.query(sql`select create_distributed_table('users', 'id')`);
    for (const table of DISTRIBUTED_BY_USER)
      await tx.query(sql`select create_distributed_table(${table}, 'user_id', colocate_with => 'users')`);
  });
}
