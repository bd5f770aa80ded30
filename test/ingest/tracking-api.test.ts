import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { keysForEveryRole, ROLES } from "../access/helpers";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

/**
 * A `/v1/batch` body in the shape of Segment's HTTP API documentation (identify, track,
 * page, alias, a batch-level context), with the e-commerce spec's "Product Viewed" and
 * "Product Added" and a campaign in `context.campaign`.
 */
const SEGMENT_BATCH = {
  batch: [
    {
      type: "identify",
      messageId: "seg-identify-1",
      userId: "019mr8mf4r",
      anonymousId: "507f191e810c19729de860ea",
      traits: { email: "Peter.Gibbons@example.com", name: "Peter Gibbons", industry: "Technology" },
      context: { ip: "24.5.68.47" },
      timestamp: "2012-12-02T00:30:08.276Z",
    },
    {
      type: "track",
      messageId: "seg-track-1",
      anonymousId: "507f191e810c19729de860ea",
      event: "Product Viewed",
      properties: {
        product_id: "507f1f77bcf86cd799439011",
        sku: "G-32",
        category: "Games",
        name: "Monopoly: 3rd Edition",
        price: 18.99,
      },
      context: {
        ip: "24.5.68.47",
        userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
        page: { path: "/products/monopoly", url: "https://www.example.com/products/monopoly" },
        campaign: {
          name: "TPS Innovation Newsletter",
          source: "Newsletter",
          medium: "email",
          term: "tps reports",
          content: "image link",
        },
      },
      timestamp: "2012-12-02T00:30:12.984Z",
    },
    {
      // No messageId: the API derives one from the payload, so a replay is still a duplicate.
      type: "page",
      userId: "019mr8mf4r",
      name: "Tracking HTTP API",
      properties: { path: "/docs/http", title: "Tracking HTTP API" },
      timestamp: "2012-12-02T00:31:29.738Z",
    },
    {
      type: "track",
      messageId: "seg-track-2",
      anonymousId: "39239-239239-239239-23923",
      event: "Product Added",
      properties: { product_id: "507f1f77bcf86cd799439011", price: 18.99, quantity: 1 },
      timestamp: "2012-12-02T00:31:40.000Z",
    },
    {
      type: "alias",
      messageId: "seg-alias-1",
      previousId: "39239-239239-239239-23923",
      userId: "019mr8mf4r",
      timestamp: "2012-12-02T00:32:00.000Z",
    },
  ],
  context: { device: { type: "phone", name: "Apple iPhone 6" } },
};

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;

describeEachDatabase("Segment-compatible tracking API", (db) => {
  let api: TestApi;
  let base: string;
  let ingestKey: string;
  let viewerKey: string;

  const post = async (path: string, body: unknown, authorization: string | null = basic(ingestKey)) => {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    api = await startTestApi(db());
    base = api.url.replace("/graphql", "");
    ingestKey = (
      await api.services.apiKeys.create({ name: "segment source", role: "INGEST" }, SYSTEM_PRINCIPAL)
    ).key;
    viewerKey = (await api.services.apiKeys.create({ name: "viewer", role: "VIEWER" }, SYSTEM_PRINCIPAL)).key;
  });
  afterAll(() => api.close());

  it("replays a Segment batch: mapped events, UTM from context.campaign, linked identities, alias merged", async () => {
    const response = await post("/v1/batch", SEGMENT_BATCH);
    expect(response.status).toBe(200);
    expect(response.body.success).toBe(true);
    expect(response.body.results.map((r: any) => [r.status, r.messageId])).toEqual([
      ["accepted", "seg-identify-1"],
      ["accepted", "seg-track-1"],
      ["accepted", expect.stringMatching(/^sha256:[0-9a-f]{64}$/)],
      ["accepted", "seg-track-2"],
      ["accepted", "seg-alias-1"],
    ]);

    const events = await db().query<Record<string, unknown>>(sql`
      select message_id as "messageId", name, ts, channel, platform, utm_source as "utmSource",
        utm_medium as "utmMedium", utm_campaign as "utmCampaign", properties, user_id as "userId"
      from events order by ts`);
    expect(events.map((e) => [e.name, (e.ts as Date).toISOString()])).toEqual([
      ["product_view", "2012-12-02T00:30:12.984Z"],
      ["page_view", "2012-12-02T00:31:29.738Z"],
      ["add_to_cart", "2012-12-02T00:31:40.000Z"],
    ]);
    expect(events[0]).toMatchObject({
      messageId: "seg-track-1",
      channel: "web",
      platform: "phone",
      utmSource: "Newsletter",
      utmMedium: "email",
      utmCampaign: "TPS Innovation Newsletter",
      properties: {
        product_id: "507f1f77bcf86cd799439011",
        sku: "G-32",
        category: "Games",
        name: "Monopoly: 3rd Edition",
        price: 18.99,
        utm_term: "tps reports",
        utm_content: "image link",
        context_user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
        context_page_path: "/products/monopoly",
        context_page_url: "https://www.example.com/products/monopoly",
        context_device_type: "phone",
        context_device_name: "Apple iPhone 6",
      },
    });
    expect(events[0].properties).not.toHaveProperty("context_ip");
    expect(events[1]).toMatchObject({
      channel: "web",
      utmSource: null,
      properties: { name: "Tracking HTTP API", path: "/docs/http", title: "Tracking HTTP API" },
    });

    // The identify linked the anonymous id first, so the track landed on the account's profile.
    const identities = await db().query<{ type: string; value: string; userId: number }>(sql`
      select type, value, user_id as "userId" from identities order by type, value`);
    const survivor = identities.find((i) => i.type === "user_id")!.userId;
    expect(identities).toEqual([
      { type: "anonymous_id", value: "39239-239239-239239-23923", userId: survivor },
      { type: "anonymous_id", value: "507f191e810c19729de860ea", userId: survivor },
      { type: "email", value: "peter.gibbons@example.com", userId: survivor },
      { type: "user_id", value: "019mr8mf4r", userId: survivor },
    ]);
    expect(events[0].userId).toBe(survivor);
    expect(events[1].userId).toBe(survivor);
    // "Product Added" came first on a profile of its own; the alias merged it into the account.
    const loser = events[2].userId as number;
    expect(loser).not.toBe(survivor);
    const merges = await db().query<{ loserId: number; survivorId: number }>(sql`
      select loser_id as "loserId", survivor_id as "survivorId" from user_merges`);
    expect(merges).toEqual([{ loserId: loser, survivorId: survivor }]);
    const [profile] = await db().query<{ traits: Record<string, unknown>; mergedInto: number | null }>(sql`
      select traits, merged_into as "mergedInto" from users where id = ${survivor}`);
    expect(profile).toEqual({
      traits: { email: "Peter.Gibbons@example.com", name: "Peter Gibbons", industry: "Technology" },
      mergedInto: null,
    });

    // A replay (as a client retrying) writes nothing new, the derived page id included.
    const sentAt = "2012-12-02T00:40:00.000Z";
    const replay = await post("/v1/batch", {
      ...SEGMENT_BATCH,
      batch: SEGMENT_BATCH.batch.map((call) => ({ ...call, sentAt })),
    });
    expect(replay.body.success).toBe(true);
    const [count] = await db().query<{ n: number }>(sql`select count(*)::int as n from events`);
    expect(count.n).toBe(3);
  });

  it("answers single calls with { success: true } for Basic and Bearer keys, or a coded 400", async () => {
    const track = {
      userId: "single-1",
      event: "Checkout Started",
      messageId: "single-track-1",
      properties: { revenue: 30 },
      timestamp: "2026-02-01T10:00:00Z",
    };
    expect(await post("/v1/track", track)).toEqual({ status: 200, body: { success: true } });
    expect(await post("/v1/track", track, `Bearer ${ingestKey}`)).toEqual({
      status: 200,
      body: { success: true },
    });
    expect(
      await post("/v1/identify", {
        userId: "single-1",
        traits: { plan: "gold" },
        messageId: "single-identify-1",
      }),
    ).toEqual({ status: 200, body: { success: true } });
    expect(
      await post("/v1/screen", { userId: "single-1", name: "Cart", messageId: "single-screen-1" }),
    ).toEqual({
      status: 200,
      body: { success: true },
    });
    const stored = await db().query<{ messageId: string; name: string; channel: string }>(sql`
      select message_id as "messageId", name, channel from events where message_id like 'single-%' order by message_id`);
    expect(stored).toEqual([
      { messageId: "single-screen-1", name: "page_view", channel: "app" },
      { messageId: "single-track-1", name: "checkout_start", channel: null },
    ]);

    // Segment's browser library sends JSON as text/plain.
    const plain = await fetch(`${base}/v1/track`, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: basic(ingestKey) },
      body: JSON.stringify({ ...track, messageId: "single-text-plain" }),
    });
    expect([plain.status, await plain.json()]).toEqual([200, { success: true }]);
    const [plainStored] = await db().query<{ name: string }>(
      sql`select name from events where message_id = 'single-text-plain'`,
    );
    expect(plainStored).toEqual({ name: "checkout_start" });
    const badName = await post("/v1/track", { ...track, event: "加入购物车", messageId: "single-bad" });
    expect(badName.status).toBe(400);
    expect(badName.body.errors[0].extensions).toEqual({
      code: "BAD_USER_INPUT",
      reason: "INVALID_EVENT_NAME",
      messageId: "single-bad",
    });
    const noIds = await post("/v1/page", { name: "Home" });
    expect(noIds.status).toBe(400);
    expect(noIds.body.errors[0].extensions.reason).toBe("MISSING_IDENTIFIER");
    const [bad] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from events where message_id = 'single-bad' or name = 'page_view' and properties->>'name' = 'Home'`,
    );
    expect(bad.n).toBe(0);
  });

  it("refuses missing and wrong keys like GraphQL does (401 / 403)", async () => {
    const call = { userId: "auth-1", event: "Signed Up", messageId: "auth-1" };
    const none = await post("/v1/track", call, null);
    expect(none.status).toBe(401);
    expect(none.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const unknown = await post("/v1/track", call, basic("not-a-key"));
    expect(unknown.status).toBe(401);
    const viewer = await post("/v1/batch", { batch: [call] }, basic(viewerKey));
    expect(viewer.status).toBe(403);
    expect(viewer.body.errors[0].extensions.code).toBe("FORBIDDEN");
    const [count] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from events where message_id = 'auth-1'`,
    );
    expect(count.n).toBe(0);
  });

  it("lets exactly the roles with the ingest permission (ADMIN, INGEST) call every route", async () => {
    const keys = await keysForEveryRole(api.services);
    const routes = ["batch", "track", "identify", "page", "screen", "alias"];
    const outcomes: string[] = [];
    for (const route of routes) {
      for (const role of ROLES) {
        // An empty call: allowed roles get an answer about the call itself, and nothing is written.
        const { status } = await post(
          `/v1/${route}`,
          route === "batch" ? { batch: [{}] } : {},
          basic(keys[role]),
        );
        outcomes.push(
          `${route} ${role}: ${status === 403 ? "forbidden" : status === 401 ? "unauthenticated" : "allowed"}`,
        );
      }
    }
    const allowed = new Set(["ADMIN", "INGEST"]);
    expect(outcomes).toEqual(
      routes.flatMap((route) =>
        ROLES.map((role) => `${route} ${role}: ${allowed.has(role) ? "allowed" : "forbidden"}`),
      ),
    );
  });

  it("answers a batch per call, with the ingestion reject codes, and keeps every valid call", async () => {
    const response = await post("/v1/batch", {
      batch: [
        {
          type: "track",
          userId: "b-1",
          event: "Product Clicked",
          messageId: "b-ok-1",
          timestamp: "2026-02-01T10:00:00Z",
        },
        { type: "group", userId: "b-1", groupId: "g-1", messageId: "b-group" },
        { type: "track", event: "Product Clicked", messageId: "b-nobody", timestamp: "2026-02-01T10:00:00Z" },
        {
          type: "track",
          userId: "b-1",
          event: "Product Clicked",
          messageId: "b-time",
          timestamp: "2026-02-30T10:00:00Z",
        },
        { type: "identify", traits: { plan: "x" }, messageId: "b-identify" },
        { userId: "b-1", event: "No Type", messageId: "b-notype" },
        {
          type: "track",
          userId: "b-1",
          event: "Product Removed",
          messageId: "b-ok-2",
          timestamp: "2026-02-01T10:01:00Z",
        },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.success).toBe(false);
    expect(response.body.results.map((r: any) => [r.messageId, r.status, r.code ?? null])).toEqual([
      ["b-ok-1", "accepted", null],
      ["b-group", "rejected", "UNSUPPORTED_TYPE"],
      ["b-nobody", "rejected", "MISSING_IDENTIFIER"],
      ["b-time", "rejected", "INVALID_TIMESTAMP"],
      ["b-identify", "rejected", "MISSING_IDENTIFIER"],
      ["b-notype", "rejected", "MISSING_FIELD"],
      ["b-ok-2", "accepted", null],
    ]);
    expect(response.body.results[3].message).toContain("does not exist");
    const stored = await db().query<{ messageId: string; name: string }>(sql`
      select message_id as "messageId", name from events where message_id like 'b-%' order by message_id`);
    expect(stored).toEqual([
      { messageId: "b-ok-1", name: "product_clicked" },
      { messageId: "b-ok-2", name: "product_removed" },
    ]);
  });

  it("records Order Completed as a paid order, which writes the one order_paid event", async () => {
    const purchase = {
      userId: "buyer-1",
      event: "Order Completed",
      messageId: "oc-1",
      timestamp: "2026-02-03T09:00:00Z",
      properties: {
        order_id: "50314b8e9bcf000000000000",
        total: 27.5,
        coupon: "hasbros",
        products: [
          { product_id: "507f1f77bcf86cd799439011", price: 19, quantity: 1 },
          { product_id: "505bd76785ebb509fc183733", price: 4.25, quantity: 2 },
        ],
      },
    };
    expect(await post("/v1/track", purchase)).toEqual({ status: 200, body: { success: true } });
    expect(await post("/v1/track", purchase)).toEqual({ status: 200, body: { success: true } });
    const [order] = await db().query<Record<string, unknown>>(sql`
      select status, total_amount::text as total, coupon_code as coupon, counted, paid_at as "paidAt"
      from orders where order_id = '50314b8e9bcf000000000000'`);
    expect(order).toEqual({
      status: "paid",
      total: "27.50",
      coupon: "hasbros",
      counted: true,
      paidAt: new Date("2026-02-03T09:00:00Z"),
    });
    const items = await db().query<{ productId: string; quantity: number; unitPrice: string }>(sql`
      select product_id as "productId", quantity, unit_price::text as "unitPrice" from order_items
      where order_id = '50314b8e9bcf000000000000' order by line_no`);
    expect(items).toEqual([
      { productId: "507f1f77bcf86cd799439011", quantity: 1, unitPrice: "19.00" },
      { productId: "505bd76785ebb509fc183733", quantity: 2, unitPrice: "4.25" },
    ]);
    const paid = await db().query<{ messageId: string }>(sql`
      select message_id as "messageId" from events where name = 'order_paid' or message_id = 'oc-1'`);
    expect(paid).toEqual([{ messageId: "order_paid:50314b8e9bcf000000000000" }]);
  });

  it("answers malformed, oversized and misrouted requests with codes", async () => {
    const malformed = await post("/v1/track", '{"userId": "x", "event": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(malformed.body.errors[0].message).toContain("not valid JSON");
    const notObject = await post("/v1/batch", [1, 2]);
    expect(notObject.status).toBe(400);
    expect(notObject.body.errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", argument: "body" });
    const noBatch = await post("/v1/batch", { calls: [] });
    expect(noBatch.body.errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", argument: "batch" });
    const tooMany = await post("/v1/batch", {
      batch: Array.from({ length: 1001 }, (_, i) => ({
        type: "track",
        userId: "u",
        event: "e",
        messageId: `many-${i}`,
      })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].extensions).toMatchObject({ code: "LIMIT_EXCEEDED", argument: "batch" });
    const huge = await post("/v1/track", {
      userId: "u",
      event: "e",
      properties: { blob: "x".repeat(11 * 1024 * 1024) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.errors[0].extensions.code).toBe("LIMIT_EXCEEDED");
    const group = await post("/v1/group", { userId: "u", groupId: "g" });
    expect(group.status).toBe(404);
    expect(group.body.errors[0].extensions.code).toBe("NOT_FOUND");
    const [count] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from events where message_id like 'many-%' or user_id in
        (select user_id from identities where type = 'user_id' and value = 'u')`,
    );
    expect(count.n).toBe(0);
  });
});
