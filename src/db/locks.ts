import { type SQL, sql } from "drizzle-orm";
import { bigintArray, textArray } from "../semantic/arrays";

/*
 * Transaction-level advisory locks in place of `select … for update` over rows of many
 * users: Citus runs `for update` only on a single shard, while an advisory lock is taken on
 * the node the session is connected to (the coordinator under Citus, the server otherwise),
 * so it serialises every Stratum writer on either layout. Two-key locks `(space, key)`; each
 * space below is used by this module only (materialise.ts holds 7_210_605/6).
 */
const PROFILE_LOCK_SPACE = 7_210_610;
const ORDER_LOCK_SPACE = 7_210_611;

/**
 * Locks profiles by id in increasing id order (callers that lock in that order never
 * deadlock). Volatile functions in the select list run after the sort.
 */
export function lockProfiles(ids: readonly number[]): SQL {
  return sql`
    select pg_advisory_xact_lock(${PROFILE_LOCK_SPACE}, (u.id % 2147483647)::int)
    from unnest(${bigintArray([...ids])}) as u(id) order by u.id`;
}

/** Locks order ids, ordered by lock key so that concurrent batches queue instead of deadlocking. */
export function lockOrderIds(orderIds: readonly string[]): SQL {
  return sql`
    select pg_advisory_xact_lock(${ORDER_LOCK_SPACE}, k.key)
    from (select distinct hashtext(o.id) as key from unnest(${textArray([...orderIds])}) as o(id)) k
    order by k.key`;
}
