import { createHmac } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DeliveryWorker } from "../../src/automation/worker";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";
import { Receiver } from "./receiver";

const SECRET = "whsec_api_0123456789abcdef";
const IDENTIFY = `mutation($input: IdentifyInput!) { identify(input: $input) { id } }`;
const TRACK = `mutation($events: [EventInput!]!) { track(events: $events) { accepted } }`;
const DELIVERIES = `query($trigger: String, $status: DeliveryStatus, $first: Int, $after: String) {
  deliveries(trigger: $trigger, status: $status, first: $first, after: $after) {
    totalCount edges { cursor node { id trigger destination userId status attempts lastStatusCode
      attemptLog { attempt statusCode error } } }
    pageInfo { hasNextPage endCursor } } }`;

describeEachDatabase("automation API", (db) => {
  let api: TestApi;
  const receiver = new Receiver();
  const drain = () =>
    new DeliveryWorker(db(), api.services.pii, {
      ...api.services.config.delivery,
      baseDelayMs: 1,
      maxDelayMs: 1,
    }).drain();

  beforeAll(async () => {
    api = await startTestApi(db());
    await receiver.start();
  });
  afterAll(async () => {
    await api.close();
    await receiver.stop();
  });

  it("creates a destination whose secret is never readable back", async () => {
    const created = await api.gql(
      `mutation($url: String!, $secret: String!) {
        createDestination(input: { key: "shop-hook", url: $url, secret: $secret }) {
          key name url headers rateLimit includePii version } }`,
      { url: receiver.url, secret: SECRET },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createDestination).toEqual({
      key: "shop-hook",
      name: "shop-hook",
      url: receiver.url,
      headers: {},
      rateLimit: null,
      includePii: false,
      version: 1,
    });
    const fields = await api.gql(`{ __type(name: "Destination") { fields { name } } }`);
    expect(fields.data.__type.fields.map((f: { name: string }) => f.name)).not.toContain("secret");
    const audit = await api.gql(`{ auditLog(entityType: "destination") { edges { node { after } } } }`);
    expect(JSON.stringify(audit.data)).not.toContain(SECRET);
    const refused = await api.gql(
      `mutation { createDestination(input: { key: "bad", url: "ftp://x", secret: "${SECRET}" }) { key } }`,
    );
    expect(refused.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "url" });
  });

  it("tests a destination with a signed request", async () => {
    const answer = await api.gql(`mutation { testDestination(id: "shop-hook") { ok statusCode error } }`);
    expect(answer.data.testDestination).toEqual({ ok: true, statusCode: 200, error: null });
    const [request] = receiver.requests.splice(0);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(request.headers["x-stratum-signature"]))!;
    expect(createHmac("sha256", SECRET).update(`${t}.${request.body}`).digest("hex")).toBe(v1);
    expect(JSON.parse(request.body)).toMatchObject({ test: true, destination: "shop-hook" });
  });

  it("creates a destination with headers, sends them with Stratum's own, and refuses Stratum's names", async () => {
    const created = await api.gql(
      `mutation($url: String!, $secret: String!, $headers: JSON) {
        createDestination(input: { key: "headed-hook", url: $url, secret: $secret, headers: $headers }) {
          key headers version } }`,
      { url: receiver.url, secret: SECRET, headers: { "X-Shop-Token": "tea-42" } },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createDestination).toEqual({
      key: "headed-hook",
      headers: { "X-Shop-Token": "tea-42" },
      version: 1,
    });
    const answer = await api.gql(`mutation { testDestination(id: "headed-hook") { ok statusCode } }`);
    expect(answer.data.testDestination).toEqual({ ok: true, statusCode: 200 });
    const [request] = receiver.requests.splice(0);
    expect(request.headers).toMatchObject({
      "x-shop-token": "tea-42",
      "content-type": "application/json",
      "user-agent": "Stratum-Webhooks/1",
    });
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(request.headers["x-stratum-signature"]))!;
    expect(createHmac("sha256", SECRET).update(`${t}.${request.body}`).digest("hex")).toBe(v1);

    const refusedCreate = await api.gql(
      `mutation($url: String!, $secret: String!, $headers: JSON) {
        createDestination(input: { key: "forging-hook", url: $url, secret: $secret, headers: $headers }) { key } }`,
      { url: receiver.url, secret: SECRET, headers: { "X-Ok": "1", "x-stratum-signature": "t=1,v1=forged" } },
    );
    expect(refusedCreate.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "headers",
    });
    const UPDATE = `mutation($headers: JSON) {
      updateDestination(key: "headed-hook", expectedVersion: 1, input: { headers: $headers }) { headers version } }`;
    const refusedUpdate = await api.gql(UPDATE, { headers: { "Idempotency-Key": "x" } });
    expect(refusedUpdate.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "headers",
    });
    // Replacing the headers is a new version; the old ones are no longer sent.
    const updated = await api.gql(UPDATE, { headers: { "X-Region": "east" } });
    expect(updated.data.updateDestination).toEqual({ headers: { "X-Region": "east" }, version: 2 });
    await api.gql(`mutation { testDestination(id: "headed-hook") { ok } }`);
    const [after] = receiver.requests.splice(0);
    expect(after.headers["x-region"]).toBe("east");
    expect(after.headers["x-shop-token"]).toBeUndefined();
    await api.gql(`mutation { archiveDestination(key: "headed-hook") { key } }`);
  });

  it("creates a weekly schedule trigger with best-time delivery, and refuses a schedule beside an event", async () => {
    const created = await api.gql(`mutation {
      createTrigger(input: { key: "monday-digest", destination: "shop-hook", bestTime: true,
        schedule: { every: WEEK, at: "09:30", weekday: 1 } }) {
        key event bestTime schedule { every at weekday segment tag } } }`);
    expect(created.errors).toBeUndefined();
    expect(created.data.createTrigger).toEqual({
      key: "monday-digest",
      event: null,
      bestTime: true,
      schedule: { every: "WEEK", at: "09:30", weekday: 1, segment: null, tag: null },
    });
    const refused = await api.gql(`mutation {
      createTrigger(input: { key: "both", destination: "shop-hook", event: "x",
        schedule: { every: DAY, at: "09:30" } }) { key } }`);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "schedule" });
    await api.gql(`mutation { archiveTrigger(key: "monday-digest") { key } }`);
  });

  it("fires an event trigger with a cap, and pages its deliveries", async () => {
    const trigger = await api.gql(`mutation {
      createTrigger(input: { key: "tea-cart", destination: "shop-hook", event: "add_to_cart",
        where: { category: "tea" }, frequencyCap: { count: 2, per: WEEK } }) {
        key event where frequencyCap { count per } segmentEntered } }`);
    expect(trigger.data.createTrigger).toEqual({
      key: "tea-cart",
      event: "add_to_cart",
      where: { category: "tea" },
      frequencyCap: { count: 2, per: "WEEK" },
      segmentEntered: null,
    });
    const twoSources = await api.gql(`mutation {
      createTrigger(input: { key: "x", destination: "shop-hook", event: "a", segmentEntered: "b" }) { key } }`);
    expect(twoSources.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const events = [1, 2, 3].map((i) => ({
      messageId: `cart-${i}`,
      event: "add_to_cart",
      userId: "api-tea",
      timestamp: `2026-05-02T0${i}:00:00Z`,
      properties: { category: "tea" },
    }));
    await api.gql(TRACK, { events });
    await drain();
    // Three events, cap 2 per week: two delivered, the third suppressed.
    const delivered = await api.gql(DELIVERIES, { trigger: "tea-cart", status: "DELIVERED", first: 1 });
    expect(delivered.data.deliveries.totalCount).toBe(2);
    expect(delivered.data.deliveries.edges[0].node).toMatchObject({
      trigger: "tea-cart",
      destination: "shop-hook",
      status: "DELIVERED",
      attempts: 1,
      lastStatusCode: 200,
      attemptLog: [{ attempt: 1, statusCode: 200, error: null }],
    });
    expect(delivered.data.deliveries.pageInfo.hasNextPage).toBe(true);
    const next = await api.gql(DELIVERIES, {
      trigger: "tea-cart",
      status: "DELIVERED",
      first: 1,
      after: delivered.data.deliveries.pageInfo.endCursor,
    });
    expect(next.data.deliveries.edges).toHaveLength(1);
    expect(next.data.deliveries.edges[0].node.id).not.toBe(delivered.data.deliveries.edges[0].node.id);
    expect(next.data.deliveries.pageInfo.hasNextPage).toBe(false);
    const suppressed = await api.gql(DELIVERIES, { trigger: "tea-cart", status: "SUPPRESSED" });
    expect(suppressed.data.deliveries.totalCount).toBe(1);
    const id = suppressed.data.deliveries.edges[0].node.id;
    const retry = await api.gql(`mutation($id: ID!) { retryDelivery(id: $id) { status } }`, { id });
    expect(retry.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(receiver.requests).toHaveLength(2);
    receiver.requests.length = 0;
  });

  it("shows a delivery's fact, its PII masked for a role without read_pii", async () => {
    await api.gql(TRACK, {
      events: [
        {
          messageId: "cart-pii",
          event: "add_to_cart",
          userId: "api-pii",
          timestamp: "2026-05-03T01:00:00Z",
          properties: { category: "tea", receiver_phone: "13812345678" },
        },
      ],
    });
    const FACT = `{ deliveries(trigger: "tea-cart", first: 1) { edges { node { fact } } } }`;
    const admin = await api.gql(FACT);
    expect(admin.errors).toBeUndefined();
    expect(admin.data.deliveries.edges[0].node.fact).toMatchObject({
      type: "event",
      event: "add_to_cart",
      messageId: "cart-pii",
      properties: { category: "tea", receiver_phone: "13812345678" },
    });
    const created = await api.gql(
      `mutation { createApiKey(input: { name: "fact-analyst", role: ANALYST }) { key } }`,
    );
    const analyst = await api.gql(FACT, {}, created.data.createApiKey.key);
    expect(analyst.errors).toBeUndefined();
    // A phone keeps its first three and last four digits (masked by hand).
    expect(analyst.data.deliveries.edges[0].node.fact.properties).toEqual({
      category: "tea",
      receiver_phone: "138****5678",
    });
    await drain();
    receiver.requests.length = 0;
  });

  it("fires segment entry and exit triggers as identify calls change a real-time segment", async () => {
    await api.gql(IDENTIFY, { input: { userId: "seg-1", traits: { city: "上海" } } });
    const segment = await api.gql(
      `mutation { createSegment(input: { key: "sh", name: "上海", rule: "trait.city = \\"上海\\"" }) { size realtime { realtime } } }`,
    );
    expect(segment.data.createSegment).toEqual({ size: 1, realtime: { realtime: true } });
    await api.gql(`mutation {
      e: createTrigger(input: { key: "sh-in", destination: "shop-hook", segmentEntered: "sh" }) { key }
      x: createTrigger(input: { key: "sh-out", destination: "shop-hook", segmentExited: "sh" }) { key } }`);
    await api.gql(IDENTIFY, { input: { userId: "seg-2", traits: { city: "上海" } } });
    await api.gql(IDENTIFY, { input: { userId: "seg-1", traits: { city: "北京" } } });
    // A trait rule is real-time: each identify call entered seg-2 / exited seg-1 before it returned,
    // with the outbox rows; the refresh finds nothing left to change.
    const rows = await db().query<{ trigger: string; userId: number; type: string }>(sql`
      select d.trigger_key as trigger, d.user_id as "userId", d.fact->>'type' as type from deliveries d
      where trigger_key in ('sh-in', 'sh-out') order by trigger_key`);
    const ids = await db().query<{ id: number; value: string }>(
      sql`select user_id as id, value from identities where value in ('seg-1', 'seg-2') order by value`,
    );
    expect(rows).toEqual([
      { trigger: "sh-in", userId: ids[1].id, type: "segment_entered" },
      { trigger: "sh-out", userId: ids[0].id, type: "segment_exited" },
    ]);
    const refresh = await api.gql(
      `mutation { refreshSegments(keys: ["sh"]) { segments { entered exited } } }`,
    );
    expect(refresh.data.refreshSegments.segments).toEqual([{ entered: 0, exited: 0 }]);
    await drain();
    const facts = receiver.requests
      .map((r) => JSON.parse(r.body).fact)
      .sort((a, b) => a.type.localeCompare(b.type));
    expect(facts.map((f) => [f.type, f.segment])).toEqual([
      ["segment_entered", "sh"],
      ["segment_exited", "sh"],
    ]);
  });

  it("fires tag triggers when a MANUAL tag is assigned and unassigned", async () => {
    const user = await api.gql(IDENTIFY, { input: { userId: "tag-1" } });
    const id = user.data.identify.id;
    await api.gql(
      `mutation { createTag(input: { key: "vip_manual", name: "VIP", category: BASIC, kind: MANUAL }) { key } }`,
    );
    await api.gql(`mutation {
      e: createTrigger(input: { key: "vip-in", destination: "shop-hook", tagEntered: "vip_manual" }) { key }
      x: createTrigger(input: { key: "vip-out", destination: "shop-hook", tagExited: "vip_manual" }) { key } }`);
    await api.gql(`mutation($ids: [ID!]!) { assignTag(key: "vip_manual", userIds: $ids) }`, { ids: [id] });
    // Assigning again changes nothing and fires nothing.
    await api.gql(`mutation($ids: [ID!]!) { assignTag(key: "vip_manual", userIds: $ids) }`, { ids: [id] });
    await api.gql(`mutation($ids: [ID!]!) { unassignTag(key: "vip_manual", userIds: $ids) }`, { ids: [id] });
    const rows = await db().query<{ trigger: string; userId: number; type: string }>(sql`
      select trigger_key as trigger, user_id as "userId", fact->>'type' as type from deliveries
      where trigger_key in ('vip-in', 'vip-out') order by trigger_key`);
    expect(rows).toEqual([
      { trigger: "vip-in", userId: Number(id), type: "tag_entered" },
      { trigger: "vip-out", userId: Number(id), type: "tag_exited" },
    ]);
    // A VALUE tag's value in a fact is masked for a role without read_pii (a row written by hand,
    // as a refresh of a tag valued by a PII trait would).
    await db().query(sql`insert into deliveries (trigger_key, destination_key, user_id, source, fact, status)
      values ('vip-in', 'shop-hook', ${id}::bigint, 'tag:by-hand', '{"type": "tag_entered", "tag": "vip_manual", "value": "jane@example.com"}', 'SUPPRESSED')`);
    const FACT = `{ deliveries(trigger: "vip-in", status: SUPPRESSED) { edges { node { fact } } } }`;
    const created = await api.gql(
      `mutation { createApiKey(input: { name: "tag-analyst", role: ANALYST }) { key } }`,
    );
    const analyst = await api.gql(FACT, {}, created.data.createApiKey.key);
    expect(analyst.data.deliveries.edges[0].node.fact.value).toBe("j***@example.com");
    const admin = await api.gql(FACT);
    expect(admin.data.deliveries.edges[0].node.fact.value).toBe("jane@example.com");
  });

  it("refuses to archive a destination an active trigger uses", async () => {
    const refused = await api.gql(`mutation { archiveDestination(key: "shop-hook") { status } }`);
    expect(refused.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});
