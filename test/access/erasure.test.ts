import "reflect-metadata";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Role } from "../../src/access/permissions";
import { loadConfig } from "../../src/config";
import { connect, type Database, migrate } from "../../src/db/client";
import { createServices } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";
import { databaseFingerprint, keysForEveryRole } from "./helpers";

/** Everything that identifies Ann, across two profiles that were merged. */
const ANN = [
  "Ann Lee",
  "ann.lee@example.com",
  "13900001111",
  "ann-001",
  "anon-ann-77",
  "oAnn7777",
  "李安娜",
  "13700005555",
  "西湖路 8 号",
];
const BOB = ["Bob Wu", "bob@example.com", "bob-002"];

/** Rows of any table whose text, json or jsonb columns contain `value` anywhere. */
async function occurrences(db: Database, value: string): Promise<string[]> {
  const columns = await db.query<{ table: string; column: string }>(sql`
    select c.table_name as table, c.column_name as column from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
      and c.data_type in ('text', 'character varying', 'json', 'jsonb')
    order by 1, 2`);
  // One statement per value: a table.column label for every column holding it.
  const rows = await db.query<{ place: string }>(
    sql.join(
      columns.map(
        ({ table, column }) => sql`select ${`${table}.${column}`}::text as place from ${sql.identifier(table)}
          where strpos(${sql.identifier(column)}::text, ${value}) > 0`,
      ),
      sql` union `,
    ),
  );
  return rows.map((row) => row.place).sort();
}

describeEachDatabase("right to erasure", (db) => {
  let api: TestApi;
  let keys: Record<Role, string>;
  let ann: string;
  let annAnonymous: string;

  const ok = async (query: string) => {
    const response = await api.gql(query);
    expect(response.errors, query).toBeUndefined();
    return response.data;
  };
  const totals = async () =>
    (
      await ok(`{ metrics(timeRange: { from: "2026-01-01", to: "2026-02-01" }, grain: ALL, timezone: "UTC") {
        rows { gmv orders events } } }`)
    ).metrics.rows;

  beforeAll(async () => {
    api = await startTestApi(db());
    keys = await keysForEveryRole(api.services);
    await ok(`mutation { identify(input: { userId: "ann-001",
      identities: [{ type: "email", value: "ann.lee@example.com" }, { type: "phone", value: "13900001111" }],
      traits: { name: "Ann Lee", email: "ann.lee@example.com", phone: "13900001111", city: "杭州" } }) { id } }`);
    // Before she signed in: an anonymous profile with a WeChat id and a checkout to her home.
    await ok(`mutation { track(events: [{ messageId: "m-1", event: "checkout", timestamp: "2026-01-05T10:00:00Z",
      anonymousId: "anon-ann-77",
      properties: { receiver_name: "李安娜", receiver_phone: "13700005555", category: "beauty",
        delivery: { address: "西湖路 8 号" } } }]) { accepted } }`);
    await ok(`mutation { identify(input: { anonymousId: "anon-ann-77",
      identities: [{ type: "wechat_openid", value: "oAnn7777" }] }) { id } }`);
    await ok(`mutation { identify(input: { userId: "ann-001", anonymousId: "anon-ann-77" }) { id } }`);
    await ok(`mutation { identify(input: { userId: "bob-002", identities: [{ type: "email", value: "bob@example.com" }],
      traits: { name: "Bob Wu", email: "bob@example.com" } }) { id } }`);
    // Bob's account naming Ann's email is refused and audited with her email in the payload.
    await ok(`mutation { identify(input: { userId: "bob-002",
      identities: [{ type: "email", value: "ann.lee@example.com" }] }) { id } }`);
    await ok(`mutation { track(events: [{ messageId: "m-2", event: "page_view", timestamp: "2026-01-07T09:00:00Z",
      userId: "bob-002" }]) { accepted } }`);
    await ok(`mutation { recordOrders(orders: [
      { orderId: "o-ann", userId: "ann-001", placedAt: "2026-01-06T08:00:00Z", status: PAID, totalAmount: 120.5 },
      { orderId: "o-bob", userId: "bob-002", placedAt: "2026-01-08T08:00:00Z", status: PAID, totalAmount: 30 }]) { accepted } }`);
    const found = await ok(
      `{ userByIdentity(type: "user_id", value: "ann-001") { id mergedFrom { userId } } }`,
    );
    ann = found.userByIdentity.id;
    annAnonymous = found.userByIdentity.mergedFrom[0].userId;
    const bob = (await ok(`{ userByIdentity(type: "user_id", value: "bob-002") { id } }`)).userByIdentity.id;
    await ok(`mutation { createTag(input: { key: "contact", name: "Contact", category: BASIC, kind: VALUE,
      rule: "trait.email" }) { key } }`);
    await ok(`mutation { createTag(input: { key: "buyer", name: "Buyer", category: TRANSACTION, kind: RULE,
      rule: "count(orders) >= 1" }) { key } }`);
    await ok(
      `mutation { createStaticSegment(input: { key: "both", name: "Both", userIds: ["${ann}", "${bob}"] }) { key } }`,
    );
    await ok(`mutation { createCampaign(input: { key: "both_sms", name: "Both", channel: "sms", segment: "both",
      holdoutShare: 0.5 }) { key } }`);
    await ok(`mutation { launchCampaign(key: "both_sms") { audience } }`);
  });
  afterAll(() => api.close());

  it("is for administrators only", async () => {
    for (const role of ["EDITOR", "ANALYST", "VIEWER", "INGEST"] as const) {
      const response = await api.gql(`mutation { deleteUser(id: "${ann}") { changed } }`, {}, keys[role]);
      expect(response.errors?.[0].extensions?.code, role).toBe("FORBIDDEN");
    }
    const unknown = await api.gql(`mutation { deleteUser(id: "999999") { changed } }`);
    expect(unknown.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const bad = await api.gql(`mutation { deleteUser(id: "ann") { changed } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "id" });
  });

  it("removes every value of the person from every table, keeps the facts, and is idempotent", async () => {
    // The setup really stored her values: the scan finds each of them before.
    for (const value of ANN) expect(await occurrences(db(), value), value).not.toEqual([]);
    // gmv 120.5 + 30; two paid orders; events: m-1, m-2 and one order_paid per order.
    expect(await totals()).toEqual([{ gmv: 150.5, orders: 2, events: 4 }]);

    // Erasing through the merged-away anonymous profile erases the person.
    const erased = await ok(`mutation { deleteUser(id: "${annAnonymous}") {
      userId profiles identities profilesWithTraits events tagMemberships segmentMemberships auditEntries changed } }`);
    expect(erased.deleteUser).toEqual({
      userId: ann,
      profiles: [ann, annAnonymous].sort((a, b) => Number(a) - Number(b)),
      identities: 5, // user_id, email, phone, anonymous_id, wechat_openid
      profilesWithTraits: 1, // the anonymous profile had none
      events: 1, // m-1 (anonymous id and PII properties); order_paid events hold neither
      tagMemberships: 2, // contact (her email) and buyer
      segmentMemberships: 1,
      auditEntries: 1, // the refused merge naming her email
      changed: true,
    });

    for (const value of ANN) expect(await occurrences(db(), value), value).toEqual([]);
    // A launched campaign's frozen audience keeps her profile id and arm (no PII): its results
    // must not change after the launch, as her anonymised orders still count in the metrics.
    const [kept] = await db().query<{ n: number }>(sql`
      select count(*)::int as n from campaign_audience where campaign_key = 'both_sms' and user_id = ${Number(ann)}`);
    expect(kept.n).toBe(1);
    expect((await ok(`{ campaignResults(key: "both_sms") { audience } }`)).campaignResults.audience).toBe(2);
    for (const value of BOB) expect(await occurrences(db(), value), value).not.toEqual([]);
    expect(await totals()).toEqual([{ gmv: 150.5, orders: 2, events: 4 }]);
    const profile = await ok(`{ user(id: "${ann}") { traits identities { type } tags { key } segments { key }
      events { edges { node { properties } } } orders { totalCount } } }`);
    expect(profile.user).toEqual({
      traits: {},
      identities: [],
      tags: [],
      segments: [],
      events: {
        edges: [
          // newest first: order_paid (2026-01-06), then the checkout with its non-PII property only
          { node: { properties: expect.any(Object) } },
          { node: { properties: { category: "beauty", delivery: {} } } },
        ],
      },
      orders: { totalCount: 1 },
    });
    const [audit] = await db().query<{ actor: string; after: Record<string, unknown> }>(sql`
      select actor, after from audit_log where action = 'erase' and entity_type = 'user'`);
    expect(audit).toMatchObject({ actor: "admin (STRATUM_ADMIN_KEY)", after: { userId: Number(ann) } });
    const [refusal] = await db().query<{ before: unknown }>(sql`
      select before from audit_log where action = 'merge_refused'`);
    expect(JSON.stringify(refusal.before)).toContain("[erased]");

    // Again: nothing is left, nothing changes, no second audit entry.
    const before = await databaseFingerprint(db());
    const again = await ok(`mutation { deleteUser(id: "${ann}") { changed identities events } }`);
    expect(again.deleteUser).toEqual({ changed: false, identities: 0, events: 0 });
    expect(await databaseFingerprint(db())).toEqual(before);
  });
});

// The CLI runs in its own process, so it needs a database another process can open: PostgreSQL.
describe.runIf(inject("postgresUrl") !== null)("stratum erase", () => {
  it("erases a person from the command line, once", async () => {
    const adminUrl = inject("postgresUrl") as string;
    const name = `stratum_test_${randomBytes(6).toString("hex")}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const db = await connect({ databaseUrl: url.toString(), maxConnections: 2 });
    try {
      await migrate(db);
      const services = createServices(db, loadConfig({}));
      const id = await services.ingest.identify({
        userId: "cli-7",
        identities: [{ type: "email", value: "cli.person@example.com" }],
        traits: { name: "Cli Person" },
      });
      const run = () =>
        promisify(execFile)("node", ["bin/stratum.js", "erase", String(id)], {
          env: { ...process.env, DATABASE_URL: url.toString() },
        });
      expect((await run()).stdout).toContain(`erased profile ${id}`);
      for (const value of ["cli-7", "cli.person@example.com", "Cli Person"])
        expect(await occurrences(db, value), value).toEqual([]);
      expect((await run()).stdout).toContain("nothing left to erase");
      const [{ n }] = await db.query<{ n: number }>(
        sql`select count(*)::int as n from audit_log where action = 'erase' and actor = 'system'`,
      );
      expect(n).toBe(1);
    } finally {
      await db.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 1 });
    }
  });
});
