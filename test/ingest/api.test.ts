import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { countStatements, describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

const TRACK = `mutation($events: [EventInput!]!) { track(events: $events) {
  accepted updated duplicates rejected { index id code message } } }`;
const IDENTIFY = `mutation($input: IdentifyInput!) { identify(input: $input) { id traits identities { type value } } }`;
const ORDERS = `mutation($orders: [OrderInput!]!) { recordOrders(orders: $orders) {
  accepted updated duplicates rejected { index id code } } }`;

const event = (messageId: string, fields: Record<string, unknown> = {}) => ({
  messageId,
  event: "product_view",
  timestamp: "2026-02-01T09:30:00Z",
  anonymousId: "api-anon",
  ...fields,
});

describeEachDatabase("ingestion API", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(db());
  });
  afterAll(() => api.close());

  it("tracks a batch, answering per item, and counts a repeated batch as duplicates", async () => {
    const events = [
      event("api-1", {
        properties: { product_id: "sku-1", price: 99.5 },
        utm: { source: "wechat" },
        channel: "mini_program",
      }),
      event("api-2", { event: "add_to_cart" }),
    ];
    const first = await api.gql(TRACK, { events });
    expect(first.errors).toBeUndefined();
    expect(first.data.track).toEqual({ accepted: 2, updated: 0, duplicates: 0, rejected: [] });
    const again = await api.gql(TRACK, { events });
    expect(again.data.track).toEqual({ accepted: 0, updated: 0, duplicates: 2, rejected: [] });
    const [stored] = await db().query(sql`
      select name, channel, utm_source as "utmSource", properties from events where message_id = 'api-1'`);
    expect(stored).toEqual({
      name: "product_view",
      channel: "mini_program",
      utmSource: "wechat",
      properties: { product_id: "sku-1", price: 99.5 },
    });
  });

  it("rejects every kind of bad event with a code and keeps the good ones", async () => {
    const response = await api.gql(TRACK, {
      events: [
        event("bad-ok"),
        event("bad-name", { event: "Add To Cart" }),
        event("bad-big", { properties: { blob: "x".repeat(33 * 1024) } }),
        event("y".repeat(257)),
        event("bad-json", { properties: [1, 2, 3] }),
        event("bad-who", { anonymousId: null }),
        event("bad-old", { timestamp: "1969-12-31T23:59:59Z" }),
      ],
    });
    expect(response.errors).toBeUndefined();
    expect(response.data.track.accepted).toBe(1);
    expect(response.data.track.rejected.map((r: any) => [r.index, r.code])).toEqual([
      [1, "INVALID_EVENT_NAME"],
      [2, "PROPERTIES_TOO_LARGE"],
      [3, "ID_TOO_LONG"],
      [4, "INVALID_JSON"],
      [5, "MISSING_IDENTIFIER"],
      [6, "INVALID_TIMESTAMP"],
    ]);
    expect(response.data.track.rejected[0]).toMatchObject({
      id: "bad-name",
      message: expect.stringContaining("snake_case"),
    });
    const [count] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from events where message_id like 'bad-%'`,
    );
    expect(count.n).toBe(1);
  });

  it("answers malformed scalars and oversized batches with codes and keeps serving", async () => {
    const badTime = await api.gql(TRACK, {
      events: [event("t-1", { timestamp: "not a time" }), event("t-2"), event("t-3", { timestamp: 17 })],
    });
    expect(badTime.errors).toBeUndefined();
    expect(badTime.data.track.accepted).toBe(1);
    expect(badTime.data.track.rejected.map((r: any) => [r.index, r.code])).toEqual([
      [0, "INVALID_TIMESTAMP"],
      [2, "INVALID_TIMESTAMP"],
    ]);
    const badPlacedAt = await api.gql(ORDERS, {
      orders: [
        { orderId: "p-1", userId: "u", placedAt: "2026-13-01T00:00:00Z", status: "PAID", totalAmount: 1 },
        { orderId: "p-2", userId: "u", placedAt: "2026-02-01T00:00:00Z", status: "PAID", totalAmount: 1 },
      ],
    });
    expect(badPlacedAt.data.recordOrders.rejected.map((r: any) => [r.index, r.code])).toEqual([
      [0, "INVALID_TIMESTAMP"],
    ]);
    expect(badPlacedAt.data.recordOrders.accepted).toBe(1);
    const badStatus = await api.gql(ORDERS, {
      orders: [
        { orderId: "s-1", userId: "u", placedAt: "2026-02-01T00:00:00Z", status: "LOST", totalAmount: 1 },
      ],
    });
    expect(badStatus.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const tooMany = await api.gql(TRACK, {
      events: Array.from({ length: 1001 }, (_, i) => event(`big-${i}`)),
    });
    expect(tooMany.errors?.[0].extensions?.code).toBe("LIMIT_EXCEEDED");
    const [count] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from events where message_id like 'big-%'`,
    );
    expect(count.n).toBe(0);
    const alive = await api.gql(TRACK, { events: [event("after-errors")] });
    expect(alive.data.track.accepted).toBe(1);
  });

  it("identifies, merges, and shows the loser's events and orders on the survivor", async () => {
    await api.gql(TRACK, {
      events: [
        event("m-phone-1", { anonymousId: "m-phone" }),
        event("m-phone-2", { anonymousId: "m-phone" }),
      ],
    });
    await api.gql(TRACK, { events: [event("m-web-1", { anonymousId: "m-web", event: "page_view" })] });
    await api.gql(ORDERS, {
      orders: [
        {
          orderId: "m-order",
          anonymousId: "m-phone",
          placedAt: "2026-02-01T10:00:00Z",
          status: "PAID",
          totalAmount: 58.8,
        },
      ],
    });
    const web = await api.gql(IDENTIFY, {
      input: { userId: "m-acct", anonymousId: "m-web", traits: { city: "成都" } },
    });
    expect(web.errors).toBeUndefined();
    const merged = await api.gql(IDENTIFY, {
      input: {
        userId: "m-acct",
        anonymousId: "m-phone",
        identities: [{ type: "email", value: "m@example.com" }],
      },
    });
    expect(merged.data.identify.id).toBe(web.data.identify.id);
    expect(merged.data.identify.traits).toEqual({ city: "成都" });
    expect(merged.data.identify.identities.map((i: any) => `${i.type}:${i.value}`)).toEqual([
      "anonymous_id:m-phone",
      "anonymous_id:m-web",
      "email:m@example.com",
      "user_id:m-acct",
    ]);
    const phone = await db().query<{ userId: number }>(
      sql`select user_id as "userId" from events where message_id = 'm-phone-1'`,
    );
    const view = await api.gql(
      `query($id: ID!) { user(id: $id) {
        id
        events(first: 2) { totalCount edges { node { messageId name } } pageInfo { hasNextPage endCursor } }
        views: events(name: "product_view") { totalCount }
        orders { totalCount edges { node { orderId status counted totalAmount items { productId } } } }
        mergedFrom { userId reason }
      } }`,
      { id: merged.data.identify.id },
    );
    expect(view.errors).toBeUndefined();
    const user = view.data.user;
    // m-phone-1, m-phone-2 (loser), m-web-1 (survivor) and the order_paid of m-order (loser).
    expect(user.events.totalCount).toBe(4);
    expect(user.events.edges).toHaveLength(2);
    expect(user.events.pageInfo.hasNextPage).toBe(true);
    expect(user.views.totalCount).toBe(2);
    expect(user.orders).toEqual({
      totalCount: 1,
      edges: [{ node: { orderId: "m-order", status: "PAID", counted: true, totalAmount: 58.8, items: [] } }],
    });
    expect(user.mergedFrom).toEqual([
      {
        userId: String(phone[0].userId),
        reason: {
          rule: "same_call",
          identities: [
            { type: "user_id", value: "m-acct" },
            { type: "anonymous_id", value: "m-phone" },
          ],
          mergedInto: Number(user.id),
        },
      },
    ]);
    const next = await api.gql(
      `query($id: ID!, $after: String) { user(id: $id) { events(first: 2, after: $after) { edges { node { messageId } } pageInfo { hasNextPage } } } }`,
      { id: user.id, after: user.events.pageInfo.endCursor },
    );
    const seen = [...user.events.edges, ...next.data.user.events.edges]
      .map((e: any) => e.node.messageId)
      .sort();
    expect(seen).toEqual(["m-phone-1", "m-phone-2", "m-web-1", "order_paid:m-order"]);
    expect(next.data.user.events.pageInfo.hasNextPage).toBe(false);
  });

  it("upserts products, counting unchanged ones as duplicates", async () => {
    const UPSERT = `mutation($products: [ProductInput!]!) { upsertProducts(products: $products) { accepted updated duplicates rejected { index code } } }`;
    const products = [
      { productId: "sku-tea", name: "龙井茶", category: "食品/茶", brand: "西湖", price: 128 },
      { productId: "sku-cup", name: "Cup", price: 19.9 },
    ];
    expect((await api.gql(UPSERT, { products })).data.upsertProducts).toEqual({
      accepted: 2,
      updated: 0,
      duplicates: 0,
      rejected: [],
    });
    expect((await api.gql(UPSERT, { products })).data.upsertProducts).toMatchObject({
      accepted: 0,
      duplicates: 2,
    });
    const changed = await api.gql(UPSERT, {
      products: [
        { ...products[1], price: 17.5 },
        { productId: "sku-x", name: "X", price: -1 },
      ],
    });
    expect(changed.data.upsertProducts).toEqual({
      accepted: 0,
      updated: 1,
      duplicates: 0,
      rejected: [{ index: 1, code: "NEGATIVE_AMOUNT" }],
    });
    const rows = await db().query(
      sql`select id, name, category, price::text as price from products order by id`,
    );
    expect(rows).toEqual([
      { id: "sku-cup", name: "Cup", category: null, price: "17.50" },
      { id: "sku-tea", name: "龙井茶", category: "食品/茶", price: "128.00" },
    ]);
  });

  it("reads events of a page of users in a fixed number of statements", async () => {
    const { result, statements } = await countStatements(db(), () =>
      api.gql(
        `{ users(first: 50) { edges { node { id events(first: 3) { totalCount } orders { totalCount } mergedFrom { userId } } } } }`,
      ),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.users.edges.length).toBeGreaterThanOrEqual(2);
    // users page + count, then events page + count, orders page + count, merges: batched, not per user.
    expect(statements.length).toBeLessThanOrEqual(8);
  });

  it("writes a track batch in as many statements for 40 events of 40 people as for 2 of 2", async () => {
    const batch = (n: number, run: string) =>
      Array.from({ length: n }, (_, i) => ({
        messageId: `${run}-${i}`,
        event: "page_view",
        timestamp: "2026-05-02T10:00:00Z",
        anonymousId: `${run}-device-${i}`,
        userId: i % 2 ? `${run}-account-${i}` : null,
      }));
    const track = (events: unknown[]) =>
      countStatements(db(), () =>
        api.gql(`mutation($events: [EventInput!]!) { track(events: $events) { accepted } }`, { events }),
      );
    const small = await track(batch(2, "count-small"));
    const large = await track(batch(40, "count-large"));
    expect(small.result.data.track.accepted).toBe(2);
    expect(large.result.data.track.accepted).toBe(40);
    expect(large.statements.length).toBe(small.statements.length);
  });

  it("requires the ingest permission", async () => {
    const response = await api.gql(TRACK, { events: [event("no-key")] }, null);
    expect(response.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });
});
