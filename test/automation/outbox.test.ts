import { createHmac } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { PiiPolicy } from "../../src/access/pii";
import { DestinationService, TriggerService } from "../../src/automation/definitions";
import { DeliveryService } from "../../src/automation/deliveries";
import { DeliveryWorker } from "../../src/automation/worker";
import { CampaignService } from "../../src/campaigns/definitions";
import { CampaignResultsService } from "../../src/campaigns/results";
import type { DeliveryConfig } from "../../src/config";
import { IngestService } from "../../src/ingest/service";
import { claimDueDeliveries } from "../../src/semantic/automation";
import { createTestDatabase, describeEachDatabase } from "../helpers/db";
import { FAST_RETRIES, Receiver } from "./receiver";

const ACTOR = { name: "test" };
const SECRET = "whsec_test_0123456789abcdef";

/** The receiver's own check, written from the header's definition (not Stratum's code). */
function signatureValid(secret: string, body: string, header: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac("sha256", secret).update(`${match[1]}.${body}`).digest("hex");
  return expected === match[2] && Math.abs(Date.now() / 1000 - Number(match[1])) < 60;
}

const at = (minute: number) => `2026-05-01T10:${String(minute).padStart(2, "0")}:00Z`;

describeEachDatabase("the webhook outbox", (db, kind) => {
  let ingest: IngestService;
  let destinations: DestinationService;
  let triggers: TriggerService;
  let deliveries: DeliveryService;
  const pii = new PiiPolicy();
  const receiver = new Receiver();
  const worker = (config: Partial<DeliveryConfig> = {}) =>
    new DeliveryWorker(db(), pii, { ...FAST_RETRIES, ...config });

  /** A destination at the receiver and an event trigger on `event`. */
  async function eventTrigger(
    key: string,
    event: string,
    extra: Record<string, unknown> = {},
    url = receiver.url,
  ) {
    await destinations.create({ key, url, secret: SECRET }, ACTOR);
    await triggers.create({ key, destination: key, event, ...extra }, ACTOR);
  }

  const rowsOf = (trigger: string) =>
    db().query<{ id: number; userId: number; status: string; attempts: number; source: string }>(sql`
      select id, user_id as "userId", status, attempts, source from deliveries
      where trigger_key = ${trigger} order by id`);

  beforeAll(async () => {
    ingest = new IngestService(db());
    destinations = new DestinationService(db());
    triggers = new TriggerService(db());
    deliveries = new DeliveryService(db(), destinations, FAST_RETRIES);
    await receiver.start();
  });
  afterAll(() => receiver.stop());
  afterEach(async () => {
    // Nothing a test left behind is sent in the next one.
    await db().query(sql`update deliveries set status = 'DEAD' where status = 'PENDING'`);
    receiver.requests.length = 0;
    receiver.answers = [];
    receiver.delays = [];
  });

  it("writes an event trigger's rows with the events and delivers them signed, PII masked", async () => {
    await eventTrigger("tea-buyers", "checkout_started", { where: { category: "tea" } });
    await ingest.identify({ userId: "jane", traits: { email: "jane@example.com", city: "Hangzhou" } });
    await ingest.track([
      {
        messageId: "m1",
        event: "checkout_started",
        userId: "jane",
        timestamp: at(1),
        properties: { category: "tea", receiver_phone: "13812345678" },
      },
      {
        messageId: "m2",
        event: "checkout_started",
        userId: "jane",
        timestamp: at(2),
        properties: { category: "coffee" },
      },
      {
        messageId: "m3",
        event: "page_viewed",
        userId: "jane",
        timestamp: at(3),
        properties: { category: "tea" },
      },
    ]);
    // Committed with the batch, before any worker ran: only m1 matches name and filter.
    const rows = await rowsOf("tea-buyers");
    expect(rows.map((r) => [r.source, r.status, r.attempts])).toEqual([["event:m1", "PENDING", 0]]);
    // The same batch again adds nothing (the events are duplicates).
    await ingest.track([{ messageId: "m1", event: "checkout_started", userId: "jane", timestamp: at(1) }]);
    expect(await rowsOf("tea-buyers")).toHaveLength(1);

    expect(await worker().drain()).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(signatureValid(SECRET, request.body, String(request.headers["x-stratum-signature"]))).toBe(true);
    expect(
      signatureValid("another-secret-000000", request.body, String(request.headers["x-stratum-signature"])),
    ).toBe(false);
    expect(request.headers["idempotency-key"]).toBe(`stratum-delivery-${rows[0].id}`);
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({
      id: `stratum-delivery-${rows[0].id}`,
      trigger: "tea-buyers",
      userId: Number(rows[0].userId),
      // Masked by hand: an email keeps its first letter and domain, a phone 3 + 4 digits.
      profile: { traits: { email: "j***@example.com", city: "Hangzhou" } },
      fact: {
        type: "event",
        event: "checkout_started",
        messageId: "m1",
        properties: { category: "tea", receiver_phone: "138****5678" },
      },
    });
    expect(new Date(body.fact.timestamp).toISOString()).toBe("2026-05-01T10:01:00.000Z");
    const [stored] = await db().query<{ status: string; code: number }>(sql`
      select d.status, a.status_code as code from deliveries d join delivery_attempts a on a.delivery_id = d.id
      where d.id = ${rows[0].id}`);
    expect(stored).toEqual({ status: "DELIVERED", code: 200 });
  });

  it("fires on the bulk loader's events and on the order_paid event of a paid order, once", async () => {
    await destinations.create({ key: "paths", url: receiver.url, secret: SECRET }, ACTOR);
    await triggers.create({ key: "bulk-path", destination: "paths", event: "bulk_loaded" }, ACTOR);
    await triggers.create({ key: "paid-path", destination: "paths", event: "order_paid" }, ACTOR);
    await ingest.trackBulk(
      [1, 2].map((i) => ({ messageId: `bl${i}`, event: "bulk_loaded", userId: "u-bulk", timestamp: at(i) })),
    );
    const order = { orderId: "o-1", userId: "u-paid", placedAt: at(3), totalAmount: 50 };
    await ingest.recordOrders([{ ...order, status: "CREATED" }]);
    await ingest.recordOrders([{ ...order, status: "PAID" }]);
    // Shipping the paid order writes no second order_paid, so no second delivery.
    await ingest.recordOrders([{ ...order, status: "SHIPPED" }]);
    const rows = await db().query<{ trigger: string; source: string }>(sql`
      select trigger_key as trigger, source from deliveries where trigger_key in ('bulk-path', 'paid-path')
      order by trigger_key, source`);
    expect(rows).toEqual([
      { trigger: "bulk-path", source: "event:bl1" },
      { trigger: "bulk-path", source: "event:bl2" },
      { trigger: "paid-path", source: "event:order_paid:o-1" },
    ]);
  });

  it("sends PII unmasked to a destination with the PII permission", async () => {
    await destinations.create({ key: "crm", url: receiver.url, secret: SECRET, includePii: true }, ACTOR);
    await triggers.create({ key: "crm", destination: "crm", event: "crm_sync" }, ACTOR);
    await ingest.track([
      {
        messageId: "p1",
        event: "crm_sync",
        userId: "jane",
        timestamp: at(5),
        properties: { receiver_phone: "13812345678" },
      },
    ]);
    await worker().drain();
    const body = JSON.parse(receiver.requests[0].body);
    expect(body.profile.traits.email).toBe("jane@example.com");
    expect(body.fact.properties.receiver_phone).toBe("13812345678");
  });

  it("sends a destination's own headers beside Stratum's, which they cannot replace", async () => {
    await destinations.create(
      {
        key: "headed",
        url: receiver.url,
        secret: SECRET,
        headers: { "X-Shop-Token": "tea-42", "x-tenant": "hangzhou" },
      },
      ACTOR,
    );
    await triggers.create({ key: "headed", destination: "headed", event: "headed_event" }, ACTOR);
    // Any spelling of a header Stratum sets, or of one framing the connection, is refused, on create and on update.
    for (const name of [
      "X-Stratum-Signature",
      "idempotency-key",
      "CONTENT-TYPE",
      "User-Agent",
      "Transfer-Encoding",
      "connection",
    ]) {
      const refusal = { code: "BAD_USER_INPUT", details: { argument: "headers" } };
      await expect(
        destinations.create(
          { key: `bad-${name}`, url: receiver.url, secret: SECRET, headers: { [name]: "x" } },
          ACTOR,
        ),
      ).rejects.toMatchObject(refusal);
      await expect(
        destinations.update("headed", { headers: { [name]: "x" } }, 1, ACTOR),
      ).rejects.toMatchObject(refusal);
    }
    await ingest.track([{ messageId: "h1", event: "headed_event", userId: "u-headed", timestamp: at(5) }]);
    await worker().drain();
    const [first] = receiver.requests.splice(0);
    const [firstRow] = await rowsOf("headed");
    expect(first.headers).toMatchObject({
      "x-shop-token": "tea-42",
      "x-tenant": "hangzhou",
      "content-type": "application/json",
      "user-agent": "Stratum-Webhooks/1",
      "idempotency-key": `stratum-delivery-${firstRow.id}`,
    });
    expect(signatureValid(SECRET, first.body, String(first.headers["x-stratum-signature"]))).toBe(true);

    // A stored row holding Stratum's header names (written past the service's check) still
    // cannot replace them: the delivery carries Stratum's values and the destination's others.
    await db().query(sql`
      update destinations set headers = ${JSON.stringify({
        "x-stratum-signature": "t=1,v1=forged",
        "IDEMPOTENCY-KEY": "forged",
        "content-type": "text/plain",
        "user-agent": "forged",
        "X-Shop-Token": "tea-43",
      })}::jsonb
      where key = 'headed'`);
    await ingest.track([{ messageId: "h2", event: "headed_event", userId: "u-headed", timestamp: at(6) }]);
    await worker().drain();
    const [second] = receiver.requests;
    const [, secondRow] = await rowsOf("headed");
    expect(second.headers).toMatchObject({
      "x-shop-token": "tea-43",
      "content-type": "application/json",
      "user-agent": "Stratum-Webhooks/1",
      "idempotency-key": `stratum-delivery-${secondRow.id}`,
    });
    expect(signatureValid(SECRET, second.body, String(second.headers["x-stratum-signature"]))).toBe(true);
    // One value per header: the forged ones were not sent beside Stratum's.
    const sent = (name: string) =>
      second.rawHeaders.filter((text, i) => i % 2 === 0 && text.toLowerCase() === name);
    for (const name of ["x-stratum-signature", "idempotency-key", "content-type", "user-agent"])
      expect(sent(name)).toHaveLength(1);
  });

  it("retries after a 500 and sends the same bytes with the same idempotency key", async () => {
    await eventTrigger("flaky", "flaky_event");
    await ingest.track([{ messageId: "f1", event: "flaky_event", userId: "u-flaky", timestamp: at(6) }]);
    receiver.answers = [500];
    await worker().drain();
    expect(receiver.requests.map((r) => r.headers["idempotency-key"])).toEqual([
      receiver.requests[0].headers["idempotency-key"],
      receiver.requests[0].headers["idempotency-key"],
    ]);
    expect(receiver.requests[1].body).toBe(receiver.requests[0].body);
    for (const request of receiver.requests)
      expect(signatureValid(SECRET, request.body, String(request.headers["x-stratum-signature"]))).toBe(true);
    const [row] = await rowsOf("flaky");
    expect(row).toMatchObject({ status: "DELIVERED", attempts: 2 });
    const [attempts] = await deliveries.attemptsOf([row.id]);
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, 500, "HTTP 500"],
      [2, 200, null],
    ]);
  });

  it("counts a receiver slower than the timeout as a failed attempt, then delivers", async () => {
    await eventTrigger("slow", "slow_event");
    await ingest.track([{ messageId: "s1", event: "slow_event", userId: "u-slow", timestamp: at(6) }]);
    receiver.delays = [2500];
    await worker({ timeoutMs: 1000 }).drain();
    const [row] = await rowsOf("slow");
    expect(row).toMatchObject({ status: "DELIVERED", attempts: 2 });
    const [attempts] = await deliveries.attemptsOf([row.id]);
    expect(attempts.map((a) => [a.statusCode, a.error])).toEqual([
      [null, "no answer within 1000 ms"],
      [200, null],
    ]);
    // Both requests reached the receiver under the one idempotency key it can drop repeats by.
    expect(new Set(receiver.requests.map((r) => r.headers["idempotency-key"])).size).toBe(1);
  });

  it("spaces the sends to a rate-limited destination", async () => {
    await destinations.create({ key: "limited", url: receiver.url, secret: SECRET, rateLimit: 10 }, ACTOR);
    await triggers.create({ key: "limited", destination: "limited", event: "limited_event" }, ACTOR);
    await ingest.track(
      [1, 2, 3, 4, 5].map((i) => ({
        messageId: `rl${i}`,
        event: "limited_event",
        userId: `u-rl${i}`,
        timestamp: at(i),
      })),
    );
    await worker().drain();
    // 10 per second: five sends span at least 4 × 100 ms.
    const times = receiver.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(times).toHaveLength(5);
    // (Arrival times: the first request also opens the connection, so allow 100 ms of jitter.)
    expect(times[4] - times[0]).toBeGreaterThanOrEqual(300);
  });

  it("hands back unattempted what a rate limit would send after a quarter of the lease", async () => {
    await destinations.create({ key: "trickle", url: receiver.url, secret: SECRET, rateLimit: 1 }, ACTOR);
    await triggers.create({ key: "trickle", destination: "trickle", event: "trickle_event" }, ACTOR);
    await ingest.track(
      [1, 2, 3].map((i) => ({
        messageId: `tr${i}`,
        event: "trickle_event",
        userId: `u-tr${i}`,
        timestamp: at(i),
      })),
    );
    // Lease 2 s → at most 500 ms of waiting; at 1 per second only the first slot is that close.
    const sender = new DeliveryWorker(db(), pii, FAST_RETRIES, { leaseSeconds: 2 });
    expect(await sender.runOnce()).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    expect((await rowsOf("trickle")).map((r) => [r.status, r.attempts])).toEqual([
      ["DELIVERED", 1],
      ["PENDING", 0],
      ["PENDING", 0],
    ]);
  });

  it("retries while the receiver is down, then delivers once it is up", async () => {
    const down = new Receiver();
    await down.start();
    const port = down.port;
    await down.stop();
    await eventTrigger("later", "later_event", {}, `http://127.0.0.1:${port}/hook`);
    await ingest.track([{ messageId: "l1", event: "later_event", userId: "u-later", timestamp: at(7) }]);
    const sender = worker({ maxAttempts: 5 });
    expect(await sender.runOnce()).toBe(1);
    const [failed] = await rowsOf("later");
    expect(failed).toMatchObject({ status: "PENDING", attempts: 1 });
    const [first] = await deliveries.attemptsOf([failed.id]);
    expect(first[0].statusCode).toBeNull();
    expect(first[0].error).toMatch(/ECONNREFUSED/);
    await down.start(port);
    try {
      await sender.drain();
      expect(down.requests).toHaveLength(1);
      expect(await rowsOf("later")).toMatchObject([{ status: "DELIVERED", attempts: 2 }]);
    } finally {
      await down.stop();
    }
  });

  it("dead-letters after the configured attempts; retryDelivery sends it again", async () => {
    await eventTrigger("dead", "dead_event");
    await ingest.track([{ messageId: "d1", event: "dead_event", userId: "u-dead", timestamp: at(8) }]);
    receiver.answers = [500, 502, 503];
    await worker().drain();
    const [row] = await rowsOf("dead");
    expect(row).toMatchObject({ status: "DEAD", attempts: 3 });
    expect(receiver.requests).toHaveLength(3);
    await expect(deliveries.retry(row.id)).resolves.toMatchObject({ status: "PENDING", attempts: 0 });
    await worker().drain();
    expect(await rowsOf("dead")).toMatchObject([{ status: "DELIVERED", attempts: 1 }]);
    const [attempts] = await deliveries.attemptsOf([row.id]);
    expect(attempts.map((a) => a.statusCode)).toEqual([500, 502, 503, 200]);
    await expect(deliveries.retry(row.id)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("writes a campaign trigger's successful delivery as one campaign_sent touch, never twice", async () => {
    await ingest.identify({ userId: "u-camp" });
    await db().query(
      sql`insert into segments (key, name, kind, updated_by) values ('camp-seg', 'Camp', 'STATIC', 'test')`,
    );
    await db().query(sql`insert into segment_members (segment_key, user_id)
      select 'camp-seg', user_id from identities where value = 'u-camp'`);
    const campaigns = new CampaignService(db());
    const results = new CampaignResultsService(db(), (key) => campaigns.definition(key), "UTC");
    await campaigns.create(
      { key: "camp", name: "Camp", channel: "sms", segment: "camp-seg", holdoutShare: 0.5 },
      ACTOR,
    );
    await campaigns.launch("camp", ACTOR);
    await destinations.create({ key: "camp", url: receiver.url, secret: SECRET }, ACTOR);
    await expect(
      triggers.create({ key: "camp-bad", destination: "camp", event: "camp_event", campaign: "camq" }, ACTOR),
    ).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { argument: "campaign", suggestions: ["camp"] },
    });
    await triggers.create({ key: "camp", destination: "camp", event: "camp_event", campaign: "camp" }, ACTOR);
    await ingest.track([{ messageId: "camp-1", event: "camp_event", userId: "u-camp", timestamp: at(9) }]);
    const sent = async () => (await results.results("camp")).sent;
    // Three failed attempts (DEAD): no touch.
    receiver.answers = [500, 502, 503];
    await worker().drain();
    const [row] = await rowsOf("camp");
    expect(row.status).toBe("DEAD");
    expect(await sent()).toBe(0);
    // retryDelivery, then a 200: the user is counted once.
    await deliveries.retry(row.id);
    await worker().drain();
    expect(await sent()).toBe(1);
    // Sent again (as after a lost recording): the touch's message id already exists.
    await db().query(
      sql`update deliveries set status = 'PENDING', next_attempt_at = now() where id = ${row.id}`,
    );
    expect(await worker().drain()).toBe(1);
    expect(receiver.requests).toHaveLength(5);
    expect(await sent()).toBe(1);
    const touches = await db().query<{ userId: number; properties: Record<string, unknown> }>(sql`
      select user_id as "userId", properties from events where name = 'campaign_sent'`);
    expect(touches).toEqual([
      { userId: row.userId, properties: { campaign: "camp", delivery: Number(row.id) } },
    ]);
  });

  it("delivers rows committed while no worker ran, and rows of a worker that died after claiming", async () => {
    await eventTrigger("restart", "restart_event");
    await ingest.track([
      { messageId: "r1", event: "restart_event", userId: "u-r1", timestamp: at(9) },
      { messageId: "r2", event: "restart_event", userId: "u-r2", timestamp: at(9) },
    ]);
    // A worker claims both (an attempt counted, a lease taken) and dies before sending.
    const claimed = await db().query(claimDueDeliveries(10, 120));
    expect(claimed).toHaveLength(2);
    expect(await worker().runOnce()).toBe(0); // leased: nobody else sends them
    // Its lease runs out.
    await db().query(
      sql`update deliveries set next_attempt_at = now() - interval '1 second' where trigger_key = 'restart'`,
    );
    const restarted = worker();
    restarted.start();
    try {
      await expect.poll(() => receiver.requests.length, { timeout: 5000 }).toBe(2);
    } finally {
      await restarted.stop();
    }
    expect((await rowsOf("restart")).map((r) => [r.status, r.attempts])).toEqual([
      ["DELIVERED", 2],
      ["DELIVERED", 2],
    ]);
  });

  it("enforces the frequency cap when enqueuing, across batches", async () => {
    await eventTrigger("capped", "capped_event", { frequencyCap: { count: 2, per: "DAY" } });
    // Batch 1: user A three times (minutes 10, 11, 12), user B once → A's first two PENDING, third SUPPRESSED.
    await ingest.track([
      { messageId: "c3", event: "capped_event", userId: "cap-a", timestamp: at(12) },
      { messageId: "c1", event: "capped_event", userId: "cap-a", timestamp: at(10) },
      { messageId: "c2", event: "capped_event", userId: "cap-a", timestamp: at(11) },
      { messageId: "c4", event: "capped_event", userId: "cap-b", timestamp: at(10) },
    ]);
    // Batch 2: A again → over the cap (2 in the last 24 h); B's second → PENDING.
    await ingest.track([
      { messageId: "c5", event: "capped_event", userId: "cap-a", timestamp: at(13) },
      { messageId: "c6", event: "capped_event", userId: "cap-b", timestamp: at(13) },
    ]);
    const rows = await db().query<{ source: string; status: string }>(sql`
      select source, status from deliveries where trigger_key = 'capped' order by source`);
    expect(rows).toEqual([
      { source: "event:c1", status: "PENDING" },
      { source: "event:c2", status: "PENDING" },
      { source: "event:c3", status: "SUPPRESSED" },
      { source: "event:c4", status: "PENDING" },
      { source: "event:c5", status: "SUPPRESSED" },
      { source: "event:c6", status: "PENDING" },
    ]);
    await worker().drain();
    expect(receiver.requests).toHaveLength(4);
  });

  it("keeps the secret out of versions and the audit log", async () => {
    await destinations.create(
      { key: "secretive", url: receiver.url, secret: "a-very-secret-value-123" },
      ACTOR,
    );
    await destinations.update("secretive", { secret: "a-rotated-secret-value-456" }, 1, ACTOR);
    const [found] = await db().query<{ n: number }>(sql`
      select count(*)::int as n from (
        select before::text || after::text as t from audit_log where entity_type = 'destination'
        union all select row_to_json(v)::text from destination_versions v) x
      where t like '%secret-value%'`);
    expect(found.n).toBe(0);
  });

  it.runIf(kind === "postgres")("two workers on PostgreSQL send every row exactly once", async () => {
    // Own database with a pool wide enough for both workers' statements at once.
    const own = await createTestDatabase("postgres", { maxConnections: 8 });
    try {
      const ownIngest = new IngestService(own.db);
      await new DestinationService(own.db).create({ key: "bulk", url: receiver.url, secret: SECRET }, ACTOR);
      await new TriggerService(own.db).create(
        { key: "bulk", destination: "bulk", event: "bulk_event" },
        ACTOR,
      );
      await ownIngest.track(
        Array.from({ length: 300 }, (_, i) => ({
          messageId: `b${i}`,
          event: "bulk_event",
          userId: `bulk-${i % 40}`,
          timestamp: at(i % 60),
        })),
      );
      const a = new DeliveryWorker(own.db, pii, FAST_RETRIES);
      const b = new DeliveryWorker(own.db, pii, FAST_RETRIES);
      const [sentA, sentB] = await Promise.all([a.drain(), b.drain()]);
      expect(sentA + sentB).toBe(300);
      expect(sentA).toBeGreaterThan(0);
      expect(sentB).toBeGreaterThan(0);
      const keys = receiver.requests.map((r) => r.headers["idempotency-key"]);
      expect(keys).toHaveLength(300);
      expect(new Set(keys).size).toBe(300);
      const [state] = await own.db.query<{ delivered: number; attempts: number }>(sql`
        select count(*) filter (where status = 'DELIVERED')::int as delivered,
          (select count(*)::int from delivery_attempts) as attempts from deliveries`);
      expect(state).toEqual({ delivered: 300, attempts: 300 });
    } finally {
      await own.drop();
    }
  });
});
