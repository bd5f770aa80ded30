import { sql } from "drizzle-orm";
import type { AuditEntry } from "../audit/service";
import type { Database } from "../db/client";
import { lockProfiles } from "../db/locks";
import { bigintArray, textArray } from "../semantic/arrays";
import type { IdentityInput } from "./contract";
import {
  type IdentityPlan,
  type IdentityRequest,
  identityKey,
  type LoadedIdentities,
  planIdentities,
  profilesToInspect,
  type StoredProfile,
} from "./identity-plan";
import { mergeProfiles } from "./merge";
import type { IdentityRules } from "./rules";

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

/**
 * A concurrent merge moved this batch's identities to a profile it cannot lock in order; the
 * batch is retried from the start (as it is after a unique violation: a concurrent batch
 * linked the same new identity first).
 */
export class IdentityRaceError extends Error {}

/**
 * Resolves every request of a batch to one profile, set-based: load (identity owners, then
 * the profiles that may gain identities or merge, locked), plan (`planIdentities`, no I/O),
 * apply (one insert each for new profiles and new identity links; only merges of two stored
 * profiles cost statements per merge, and they are rare). Runs inside the caller's transaction.
 */
export async function resolveIdentities(
  tx: Database,
  rules: IdentityRules,
  requests: readonly IdentityRequest[],
  seenAt: readonly (Date | null)[],
): Promise<Resolution> {
  const loaded = await loadIdentities(tx, rules, requests);
  return applyIdentityPlan(tx, planIdentities(rules, requests, loaded, seenAt));
}

/**
 * Reads what the plan needs. The profiles that may gain an identity or merge are locked
 * (`lockProfiles`, an advisory lock per profile) before their identities are read again: a concurrent merge holding one of
 * them has committed by then, so the owners read next are current and the plan never merges
 * into, or links to, a profile merged away meanwhile. Owners that moved to profiles not yet
 * locked are locked in turn. A batch only ever locks profiles in increasing id order, so
 * batches queue instead of deadlocking; one that would need a lower id than it holds (a
 * merge moved its identities to an older profile) starts again (`IdentityRaceError`).
 */
async function loadIdentities(
  tx: Database,
  rules: IdentityRules,
  requests: readonly IdentityRequest[],
): Promise<LoadedIdentities> {
  const all = new Map<string, IdentityInput>();
  for (const request of requests)
    for (const identity of request.identities) all.set(identityKey(identity), identity);
  // Sorted: the lookup walks the (type, value) index in order.
  const identities = [...all.keys()].sort().map((key) => all.get(key)!);
  let owners = await lookUpOwners(tx, identities);
  let inspect = profilesToInspect(requests, owners);
  const locked = new Set<number>();
  let highestLocked = 0;
  for (;;) {
    const toLock = [...inspect].filter((id) => !locked.has(id)).sort((a, b) => a - b);
    if (toLock.length === 0) break;
    if (toLock[0] < highestLocked)
      throw new IdentityRaceError("a profile this batch links to was merged concurrently");
    await tx.query(lockProfiles(toLock));
    for (const id of toLock) locked.add(id);
    highestLocked = toLock[toLock.length - 1];
    owners = await lookUpOwners(tx, identities);
    inspect = profilesToInspect(requests, owners);
  }
  return { owners, profiles: await readProfiles(tx, rules, inspect) };
}

async function lookUpOwners(
  tx: Database,
  identities: readonly IdentityInput[],
): Promise<Map<string, number>> {
  const owners = new Map<string, number>();
  if (identities.length === 0) return owners;
  // Two text arrays in and one text out ("position owner …" of the identities found): a chunk
  // of the loader looks up some 13,000 identities, and JSON records or one row each cost more
  // to build and read than the lookup itself.
  const [{ found }] = await tx.query<{ found: string | null }>(sql`
    select string_agg(x.n::text || ' ' || i.user_id::text, ' ') as found
    from unnest(${textArray(identities.map((identity) => identity.type))},
      ${textArray(identities.map((identity) => identity.value))}) with ordinality as x(type, value, n)
    join identities i on i.type = x.type and i.value = x.value`);
  if (found === null) return owners;
  const pairs = found.split(" ");
  for (let i = 0; i < pairs.length; i += 2)
    owners.set(identityKey(identities[Number(pairs[i]) - 1]), Number(pairs[i + 1]));
  return owners;
}

/** Identity counts per type and the account of each profile, in one statement. */
async function readProfiles(
  tx: Database,
  rules: IdentityRules,
  ids: ReadonlySet<number>,
): Promise<Map<number, StoredProfile>> {
  const profiles = new Map<
    number,
    { createdAt: Date; counts: Map<string, number>; account: string | null }
  >();
  if (ids.size === 0) return profiles;
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
    where u.id = any(${bigintArray(ids)})
    group by u.id, u.created_at, i.type`);
  for (const row of rows) {
    const profile = profiles.get(row.id) ?? { createdAt: row.createdAt, counts: new Map(), account: null };
    if (row.type !== null) profile.counts.set(row.type, row.n);
    if (row.account !== null) profile.account = row.account;
    profiles.set(row.id, profile);
  }
  return profiles;
}

/** Writes a plan: new profiles (ids drawn in plan order), merges, then the new identity links. */
async function applyIdentityPlan(tx: Database, plan: IdentityPlan): Promise<Resolution> {
  const realId = new Map<number, number>();
  const created = new Set<number>();
  if (plan.newProfiles.length > 0) {
    const now = new Date().toISOString();
    const first = plan.newProfiles.map((profile) => profile.firstSeenAt?.toISOString() ?? now);
    const last = plan.newProfiles.map((profile) => profile.lastSeenAt?.toISOString() ?? now);
    // Identity values are drawn in insertion order, which follows `ordinality`: the n-th
    // smallest id returned belongs to the n-th new profile.
    const inserted = await tx.query<{ id: number }>(sql`
      insert into users (first_seen_at, last_seen_at)
      select x.first, x.last
      from unnest(${textArray(first)}::timestamptz[], ${textArray(last)}::timestamptz[])
        with ordinality as x(first, last, n)
      order by x.n
      returning id`);
    const ids = inserted.map((row) => row.id).sort((a, b) => a - b);
    plan.newProfiles.forEach((profile, i) => {
      realId.set(profile.ref, ids[i]);
      created.add(ids[i]);
    });
  }
  const idOf = (ref: number): number => (ref < 0 ? realId.get(ref)! : ref);

  for (const merge of plan.merges) await mergeProfiles(tx, merge.loser, merge.survivor, merge.reason);

  if (plan.links.length > 0) {
    // No ON CONFLICT (a speculative insertion costs about half as much again): every link is
    // an identity the lookup did not find, so a conflict means a concurrent batch linked it
    // first, and the unique violation reruns this batch (`lostRace`).
    await tx.query(sql`
      insert into identities (type, value, user_id)
      select * from unnest(${textArray(plan.links.map((link) => link.identity.type))},
        ${textArray(plan.links.map((link) => link.identity.value))},
        ${bigintArray(plan.links.map((link) => idOf(link.profile)))})`);
  }
  return {
    userIds: plan.profiles.map(idOf),
    created,
    changed: new Set(plan.changed),
    audits: plan.audits,
  };
}
