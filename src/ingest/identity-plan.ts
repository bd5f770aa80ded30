import type { AuditEntry } from "../audit/service";
import type { IdentityInput } from "./contract";
import { type IdentityRules, isBlockedValue, limitOf, priorityOf } from "./rules";

/** The identifiers of one call (event, order, identify), already validated. */
export interface IdentityRequest {
  identities: readonly IdentityInput[];
}

export const identityKey = (identity: { type: string; value: string }) =>
  `${identity.type}\u0000${identity.value}`;

/** Drops blocked values and duplicates; highest priority first (stable within a type). */
export function usableIdentities(
  rules: IdentityRules,
  identities: readonly IdentityInput[],
): IdentityInput[] {
  const seen = new Set<string>();
  const usable: IdentityInput[] = [];
  for (const identity of identities) {
    if (isBlockedValue(rules, identity.value)) continue;
    const key = identityKey(identity);
    if (seen.has(key)) continue;
    seen.add(key);
    usable.push(identity);
  }
  // Array.prototype.sort is stable: equal priorities keep their order.
  if (usable.length > 1) usable.sort((a, b) => priorityOf(rules, a.type) - priorityOf(rules, b.type));
  return usable;
}

/** A stored profile as the plan sees it. */
export interface StoredProfile {
  createdAt: Date;
  /** How many identities of each type it holds. */
  counts: ReadonlyMap<string, number>;
  /** Its identity of the rules' account type, if any. */
  account: string | null;
}

/** What the plan reads from the database: owners of the requests' identities, and the profiles that matter. */
export interface LoadedIdentities {
  /** `identityKey` → the stored profile holding that identity (absent: a new identity). */
  owners: ReadonlyMap<string, number>;
  /** At least the profiles of `profilesToInspect(requests, owners)`. */
  profiles: ReadonlyMap<number, StoredProfile>;
}

/**
 * Stored profiles that may gain an identity (a request also names a new one) or meet another
 * profile (a request names identities of two). Only their identity counts and accounts matter
 * to the plan; the loader locks them before reading those.
 */
export function profilesToInspect(
  requests: readonly IdentityRequest[],
  owners: ReadonlyMap<string, number>,
): Set<number> {
  const inspect = new Set<number>();
  for (const request of requests) {
    // Most requests name one stored profile or none: the profiles are collected only otherwise.
    let unknown = false;
    let first: number | undefined;
    let several = false;
    for (const identity of request.identities) {
      const id = owners.get(identityKey(identity));
      if (id === undefined) unknown = true;
      else if (first === undefined) first = id;
      else if (id !== first) several = true;
    }
    if (first === undefined || !(unknown || several)) continue;
    for (const identity of request.identities) {
      const id = owners.get(identityKey(identity));
      if (id !== undefined) inspect.add(id);
    }
  }
  return inspect;
}

/** A stored profile merged into another stored one. */
export interface PlannedMerge {
  loser: number;
  survivor: number;
  /** Written to `user_merges.reason`. */
  reason: { rule: "same_call"; identities: IdentityInput[] };
}

/** A profile to create; its seen range spans the timed requests it took (null: the time of writing). */
export interface NewProfile {
  ref: number;
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
}

/**
 * The outcome of resolving a batch, before any write. Profiles are named by refs: a stored
 * profile by its id (> 0), a profile to create by a negative ref from `newProfiles`.
 */
export interface IdentityPlan {
  /** The profile each request resolves to, in request order. */
  profiles: number[];
  /** Profiles to create, in the order their ids are to be drawn. */
  newProfiles: NewProfile[];
  /** Merges of stored profiles, in the order to apply them (a later one re-points earlier chains). */
  merges: PlannedMerge[];
  /** New identities and the profile each joins, sorted by (type, value). */
  links: Array<{ identity: IdentityInput; profile: number }>;
  /** Stored profiles that gain an identity or absorb another. */
  changed: number[];
  /** Refused merges and dropped links, each with its reason. */
  audits: AuditEntry[];
}

interface WorkingProfile {
  counts: Map<string, number>;
  account: string | null;
  createdAt: number;
}

/**
 * Resolves every request of a batch to one profile, with no I/O. Per request: the profile of
 * its highest-priority known identifier; other known profiles merge into it unless they hold a
 * different account or the merge would break a limit (`merge_refused`, and the call applies to
 * the profile found first); new identifiers are linked while the limit allows, otherwise dropped
 * (`identity_limit_exceeded`) — or, when the new one outranks the profile's anchor (a second
 * account), it gets a new profile of its own. Survivor: the profile holding an account, else the
 * older one; a profile created within the batch is absorbed, never merged. Requests must carry
 * at least one usable identity (see `usableIdentities`); `seenAt[i]` is the time of request i.
 */
export function planIdentities(
  rules: IdentityRules,
  requests: readonly IdentityRequest[],
  loaded: LoadedIdentities,
  seenAt: readonly (Date | null)[],
): IdentityPlan {
  const owner = new Map(loaded.owners);
  const state = new Map<number, WorkingProfile>();
  for (const [id, profile] of loaded.profiles)
    state.set(id, {
      counts: new Map(profile.counts),
      account: profile.account,
      createdAt: profile.createdAt.getTime(),
    });

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
  const merges: PlannedMerge[] = [];
  const changed = new Set<number>();
  const audits: AuditEntry[] = [];
  const stateOf = (ref: number): WorkingProfile => {
    let profile = state.get(ref);
    if (!profile) {
      // A profile seen only through identities that did not need counts: it gains nothing here.
      profile = { counts: new Map(), account: null, createdAt: 0 };
      state.set(ref, profile);
    }
    return profile;
  };
  const attach = (ref: number, identity: IdentityInput, key: string) => {
    const profile = stateOf(ref);
    profile.counts.set(identity.type, (profile.counts.get(identity.type) ?? 0) + 1);
    if (identity.type === rules.accountType) profile.account = identity.value;
    owner.set(key, ref);
    links.set(key, { identity, ref });
    if (ref > 0) changed.add(ref);
  };
  const canAttach = (ref: number, identity: IdentityInput) =>
    (stateOf(ref).counts.get(identity.type) ?? 0) < limitOf(rules, identity.type);
  const mergeRefusal = (a: WorkingProfile, b: WorkingProfile): string | null => {
    if (a.account !== null && b.account !== null && a.account !== b.account)
      return `both profiles hold a different ${rules.accountType}`;
    for (const [type, n] of b.counts)
      if (n + (a.counts.get(type) ?? 0) > limitOf(rules, type))
        return `the merged profile would hold more than ${limitOf(rules, type)} ${type} identities`;
    return null;
  };

  const requestRefs: number[] = [];
  for (const [index, request] of requests.entries()) {
    let target: number | undefined;
    let anchorRank = Number.POSITIVE_INFINITY;
    let anchor: IdentityInput | undefined;
    // Identities no profile holds yet, with their keys (computed once per identity).
    const unowned: Array<{ identity: IdentityInput; key: string }> = [];
    for (const identity of request.identities) {
      const key = identityKey(identity);
      const known = owner.get(key);
      if (known === undefined) {
        unowned.push({ identity, key });
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
        merges.push({
          loser,
          survivor,
          // One call named an identity of each profile.
          reason: {
            rule: "same_call",
            identities: [anchor!, identity].map((named) => ({ type: named.type, value: named.value })),
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
    for (const { identity, key } of unowned) {
      if (target === undefined) {
        target = newPending();
        anchorRank = priorityOf(rules, identity.type);
      }
      if (canAttach(target, identity)) {
        attach(target, identity, key);
        continue;
      }
      const rank = priorityOf(rules, identity.type);
      const blockedBy = target;
      const ownProfile = rank < anchorRank;
      if (ownProfile) {
        // The call belongs to its highest-priority identifier, which cannot join the profile found.
        target = newPending();
        anchorRank = rank;
        attach(target, identity, key);
      }
      audits.push({
        actor: "ingest",
        action: identity.type === rules.accountType ? "merge_refused" : "identity_limit_exceeded",
        entityType: "user",
        entityKey: blockedBy > 0 ? String(blockedBy) : null,
        before: { profile: blockedBy > 0 ? blockedBy : null, identity },
        after: {
          reason: `profile already holds ${limitOf(rules, identity.type)} ${identity.type} identities`,
          applied: ownProfile ? "new profile" : "identity not linked",
        },
      });
    }
    if (target === undefined)
      throw new Error("planIdentities needs at least one usable identity per request");
    requestRefs.push(target);
    const seen = seenAt[index];
    if (target < 0 && seen) {
      const range = pendingSeen.get(target) ?? { first: seen, last: seen };
      if (range.first && seen < range.first) range.first = seen;
      if (range.last && seen > range.last) range.last = seen;
      pendingSeen.set(target, range);
    }
  }

  // Pending refs absorbed by another carry their seen range into their root.
  const rootSeen = new Map<number, { first: Date | null; last: Date | null }>();
  for (const [pending, range] of pendingSeen) {
    const root = find(pending);
    const into = rootSeen.get(root) ?? { first: null, last: null };
    if (range.first && (!into.first || range.first < into.first)) into.first = range.first;
    if (range.last && (!into.last || range.last > into.last)) into.last = range.last;
    rootSeen.set(root, into);
  }
  const pendingRoots = [
    ...new Set(requestRefs.map(find).concat([...links.values()].map((link) => find(link.ref)))),
  ].filter((ref) => ref < 0);
  return {
    profiles: requestRefs.map(find),
    newProfiles: pendingRoots.map((ref) => ({
      ref,
      firstSeenAt: rootSeen.get(ref)?.first ?? null,
      lastSeenAt: rootSeen.get(ref)?.last ?? null,
    })),
    merges,
    // Sorted: concurrent batches take the unique-index locks in one order.
    links: [...links.values()]
      .map((link) => ({ identity: link.identity, profile: find(link.ref) }))
      .sort((x, y) => compareIdentities(x.identity, y.identity)),
    changed: [...new Set([...changed].map(find))],
    audits,
  };
}

function compareIdentities(a: IdentityInput, b: IdentityInput): number {
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
