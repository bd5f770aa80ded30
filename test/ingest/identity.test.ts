import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/client";
import type { EventInput } from "../../src/ingest/contract";
import { mergeTraits } from "../../src/ingest/merge";
import { DEFAULT_IDENTITY_RULES, isBlockedValue } from "../../src/ingest/rules";
import { IngestService } from "../../src/ingest/service";
import { countStatements, describeEachDatabase } from "../helpers/db";

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
let seq = 0;
const event = ({
  minute,
  ...fields
}: {
  userId?: string;
  anonymousId?: string;
  minute?: number;
  traits?: Record<string, unknown>;
}): EventInput => ({ messageId: `msg-${++seq}`, event: "page_view", timestamp: at(minute ?? 0), ...fields });

async function identitiesOf(db: Database, userId: number) {
  const rows = await db.query<{ type: string; value: string }>(
    sql`select type, value from identities where user_id = ${userId} order by type, value`,
  );
  return rows.map((row) => `${row.type}:${row.value}`);
}

async function ownerOf(db: Database, type: string, value: string): Promise<number> {
  const [row] = await db.query<{ userId: number }>(
    sql`select user_id as "userId" from identities where type = ${type} and value = ${value}`,
  );
  return row?.userId;
}

describe("identity rules", () => {
  it("blocks placeholder values and all-zero strings", () => {
    for (const value of ["", " ", "null", "NULL", "undefined", "anonymous", "0", "-1", "0000", "000000000"])
      expect(isBlockedValue(DEFAULT_IDENTITY_RULES, value), value).toBe(true);
    for (const value of ["u-1", "10", "a0", "0x1"])
      expect(isBlockedValue(DEFAULT_IDENTITY_RULES, value)).toBe(false);
  });

  it("keeps the most recently set value of each trait", () => {
    const merged = mergeTraits(
      {
        traits: { city: "上海", age: 30 },
        times: { city: "2026-01-02T00:00:00Z", age: "2026-01-01T00:00:00Z" },
      },
      {
        traits: { city: "北京", age: 31, gender: "f" },
        times: { city: "2026-01-01T00:00:00Z", age: "2026-01-03T00:00:00Z" },
      },
    );
    // city: survivor's is newer (01-02 > 01-01); age: loser's is newer; gender: only the loser has it.
    expect(merged.traits).toEqual({ city: "上海", age: 31, gender: "f" });
    expect(merged.times).toEqual({ city: "2026-01-02T00:00:00Z", age: "2026-01-03T00:00:00Z" });
  });
});

describeEachDatabase("identity resolution", (db) => {
  let ingest: IngestService;
  beforeAll(() => {
    ingest = new IngestService(db());
  });

  it("links an anonymous visitor to the account they sign in with, without a merge", async () => {
    const first = await ingest.track([event({ anonymousId: "anon-visitor", minute: 1 })]);
    expect(first.accepted).toBe(1);
    const visitor = await ownerOf(db(), "anonymous_id", "anon-visitor");
    const second = await ingest.track([
      event({ anonymousId: "anon-visitor", userId: "acct-visitor", minute: 5 }),
    ]);
    expect(second.accepted).toBe(1);
    expect(await ownerOf(db(), "user_id", "acct-visitor")).toBe(visitor);
    expect(await identitiesOf(db(), visitor)).toEqual(["anonymous_id:anon-visitor", "user_id:acct-visitor"]);
    const [profile] = await db().query<{ first: Date; last: Date; events: number }>(sql`
      select first_seen_at as first, last_seen_at as last,
        (select count(*)::int from events where user_id = ${visitor}) as events
      from users where id = ${visitor}`);
    expect(profile).toEqual({ first: new Date(at(1)), last: new Date(at(5)), events: 2 });
  });

  it("merges two devices of one person into the profile holding the account", async () => {
    await ingest.track([event({ anonymousId: "phone-1", minute: 1, traits: { city: "杭州" } })]);
    await ingest.track([event({ anonymousId: "laptop-1", minute: 2, traits: { city: "上海", vip: true } })]);
    const phone = await ownerOf(db(), "anonymous_id", "phone-1");
    const laptop = await ownerOf(db(), "anonymous_id", "laptop-1");
    expect(phone).not.toBe(laptop);
    expect(await ingest.identify({ userId: "acct-two-devices", anonymousId: "laptop-1" })).toBe(laptop);
    // The phone's profile is older, but the laptop's holds the user_id: the laptop's survives.
    expect(await ingest.identify({ userId: "acct-two-devices", anonymousId: "phone-1" })).toBe(laptop);
    const merges = await db().query(
      sql`select loser_id as "loserId", survivor_id as "survivorId", reason from user_merges where loser_id = ${phone}`,
    );
    expect(merges).toEqual([
      {
        loserId: phone,
        survivorId: laptop,
        reason: {
          rule: "same_call",
          identities: [
            { type: "user_id", value: "acct-two-devices" },
            { type: "anonymous_id", value: "phone-1" },
          ],
        },
      },
    ]);
    const [loser] = await db().query<{ mergedInto: number }>(
      sql`select merged_into as "mergedInto" from users where id = ${phone}`,
    );
    expect(loser.mergedInto).toBe(laptop);
    expect(await identitiesOf(db(), laptop)).toEqual([
      "anonymous_id:laptop-1",
      "anonymous_id:phone-1",
      "user_id:acct-two-devices",
    ]);
    // city set at minute 2 on the laptop beats minute 1 on the phone.
    const [survivor] = await db().query<{ traits: object; first: Date }>(
      sql`select traits, first_seen_at as first from users where id = ${laptop}`,
    );
    expect(survivor).toEqual({ traits: { city: "上海", vip: true }, first: new Date(at(1)) });
  });

  it("re-points an earlier merge when its survivor is merged in turn", async () => {
    await ingest.track([event({ anonymousId: "chain-a", minute: 1 })]);
    await ingest.track([event({ anonymousId: "chain-b", minute: 2 })]);
    await ingest.track([event({ anonymousId: "chain-c", minute: 3 })]);
    const [a, b, c] = await Promise.all(
      ["chain-a", "chain-b", "chain-c"].map((v) => ownerOf(db(), "anonymous_id", v)),
    );
    // One call naming b and c: c (younger) merges into b. Then a and b: b merges into a (older).
    await ingest.identify({
      identities: [
        { type: "anonymous_id", value: "chain-b" },
        { type: "anonymous_id", value: "chain-c" },
      ],
    });
    await ingest.identify({
      identities: [
        { type: "anonymous_id", value: "chain-a" },
        { type: "anonymous_id", value: "chain-b" },
      ],
    });
    const merges = await db().query(sql`
      select loser_id as "loserId", survivor_id as "survivorId", merged_into_at_time as "atTime"
      from user_merges where loser_id in (${b}, ${c}) order by loser_id`);
    expect(merges).toEqual([
      { loserId: b, survivorId: a, atTime: a },
      { loserId: c, survivorId: a, atTime: b },
    ]);
    const [counts] = await db().query<{ n: number }>(sql`
      select count(*)::int as n from events e left join user_merges m on m.loser_id = e.user_id
      where coalesce(m.survivor_id, e.user_id) = ${a}`);
    expect(counts.n).toBe(3);
  });

  it("never merges two accounts sharing an email, and audits the refusal", async () => {
    const alice = await ingest.identify({
      userId: "acct-alice",
      identities: [{ type: "email", value: "Shared@Example.com" }],
    });
    const bob = await ingest.identify({
      userId: "acct-bob",
      identities: [{ type: "email", value: "shared@example.com" }],
    });
    expect(bob).not.toBe(alice);
    expect(await ownerOf(db(), "email", "shared@example.com")).toBe(alice);
    expect(await identitiesOf(db(), bob)).toEqual(["user_id:acct-bob"]);
    // Both accounts known: the call goes to the higher-priority identifier (user_id acct-alice).
    await ingest.track([event({ anonymousId: "bob-phone", userId: "acct-bob" })]);
    expect(await ingest.identify({ userId: "acct-alice", anonymousId: "bob-phone" })).toBe(alice);
    const audits = await db().query<{ action: string; entityType: string }>(sql`
      select action, entity_type as "entityType" from audit_log where action = 'merge_refused' order by id`);
    expect(audits).toEqual([
      { action: "merge_refused", entityType: "user" },
      { action: "merge_refused", entityType: "user" },
    ]);
    const [merged] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from user_merges where loser_id in (${alice}, ${bob})`,
    );
    expect(merged.n).toBe(0);
  });

  it("links at most the configured number of identities of a type", async () => {
    const emails = [1, 2, 3, 4, 5, 6].map((i) => ({ type: "email", value: `limit${i}@example.com` }));
    const id = await ingest.identify({ userId: "acct-limits", identities: emails });
    // Default limit: 5 emails; the sixth is not linked and the drop is audited.
    expect((await identitiesOf(db(), id)).filter((v) => v.startsWith("email:"))).toHaveLength(5);
    expect(await ownerOf(db(), "email", "limit6@example.com")).toBeUndefined();
    const tight = new IngestService(db(), {
      ...DEFAULT_IDENTITY_RULES,
      limits: { user_id: 1, anonymous_id: 2 },
    });
    await tight.identify({ userId: "acct-tight", anonymousId: "tight-1" });
    await tight.identify({ userId: "acct-tight", anonymousId: "tight-2" });
    const owner = await tight.identify({ userId: "acct-tight", anonymousId: "tight-3" });
    expect(await identitiesOf(db(), owner)).toEqual([
      "anonymous_id:tight-1",
      "anonymous_id:tight-2",
      "user_id:acct-tight",
    ]);
    const [audit] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from audit_log where action = 'identity_limit_exceeded'`,
    );
    expect(audit.n).toBe(2);
  });

  it("never links blocked values", async () => {
    const result = await ingest.track([
      event({ userId: "null", anonymousId: "0" }),
      event({ userId: "undefined", anonymousId: "anon-blocked-test" }),
      event({ userId: "-1", anonymousId: "00000" }),
    ]);
    expect(result.accepted).toBe(1);
    expect(result.rejected.map((r) => [r.index, r.code])).toEqual([
      [0, "MISSING_IDENTIFIER"],
      [2, "MISSING_IDENTIFIER"],
    ]);
    const id = await ingest.identify({
      anonymousId: "anon-blocked-test",
      identities: [
        { type: "email", value: "" },
        { type: "phone", value: "anonymous" },
      ],
    });
    expect(await identitiesOf(db(), id)).toEqual(["anonymous_id:anon-blocked-test"]);
    const [blocked] = await db().query<{ n: number }>(sql`
      select count(*)::int as n from identities where value in ('', 'null', 'undefined', '0', '-1', '00000', 'anonymous')`);
    expect(blocked.n).toBe(0);
    await expect(ingest.identify({ userId: "null" })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("moves manual tags to the survivor", async () => {
    await db().query(sql`
      insert into tags (key, name, category, kind, updated_by) values
        ('vip_manual', 'VIP', 'service', 'MANUAL', 'test'), ('computed_x', 'X', 'behaviour', 'RULE', 'test')`);
    await ingest.track([
      event({ anonymousId: "tag-old", minute: 1 }),
      event({ anonymousId: "tag-new", minute: 2 }),
    ]);
    const older = await ownerOf(db(), "anonymous_id", "tag-old");
    const younger = await ownerOf(db(), "anonymous_id", "tag-new");
    await db().query(sql`
      insert into tag_members (tag_key, user_id, value) values ('vip_manual', ${younger}, 'gold'), ('computed_x', ${younger}, null)`);
    await ingest.identify({
      identities: [
        { type: "anonymous_id", value: "tag-old" },
        { type: "anonymous_id", value: "tag-new" },
      ],
    });
    const rows = await db().query(
      sql`select tag_key as "tagKey", user_id as "userId", value from tag_members order by tag_key`,
    );
    expect(rows).toEqual([
      { tagKey: "computed_x", userId: younger, value: null },
      { tagKey: "vip_manual", userId: older, value: "gold" },
    ]);
    // The move is logged: the loser exits the manual tag and the survivor enters it.
    const changes = await db().query(sql`
      select tag_key as "tagKey", user_id as "userId", change, value from tag_membership_changes order by change`);
    expect(changes).toEqual([
      { tagKey: "vip_manual", userId: older, change: "entered", value: "gold" },
      { tagKey: "vip_manual", userId: younger, change: "exited", value: "gold" },
    ]);
  });

  it("resolves a batch of 1,000 events of new visitors in a fixed number of statements", async () => {
    const batch = Array.from({ length: 1000 }, (_, i) =>
      event({
        anonymousId: `bulk-${i % 250}`,
        userId: i % 2 === 0 ? `bulk-acct-${i % 250}` : undefined,
        minute: i % 60,
      }),
    );
    const { result, statements } = await countStatements(db(), () => ingest.track(batch));
    expect(result).toEqual({ accepted: 1000, updated: 0, duplicates: 0, rejected: [] });
    // begin, known message ids, identity lookup, profile counts, new users, new identities,
    // events, commit: no per-item statements.
    expect(statements.length).toBeLessThanOrEqual(10);
    const [counts] = await db().query<{ users: number }>(sql`
      select count(distinct user_id)::int as users from identities where value like 'bulk-%'`);
    expect(counts.users).toBe(250);
    const again = await countStatements(db(), () => ingest.track(batch));
    expect(again.result).toEqual({ accepted: 0, updated: 0, duplicates: 1000, rejected: [] });
  });
});
