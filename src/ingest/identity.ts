import { sql } from "drizzle-orm";
import type { AuditEntry } from "../audit/service";
import type { Database } from "../db/client";
import type { IdentityInput } from "./contract";
import { mergeProfiles } from "./merge";
import { type IdentityRules, isBlockedValue, limitOf, priorityOf } from "./rules";

/** The identifiers of one call (event, order, identify), already validated. */
export interface IdentityRequest {
  identities: readonly IdentityInput[];
}

export interface Resolution {
  /** The profile each request resolved to, in request order. */
  userIds: number[];
  /** Profiles created by this batch. */
  created: Set<number>;
  /** Profiles that gained an identity or absorbed another profile. */
  changed: Set<number>;
  /** Refused merges and dropped links, to be written to the audit log by the caller's transaction. */
  audits: AuditEntry[];
}

/** Two transactions linked the same new identity at once; the batch is retried from the start. */
export class IdentityRaceError extends Error {}

/** Drops blocked values and duplicates; highest priority first (stable within a type). */
export function usableIdentities(
  rules: IdentityRules,
  identities: readonly IdentityInput[],
): IdentityInput[] {
  const seen = new Set<string>();
  const usable: IdentityInput[] = [];
  for (const identity of identities) {
    if (isBlockedValue(rules, identity.value)) continue;
    const key = keyOf(identity);
    if (seen.has(key)) continue;
    seen.add(key);
    usable.push(identity);
  }
  return usable
    .map((identity, order) => ({ identity, order }))
    .sort(
      (a, b) => priorityOf(rules, a.identity.type) - priorityOf(rules, b.identity.type) || a.order - b.order,
    )
    .map((entry) => entry.identity);
}

const keyOf = (identity: IdentityInput) => `${identity.type}\u0000${identity.value}`;

/** A profile as the resolver sees it: existing (id > 0) or created by this batch (ref < 0). */
interface ProfileState {
  counts: Map<string, number>;
  account: string | null;
  createdAt: number;
}

/**
 * Resolves every request of a batch to one profile, set-based: one lookup of
 * all identifiers, one read of the profiles that may gain identities or merge, then one
 * insert each for new profiles and new identity links. Only merges of two stored
 * profiles cost statements per merge (they are rare). Requests must carry at least one
 * usable identity (see `usableIdentities`). Runs inside the caller's transaction.
 */
export async function resolveIdentities(
  tx: Database,
  rules: IdentityRules,
  requests: readonly IdentityRequest[],
  seenAt: readonly (Date | null)[],
): Promise<Resolution> {
  const allKeys = new Map<string, IdentityInput>();
  for (const request of requests)
    for (const identity of request.identities) allKeys.set(keyOf(identity), identity);
  // Sorted: the lookup walks the (type, value) index in order.
  const identityList = [...allKeys.keys()].sort().map((key) => allKeys.get(key)!);
  const owner = new Map<string, number>();
  if (identityList.length > 0) {
    const rows = await tx.query<{ type: string; value: string; userId: number }>(sql`
      select i.type, i.value, i.user_id as "userId"
      from json_to_recordset(${JSON.stringify(identityList)}::json) as x(type text, value text)
      join identities i on i.type = x.type and i.value = x.value`);
    for (const row of rows) owner.set(keyOf(row), row.userId);
  }

  // Profiles whose identity counts matter: those that may gain an identity or meet another profile.
  const needInfo = new Set<number>();
  for (const request of requests) {
    const owners = new Set<number>();
    let unknown = false;
    for (const identity of request.identities) {
      const id = owner.get(keyOf(identity));
      if (id === undefined) unknown = true;
      else owners.add(id);
    }
    if (unknown || owners.size > 1) for (const id of owners) needInfo.add(id);
  }
  const state = new Map<number, ProfileState>();
  if (needInfo.size > 0) {
    const rows = await tx.query<{
      id: number;
      createdAt: Date;
      type: string | null;
      n: number;
      account: string | null;
    }>(sql`
      select u.id, u.created_at as "createdAt", i.type, count(i.value)::int as n,
        min(i.value) filter (where i.type = ${rules.accountType}) as account
      from users u left join identities i on i.user_id = u.id
      where u.id = any(${`{${[...needInfo].join(",")}}`}::bigint[])
      group by u.id, u.created_at, i.type`);
    for (const row of rows) {
      const profile = state.get(row.id) ?? {
        counts: new Map(),
        account: null,
        createdAt: row.createdAt.getTime(),
      };
      if (row.type !== null) profile.counts.set(row.type, row.n);
      if (row.account !== null) profile.account = row.account;
      state.set(row.id, profile);
    }
  }

  const parent = new Map<number, number>();
  const find = (ref: number): number => {
    let root = ref;
    while (parent.has(root)) root = parent.get(root)!;
    return root;
  };
  let nextPending = -1;
  const pendingSeen = new Map<number, { first: Date | null; last: Date | null }>();
  const newPending = (): number => {
    const ref = nextPending--;
    state.set(ref, { counts: new Map(), account: null, createdAt: Number.POSITIVE_INFINITY });
    return ref;
  };
  const links = new Map<string, { identity: IdentityInput; ref: number }>();
  const storedMerges: Array<{ loser: number; survivor: number; reason: Record<string, unknown> }> = [];
  const changed = new Set<number>();
  const audits: AuditEntry[] = [];
  const stateOf = (ref: number): ProfileState => {
    let profile = state.get(ref);
    if (!profile) {
      // A profile seen only through identities that did not need counts: it gains nothing here.
      profile = { counts: new Map(), account: null, createdAt: 0 };
      state.set(ref, profile);
    }
    return profile;
  };
  const attach = (ref: number, identity: IdentityInput) => {
    const profile = stateOf(ref);
    profile.counts.set(identity.type, (profile.counts.get(identity.type) ?? 0) + 1);
    if (identity.type === rules.accountType) profile.account = identity.value;
    owner.set(keyOf(identity), ref);
    links.set(keyOf(identity), { identity, ref });
    if (ref > 0) changed.add(ref);
  };
  const canAttach = (ref: number, identity: IdentityInput) =>
    (stateOf(ref).counts.get(identity.type) ?? 0) < limitOf(rules, identity.type);
  const mergeRefusal = (a: ProfileState, b: ProfileState): string | null => {
    if (a.account !== null && b.account !== null && a.account !== b.account)
      return `both profiles hold a different ${rules.accountType}`;
    for (const [type, n] of b.counts)
      if (n + (a.counts.get(type) ?? 0) > limitOf(rules, type))
        return `the merged profile would hold more than ${limitOf(rules, type)} ${type} identities`;
    return null;
  };

  const userRefs: number[] = [];
  for (const [index, request] of requests.entries()) {
    let target: number | undefined;
    let anchorRank = Number.POSITIVE_INFINITY;
    let anchor: IdentityInput | undefined;
    const unowned: IdentityInput[] = [];
    for (const identity of request.identities) {
      const known = owner.get(keyOf(identity));
      if (known === undefined) {
        unowned.push(identity);
        continue;
      }
      const other = find(known);
      if (target === undefined) {
        target = other;
        anchorRank = priorityOf(rules, identity.type);
        anchor = identity;
        continue;
      }
      if (other === target) continue;
      const a = stateOf(target);
      const b = stateOf(other);
      const refusal = mergeRefusal(a, b);
      if (refusal) {
        audits.push({
          actor: "ingest",
          action: "merge_refused",
          entityType: "user",
          entityKey: String(target > 0 ? target : other),
          before: { profiles: [target, other].filter((ref) => ref > 0), identity },
          after: { reason: refusal, appliedTo: target > 0 ? target : null },
        });
        continue;
      }
      // Survivor: the one holding the account id, else the older (stored before created here).
      const keepTarget =
        a.account !== null ||
        (b.account === null &&
          (a.createdAt < b.createdAt || (a.createdAt === b.createdAt && target < other)));
      const survivor = keepTarget ? target : other;
      const loser = keepTarget ? other : target;
      const into = stateOf(survivor);
      for (const [type, n] of stateOf(loser).counts) into.counts.set(type, (into.counts.get(type) ?? 0) + n);
      into.account ??= stateOf(loser).account;
      parent.set(loser, survivor);
      if (loser > 0 && survivor > 0) {
        storedMerges.push({
          loser,
          survivor,
          // One call named an identity of each profile.
          reason: {
            rule: "same_call",
            identities: [anchor, identity].map((named) => ({ type: named!.type, value: named!.value })),
          },
        });
        changed.add(survivor);
      } else if (loser > 0 && survivor < 0) {
        // A stored profile never loses to one that exists only in this batch: swap roles.
        parent.delete(loser);
        parent.set(survivor, loser);
        stateOf(loser).counts = into.counts;
        stateOf(loser).account = into.account;
        target = loser;
        changed.add(loser);
        continue;
      }
      target = survivor;
    }
    for (const identity of unowned) {
      if (target === undefined) {
        target = newPending();
        anchorRank = priorityOf(rules, identity.type);
      }
      if (canAttach(target, identity)) {
        attach(target, identity);
        continue;
      }
      const rank = priorityOf(rules, identity.type);
      const blockedBy = target;
      if (rank < anchorRank) {
        // The call belongs to its highest-priority identifier, which cannot join the profile found.
        target = newPending();
        anchorRank = rank;
        attach(target, identity);
      }
      audits.push({
        actor: "ingest",
        action: identity.type === rules.accountType ? "merge_refused" : "identity_limit_exceeded",
        entityType: "user",
        entityKey: blockedBy > 0 ? String(blockedBy) : null,
        before: { profile: blockedBy > 0 ? blockedBy : null, identity },
        after: {
          reason: `profile already holds ${limitOf(rules, identity.type)} ${identity.type} identities`,
          applied: rank < anchorRank ? "new profile" : "identity not linked",
        },
      });
    }
    if (target === undefined)
      throw new Error("resolveIdentities needs at least one usable identity per request");
    userRefs.push(target);
    const seen = seenAt[index];
    if (target < 0 && seen) {
      const range = pendingSeen.get(target) ?? { first: seen, last: seen };
      if (range.first && seen < range.first) range.first = seen;
      if (range.last && seen > range.last) range.last = seen;
      pendingSeen.set(target, range);
    }
  }

  // New profiles: ids drawn from the identity sequence so refs map to ids deterministically.
  const pendingRoots = [
    ...new Set(userRefs.map(find).concat([...links.values()].map((l) => find(l.ref)))),
  ].filter((ref) => ref < 0);
  const realId = new Map<number, number>();
  const created = new Set<number>();
  if (pendingRoots.length > 0) {
    const now = new Date();
    // Pending refs merged into another carry their seen range into their root.
    const rootSeen = new Map<number, { first: Date | null; last: Date | null }>();
    for (const [pending, range] of pendingSeen) {
      const root = find(pending);
      const into = rootSeen.get(root) ?? { first: null, last: null };
      if (range.first && (!into.first || range.first < into.first)) into.first = range.first;
      if (range.last && (!into.last || range.last > into.last)) into.last = range.last;
      rootSeen.set(root, into);
    }
    const rows = pendingRoots.map((ref) => {
      const range = rootSeen.get(ref);
      return [(range?.first ?? now).toISOString(), (range?.last ?? now).toISOString()];
    });
    // Identity values are drawn in insertion order, which follows `ordinality`: the n-th
    // smallest id returned belongs to the n-th pending profile.
    const inserted = await tx.query<{ id: number }>(sql`
      insert into users (first_seen_at, last_seen_at)
      select (x.value->>0)::timestamptz, (x.value->>1)::timestamptz
      from json_array_elements(${JSON.stringify(rows)}::json) with ordinality as x(value, n)
      order by x.n
      returning id`);
    const ids = inserted.map((row) => row.id).sort((a, b) => a - b);
    pendingRoots.forEach((ref, i) => {
      realId.set(ref, ids[i]);
      created.add(ids[i]);
    });
  }
  const resolve = (ref: number): number => {
    const root = find(ref);
    return root < 0 ? realId.get(root)! : root;
  };

  // Stored merges name stored profiles; applied in order, a later one re-points the chains of earlier ones.
  for (const merge of storedMerges) await mergeProfiles(tx, merge.loser, merge.survivor, merge.reason);

  if (links.size > 0) {
    // Sorted: concurrent batches take the unique-index locks in one order.
    const rows = [...links.values()]
      .map((link) => ({ ...link.identity, userId: resolve(link.ref) }))
      .sort((a, b) => (a.type === b.type ? (a.value < b.value ? -1 : 1) : a.type < b.type ? -1 : 1));
    const inserted = await tx.query<{ n: number }>(sql`
      with inserted as (
        insert into identities (type, value, user_id)
        select x.type, x.value, x."userId" from json_to_recordset(${JSON.stringify(rows)}::json)
          as x(type text, value text, "userId" bigint)
        on conflict (type, value) do nothing returning 1)
      select count(*)::int as n from inserted`);
    if (inserted[0].n !== rows.length) throw new IdentityRaceError("an identity was linked concurrently");
  }
  for (const ref of [...changed]) {
    changed.delete(ref);
    changed.add(resolve(ref));
  }
  return { userIds: userRefs.map(resolve), created, changed, audits };
}
