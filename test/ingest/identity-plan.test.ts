import { describe, expect, it } from "vitest";
import type { IdentityInput } from "../../src/ingest/contract";
import {
  identityKey,
  type LoadedIdentities,
  planIdentities,
  profilesToInspect,
  type StoredProfile,
} from "../../src/ingest/identity-plan";
import { DEFAULT_IDENTITY_RULES } from "../../src/ingest/rules";

const rules = DEFAULT_IDENTITY_RULES;
const userId = (value: string): IdentityInput => ({ type: "user_id", value });
const phone = (value: string): IdentityInput => ({ type: "phone", value });
const email = (value: string): IdentityInput => ({ type: "email", value });
const wechat = (value: string): IdentityInput => ({ type: "wechat_unionid", value });
const anon = (value: string): IdentityInput => ({ type: "anonymous_id", value });

const profile = (
  createdAt: string,
  counts: Record<string, number>,
  account: string | null = null,
): StoredProfile => ({
  createdAt: new Date(createdAt),
  counts: new Map(Object.entries(counts)),
  account,
});

/** Stored state: which profile holds each identity, and the profiles the plan inspects. */
const loaded = (
  owners: Array<[IdentityInput, number]>,
  profiles: Record<number, StoredProfile> = {},
): LoadedIdentities => ({
  owners: new Map(owners.map(([identity, id]) => [identityKey(identity), id])),
  profiles: new Map(Object.entries(profiles).map(([id, p]) => [Number(id), p])),
});

const t1 = new Date("2026-01-01T10:00:00Z");
const t2 = new Date("2026-01-01T11:00:00Z");

describe("profilesToInspect", () => {
  it("names the profiles that may gain an identity or meet another, not those only found", () => {
    const owners = loaded([
      [anon("a"), 1],
      [anon("b"), 2],
      [anon("c"), 3],
      [anon("d"), 4],
    ]).owners;
    const requests = [
      { identities: [anon("a")] }, // only found: nothing to inspect
      { identities: [anon("b"), anon("c")] }, // two profiles meet
      { identities: [userId("new"), anon("d")] }, // 4 may gain user_id "new"
    ];
    expect([...profilesToInspect(requests, owners)].sort()).toEqual([2, 3, 4]);
  });
});

describe("planIdentities", () => {
  it("creates one profile for a call of new identities, spanning its requests' times", () => {
    const plan = planIdentities(
      rules,
      [{ identities: [userId("u-1"), anon("a-1")] }, { identities: [anon("a-1")] }],
      loaded([]),
      [t2, t1],
    );
    expect(plan).toEqual({
      profiles: [-1, -1],
      newProfiles: [{ ref: -1, firstSeenAt: t1, lastSeenAt: t2 }],
      merges: [],
      links: [
        { identity: anon("a-1"), profile: -1 },
        { identity: userId("u-1"), profile: -1 },
      ],
      changed: [],
      audits: [],
    });
  });

  it("attaches a new identity to the profile of the known one", () => {
    const plan = planIdentities(
      rules,
      [{ identities: [userId("u-7"), anon("a-7")] }],
      loaded([[anon("a-7"), 7]], { 7: profile("2026-01-01", { anonymous_id: 1 }) }),
      [null],
    );
    expect(plan).toEqual({
      profiles: [7],
      newProfiles: [],
      merges: [],
      links: [{ identity: userId("u-7"), profile: 7 }],
      changed: [7],
      audits: [],
    });
  });

  it("merges the younger of two profiles into the older, or into the one holding the account", () => {
    const stored = loaded(
      [
        [phone("A"), 3],
        [email("B"), 5],
      ],
      { 3: profile("2026-01-01", { phone: 1 }), 5: profile("2026-01-02", { email: 1 }) },
    );
    const plan = planIdentities(rules, [{ identities: [phone("A"), email("B")] }], stored, [null]);
    expect(plan).toEqual({
      profiles: [3],
      newProfiles: [],
      merges: [
        { loser: 5, survivor: 3, reason: { rule: "same_call", identities: [phone("A"), email("B")] } },
      ],
      links: [],
      changed: [3],
      audits: [],
    });
    // The younger profile holds a user_id: it survives.
    const withAccount = loaded(
      [
        [phone("A"), 3],
        [userId("acct"), 5],
      ],
      { 3: profile("2026-01-01", { phone: 1 }), 5: profile("2026-01-02", { user_id: 1 }, "acct") },
    );
    const accountPlan = planIdentities(rules, [{ identities: [userId("acct"), phone("A")] }], withAccount, [
      null,
    ]);
    expect(accountPlan.profiles).toEqual([5]);
    expect(accountPlan.merges).toEqual([
      { loser: 3, survivor: 5, reason: { rule: "same_call", identities: [userId("acct"), phone("A")] } },
    ]);
  });

  it("orders a merge chain so the profile merged first ends in the final survivor", () => {
    // A on 3 (oldest), B on 5, C on 8 (youngest). Call 1 names B and C: 8 merges into 5.
    // Call 2 names A and B: B now belongs to 5, which merges into 3; call 1's profile is 3 too.
    const stored = loaded(
      [
        [phone("A"), 3],
        [email("B"), 5],
        [wechat("C"), 8],
      ],
      {
        3: profile("2026-01-01", { phone: 1 }),
        5: profile("2026-01-02", { email: 1 }),
        8: profile("2026-01-03", { wechat_unionid: 1 }),
      },
    );
    const plan = planIdentities(
      rules,
      [{ identities: [email("B"), wechat("C")] }, { identities: [phone("A"), email("B")] }],
      stored,
      [null, null],
    );
    expect(plan).toEqual({
      profiles: [3, 3],
      newProfiles: [],
      merges: [
        { loser: 8, survivor: 5, reason: { rule: "same_call", identities: [email("B"), wechat("C")] } },
        { loser: 5, survivor: 3, reason: { rule: "same_call", identities: [phone("A"), email("B")] } },
      ],
      links: [],
      changed: [3],
      audits: [],
    });
  });

  it("never merges two profiles holding different accounts, and audits the refusal", () => {
    const stored = loaded(
      [
        [userId("alice"), 3],
        [anon("shared-device"), 5],
      ],
      {
        3: profile("2026-01-01", { user_id: 1 }, "alice"),
        5: profile("2026-01-02", { user_id: 1, anonymous_id: 1 }, "bob"),
      },
    );
    const plan = planIdentities(rules, [{ identities: [userId("alice"), anon("shared-device")] }], stored, [
      null,
    ]);
    expect(plan).toEqual({
      profiles: [3],
      newProfiles: [],
      merges: [],
      links: [],
      changed: [],
      audits: [
        {
          actor: "ingest",
          action: "merge_refused",
          entityType: "user",
          entityKey: "3",
          before: { profiles: [3, 5], identity: anon("shared-device") },
          after: { reason: "both profiles hold a different user_id", appliedTo: 3 },
        },
      ],
    });
  });

  it("gives a second account its own profile, and drops an identity over the limit", () => {
    // Profile 5 already holds account "bob": "carol" (user_id outranks anonymous_id) cannot
    // join it, so the call goes to a new profile holding carol.
    const plan = planIdentities(
      rules,
      [{ identities: [userId("carol"), anon("shared-device")] }],
      loaded([[anon("shared-device"), 5]], {
        5: profile("2026-01-02", { user_id: 1, anonymous_id: 1 }, "bob"),
      }),
      [t1],
    );
    expect(plan).toEqual({
      profiles: [-1],
      newProfiles: [{ ref: -1, firstSeenAt: t1, lastSeenAt: t1 }],
      merges: [],
      links: [{ identity: userId("carol"), profile: -1 }],
      changed: [],
      audits: [
        {
          actor: "ingest",
          action: "merge_refused",
          entityType: "user",
          entityKey: "5",
          before: { profile: 5, identity: userId("carol") },
          after: { reason: "profile already holds 1 user_id identities", applied: "new profile" },
        },
      ],
    });
    // A sixth email (limit 5) ranks below the phone that found the profile: dropped.
    const full = planIdentities(
      rules,
      [{ identities: [phone("P"), email("sixth@example.com")] }],
      loaded([[phone("P"), 9]], { 9: profile("2026-01-01", { phone: 1, email: 5 }) }),
      [null],
    );
    expect(full).toMatchObject({ profiles: [9], links: [], changed: [] });
    expect(full.audits).toEqual([
      {
        actor: "ingest",
        action: "identity_limit_exceeded",
        entityType: "user",
        entityKey: "9",
        before: { profile: 9, identity: email("sixth@example.com") },
        after: { reason: "profile already holds 5 email identities", applied: "identity not linked" },
      },
    ]);
  });

  it("absorbs a profile created earlier in the batch instead of merging it", () => {
    // Request 1 creates a profile for anonymous "n"; request 2 names n with account holder 7.
    const plan = planIdentities(
      rules,
      [{ identities: [anon("n")] }, { identities: [userId("u-7"), anon("n")] }],
      loaded([[userId("u-7"), 7]], { 7: profile("2026-01-01", { user_id: 1 }, "u-7") }),
      [t1, t2],
    );
    expect(plan).toMatchObject({
      profiles: [7, 7],
      newProfiles: [],
      merges: [],
      links: [{ identity: anon("n"), profile: 7 }],
    });
  });
});
