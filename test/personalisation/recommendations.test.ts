import "reflect-metadata";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RecommendationService } from "../../src/personalisation/recommendations";
import { printRule, ruleFromJson } from "../../src/rules/json";
import { parseRule } from "../../src/rules/parser";
import { countStatements, describeEachDatabase } from "../helpers/db";
import { startTestApi, type TestApi } from "../helpers/graphql";

/**
 * Four products (P1, P2 tea; P3, P4 cups) and shoppers, everything 30–60 days before NOW,
 * settings purchaseWeight 1, viewWeight 0.5, shrinkage λ 1:
 *
 *   U1 bought P1, P2 and viewed P1 → w(P1) = 1 + 0.5 = 1.5, w(P2) = 1
 *   U2 bought P1, viewed P2        → w(P1) = 1,   w(P2) = 0.5
 *   U3 viewed P2; its merged-away profile U7 viewed P3 → w(P2) = 0.5, w(P3) = 0.5
 *   U4 bought P3, viewed P1        → w(P3) = 1,   w(P1) = 0.5
 *   U5 nothing (new); segment tea_lovers = {U1, U2, U5}
 *
 * Σw²: P1 1.5² + 1² + 0.5² = 3.5; P2 1² + 0.5² + 0.5² = 1.5; P3 0.5² + 1² = 1.25
 * Σw:  P1 3; P2 2; P3 1.5
 * Cosine (dot / √(Σw²·Σw²)) × n / (n + 1):
 *   P1–P2: dot 1.5·1 + 1·0.5 = 2, n 2 → 2 / √5.25 = 0.8728716 × 2/3 = 0.5819144
 *   P1–P3: dot 0.5·1 = 0.5, n 1    → 0.5 / √4.375 = 0.2390457 × 1/2 = 0.1195229
 *   P2–P3: dot 0.5·0.5 = 0.25, n 1 → 0.25 / √1.875 = 0.1825742 × 1/2 = 0.0912871
 * Weighted Jaccard (Σmin / (Σw_i + Σw_j − Σmin)) × n / (n + 1):
 *   P1–P2: Σmin 1 + 0.5 = 1.5 → 1.5 / 3.5 = 3/7 × 2/3 = 0.2857143
 *   P1–P3: Σmin 0.5 → 0.5 / 4 = 0.125 × 1/2 = 0.0625
 *   P2–P3: Σmin 0.5 → 0.5 / 3 × 1/2 = 0.0833333
 * (so P3's nearest is P1 by cosine, P2 by Jaccard).
 *
 * Popularity (distinct buyers / 3 buyers U1, U2, U4): P1 2/3, P2 1/3, P3 1/3 (P4 unsold).
 * tea_lovers: P1 bought by U1, U2 → 2/3 of 3 members; P2 by U1 → 1/3.
 */
const NOW = new Date("2026-06-01T00:00:00Z");
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();
const SETTINGS = { purchaseWeight: 1, viewWeight: 0.5, shrinkage: 1, measure: "COSINE" as const };

it("recommendations.top_category parses, prints and round-trips through JSON; other fields are refused", () => {
  const expr = parseRule("recommendations.top_category");
  expect(expr).toMatchObject({ type: "top_recommended_category" });
  expect(printRule(expr)).toBe("recommendations.top_category");
  expect(printRule(ruleFromJson({ type: "top_recommended_category" }))).toBe("recommendations.top_category");
  expect(() => parseRule("recommendations.top_brand")).toThrow(/use recommendations.top_category/);
});

describeEachDatabase("recommendations on a hand-worked shop", (db) => {
  let service: RecommendationService;
  let api: TestApi;

  beforeAll(async () => {
    const d = db();
    await d.query(sql`insert into users (id) select generate_series(1, 7)`);
    await d.query(sql`update users set merged_into = 3 where id = 7`);
    await d.query(sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (7, 3, 3)`);
    await d.query(sql`insert into products (id, name, category, price) values
      ('P1', 'Oolong', 'tea', 30), ('P2', 'Pu-erh', 'tea', 40), ('P3', 'Cup', 'cups', 10), ('P4', 'Pot', 'cups', 90)`);
    const order = async (id: string, user: number, days: number, products: string[]) => {
      await d.query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted)
        values (${id}, ${user}, ${ago(days)}::timestamptz, 'paid', 10, true)`);
      for (const [line, product] of products.entries()) {
        await d.query(sql`insert into order_items (order_id, line_no, user_id, product_id, quantity, unit_price)
          values (${id}, ${line + 1}, ${user}, ${product}, 1, 10)`);
      }
    };
    await order("o1", 1, 60, ["P1", "P2"]);
    await order("o2", 2, 60, ["P1"]);
    await order("o4", 4, 60, ["P3"]);
    // A cancelled order counts for nothing.
    await d.query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted)
      values ('x1', 3, ${ago(50)}::timestamptz, 'cancelled', 10, false)`);
    await d.query(sql`insert into order_items (order_id, line_no, user_id, product_id, quantity, unit_price)
      values ('x1', 1, 3, 'P4', 1, 10)`);
    const views: Array<[number, string]> = [
      [1, "P1"],
      [2, "P2"],
      [3, "P2"],
      [7, "P3"],
      [4, "P1"],
    ];
    for (const [index, [user, product]] of views.entries()) {
      await d.query(sql`insert into events (user_id, message_id, name, ts, properties)
        values (${user}, ${`v${index}`}, 'product_view', ${ago(30)}::timestamptz, ${JSON.stringify({ product_id: product })}::jsonb)`);
    }
    // A view of a product the catalog does not hold is no interaction.
    await d.query(sql`insert into events (user_id, message_id, name, ts, properties)
      values (1, 'v-unknown', 'product_view', ${ago(30)}::timestamptz, '{"product_id":"P9"}'::jsonb)`);
    await d.query(
      sql`insert into segments (key, name, kind, updated_by) values ('tea_lovers', 'Tea lovers', 'STATIC', 'test')`,
    );
    await d.query(
      sql`insert into segment_members (segment_key, user_id) values ('tea_lovers', 1), ('tea_lovers', 2), ('tea_lovers', 5)`,
    );
    service = new RecommendationService(d);
    api = await startTestApi(d);
  });
  afterAll(() => api?.close());

  const similarity = async (productId: string) =>
    (await service.similarOf([productId], 10))[0].map((s) => [s.product.productId, s.score, s.commonUsers]);

  it("weighted Jaccard with shrinkage, by hand", async () => {
    const refresh = await service.refresh({ name: "test" }, { ...SETTINGS, measure: "JACCARD" }, NOW);
    expect(refresh).toMatchObject({ products: 3, pairs: 6 });
    const p3 = await similarity("P3");
    expect(p3.map(([id]) => id)).toEqual(["P2", "P1"]);
    expect(p3[0][1]).toBeCloseTo(1 / 12, 6);
    expect(p3[1][1]).toBeCloseTo(0.0625, 6);
    expect((await similarity("P1"))[0][1]).toBeCloseTo(2 / 7, 6);
  });

  it("cosine with shrinkage, by hand; the refresh replaces the table and keeps its settings", async () => {
    const refresh = await service.refresh({ name: "test" }, { measure: "COSINE" }, NOW);
    expect(refresh.settings).toMatchObject({ ...SETTINGS, neighbours: 20 });
    const p1 = await similarity("P1");
    expect(p1).toEqual([
      ["P2", expect.closeTo(0.5819144, 6), 2],
      ["P3", expect.closeTo(0.1195229, 6), 1],
    ]);
    const p3 = await similarity("P3");
    expect(p3.map(([id]) => id)).toEqual(["P1", "P2"]);
    expect(p3[1][1]).toBeCloseTo(0.0912871, 6);
    expect(await similarity("P4")).toEqual([]);
  });

  it("a merged profile's views count for its survivor, asked by either id", async () => {
    // U3: P2 (0.5, viewed), P3 (0.5, viewed by U7). Nothing bought, so every product may come back:
    //   P1 = 0.5 · 0.5819144 + 0.5 · 0.1195229 = 0.3507186 (mostly from P2)
    //   P2 = 0.5 · sim(P3, P2) = 0.0456435; P3 = 0.5 · sim(P2, P3) = 0.0456435 (tie: by id)
    for (const userId of [3, 7]) {
      const recommendations = await service.recommend({ userId, first: 10 }, NOW);
      expect(
        recommendations.map((r) => [
          r.product.productId,
          r.score,
          r.reason.kind,
          r.reason.because.map((b) => b.productId),
        ]),
      ).toEqual([
        ["P1", expect.closeTo(0.3507186, 6), "SIMILAR_TO_VIEWED", ["P2", "P3"]],
        ["P2", expect.closeTo(0.0456435, 6), "SIMILAR_TO_VIEWED", ["P3"]],
        ["P3", expect.closeTo(0.0456435, 6), "SIMILAR_TO_VIEWED", ["P2"]],
      ]);
    }
  });

  it("excludes what was bought unless its category's repurchase window has passed", async () => {
    // U1 bought P1 (w 1.5) and P2 (w 1): P3 = 1.5 · 0.1195229 + 1 · 0.0912871 = 0.2705714,
    // mostly from P1 (purchased). tea_lovers and the global list hold nothing else unbought.
    const plain = await service.recommend({ userId: 1, first: 10 }, NOW);
    expect(plain.map((r) => [r.product.productId, r.score, r.reason.kind])).toEqual([
      ["P3", expect.closeTo(0.2705714, 6), "SIMILAR_TO_PURCHASED"],
    ]);
    // Tea bought 60 days ago, window 30 days: P2 = 1.5 · 0.5819144 = 0.8728716, P1 = 1 · 0.5819144.
    await service.refresh({ name: "test" }, { repurchaseDays: [{ category: "tea", days: 30 }] }, NOW);
    const again = await service.recommend({ userId: 1, first: 10 }, NOW);
    expect(again.map((r) => [r.product.productId, r.score])).toEqual([
      ["P2", expect.closeTo(0.8728716, 6)],
      ["P1", expect.closeTo(0.5819144, 6)],
      ["P3", expect.closeTo(0.2705714, 6)],
    ]);
    // …and a 90-day window has not passed.
    await service.refresh({ name: "test" }, { repurchaseDays: [{ category: "tea", days: 90 }] }, NOW);
    expect((await service.recommend({ userId: 1, first: 10 }, NOW)).map((r) => r.product.productId)).toEqual([
      "P3",
    ]);
    await service.refresh({ name: "test" }, { repurchaseDays: [] }, NOW);
  });

  it("a new shopper gets their segment's favourites, then the shop's; a context product and category steer", async () => {
    const fresh = await service.recommend({ userId: 5, first: 10 }, NOW);
    expect(fresh.map((r) => [r.product.productId, r.score, r.reason.kind, r.reason.segmentKey])).toEqual([
      ["P1", expect.closeTo(2 / 3, 6), "POPULAR_IN_SEGMENT", "tea_lovers"],
      ["P2", expect.closeTo(1 / 3, 6), "POPULAR_IN_SEGMENT", "tea_lovers"],
      ["P3", expect.closeTo(1 / 3, 6), "POPULAR", null],
    ]);
    expect((await service.recommend({ userId: 5, first: 1 }, NOW)).map((r) => r.product.productId)).toEqual([
      "P1",
    ]);
    // Viewing P1 (weight 1 + 0.5): P2 = 1.5 · 0.5819144 = 0.8728716, P3 = 1.5 · 0.1195229 = 0.1792843.
    const viewing = await service.recommend({ userId: 5, first: 10, context: { productId: "P1" } }, NOW);
    expect(viewing.map((r) => [r.product.productId, r.score, r.reason.kind])).toEqual([
      ["P2", expect.closeTo(0.8728716, 6), "SIMILAR_TO_CONTEXT"],
      ["P3", expect.closeTo(0.1792843, 6), "SIMILAR_TO_CONTEXT"],
    ]);
    const cups = await service.recommend({ userId: 5, first: 10, context: { category: "cups" } }, NOW);
    expect(cups.map((r) => [r.product.productId, r.score, r.reason.kind])).toEqual([
      ["P3", expect.closeTo(1 / 3, 6), "POPULAR_IN_CATEGORY"],
    ]);
  });

  it("answers through GraphQL in a fixed number of statements, whatever `first` (no N+1)", async () => {
    const query = `query($first: Int) { recommendations(userId: "3", first: $first) {
      product { productId name similar(first: 2) { product { productId } score } }
      score reason { kind because { productId name } } } }`;
    // Requests read the shopper's facts up to the wall clock: a ten-year window keeps the fixture in it.
    await service.refresh({ name: "test" }, { lookbackDays: 3660 }, NOW);
    const counts: number[] = [];
    for (const first of [1, 3]) {
      const { result, statements } = await countStatements(db(), () => api.gql(query, { first }));
      expect(result.errors).toBeUndefined();
      expect(result.data.recommendations).toHaveLength(first);
      counts.push(statements.length);
    }
    // The profile resolved to its survivor with the last refresh's settings, the recommendations
    // with their reasons' products, and one batch of Product.similar for every recommended product.
    expect(counts).toEqual([3, 3]);
    const answer = await api.gql(query, { first: 1 });
    expect(answer.data.recommendations[0]).toEqual({
      product: {
        productId: "P1",
        name: "Oolong",
        similar: [
          { product: { productId: "P2" }, score: expect.closeTo(0.5819144, 6) },
          { product: { productId: "P3" }, score: expect.closeTo(0.1195229, 6) },
        ],
      },
      score: expect.closeTo(0.3507186, 6),
      reason: {
        kind: "SIMILAR_TO_VIEWED",
        because: [
          { productId: "P2", name: "Pu-erh" },
          { productId: "P3", name: "Cup" },
        ],
      },
    });
    const product = await api.gql(
      `{ product(productId: "P3") { name category price similar(first: 1) { rank commonUsers } } }`,
    );
    expect(product.data.product).toEqual({
      name: "Cup",
      category: "cups",
      price: 10,
      similar: [{ rank: 1, commonUsers: 1 }],
    });
    expect((await api.gql(`{ product(productId: "nope") { name } }`)).data.product).toBeNull();
  });

  it("refuses bad input with coded errors naming the argument", async () => {
    const cases: Array<[string, string, string]> = [
      [`{ recommendations(userId: "999") { score } }`, "BAD_USER_INPUT", "userId"],
      [`{ recommendations(userId: "abc") { score } }`, "BAD_USER_INPUT", "userId"],
      [`{ recommendations(userId: "1", first: 0) { score } }`, "BAD_USER_INPUT", "first"],
      [`{ recommendations(userId: "1", first: 101) { score } }`, "BAD_USER_INPUT", "first"],
      [
        `{ recommendations(userId: "1", context: { productId: "P9" }) { score } }`,
        "BAD_USER_INPUT",
        "context.productId",
      ],
      [`{ product(productId: "P1") { similar(first: 1000) { score } } }`, "BAD_USER_INPUT", "first"],
      [`{ evaluateRecommendations(split: "2999-01-01") { k } }`, "BAD_USER_INPUT", "split"],
      [`{ evaluateRecommendations(split: "2026-01-01", k: 0) { k } }`, "BAD_USER_INPUT", "k"],
      [
        `mutation { refreshRecommendations(settings: { neighbours: 0 }) { pairs } }`,
        "BAD_USER_INPUT",
        "settings.neighbours",
      ],
      [
        `mutation { refreshRecommendations(settings: { purchaseWeight: 0, viewWeight: 0 }) { pairs } }`,
        "BAD_USER_INPUT",
        "settings.viewWeight",
      ],
      [
        `mutation { refreshRecommendations(settings: { repurchaseDays: [{ category: "tea", days: 0 }] }) { pairs } }`,
        "BAD_USER_INPUT",
        "settings.repurchaseDays.days",
      ],
    ];
    for (const [query, code, argument] of cases) {
      const answer = await api.gql(query);
      expect(answer.errors?.[0]?.extensions, query).toMatchObject({ code, argument });
    }
  });

  it("refreshRecommendations through GraphQL keeps the settings and is audited", async () => {
    const answer = await api.gql(`mutation { refreshRecommendations(settings: { measure: JACCARD }) {
      products pairs settings { measure viewWeight shrinkage repurchaseDays { category } } } }`);
    expect(answer.errors).toBeUndefined();
    // At the wall clock, with the ten-year window: the same 3 products and 6 directed pairs.
    expect(answer.data.refreshRecommendations).toMatchObject({ products: 3, pairs: 6 });
    expect(answer.data.refreshRecommendations.settings).toEqual({
      measure: "JACCARD",
      viewWeight: 0.5,
      shrinkage: 1,
      repurchaseDays: [],
    });
    const [audit] = await db().query<{ action: string }>(
      sql`select action from audit_log where entity_type = 'recommendations' order by id desc limit 1`,
    );
    expect(audit.action).toBe("refresh");
    await service.refresh({ name: "test" }, { measure: "COSINE" }, NOW);
  });

  it("a VALUE tag takes each shopper's top recommended category (recommendations.top_category)", async () => {
    // Similarities of the last refresh (cosine, λ 1, the ten-year window), exclusions as above:
    //   U1: only P3 → cups
    //   U2 (bought P1; viewed P2): tea P2 = 1 · 0.5819144; cups P3 = 1 · 0.1195229 + 0.5 · 0.0912871 = 0.1651665 → tea
    //   U3: tea P1 0.3507186 + P2 0.0456435 against cups P3 0.0456435 → tea
    //   U4 (bought P3; viewed P1): tea P1 0.1195229 + P2 0.3822443, no cups candidate → tea
    //   U5 has no facts and U7 was merged into U3: no value.
    const created = await api.gql(`mutation { createTag(input: { key: "next_category", name: "Next category",
      category: BEHAVIOR, kind: VALUE, rule: "recommendations.top_category" }) { key } }`);
    expect(created.errors).toBeUndefined();
    const refreshed = await api.gql(
      `mutation { refreshTags(keys: ["next_category"]) { failed { key message } } }`,
    );
    expect(refreshed.data.refreshTags.failed).toEqual([]);
    const members = await db().query<{ user_id: number; value: string }>(
      sql`select user_id, value from tag_members where tag_key = 'next_category' order by user_id`,
    );
    expect(members.map((m) => [Number(m.user_id), m.value])).toEqual([
      [1, "cups"],
      [2, "tea"],
      [3, "tea"],
      [4, "tea"],
    ]);
  });

  it("offline evaluation: collaborative filtering against popularity, by hand", async () => {
    // Split 10 days before NOW: training is everything above. After it: U3 buys P1, U4 buys P2.
    // U3's collaborative top 1 is P1 (0.3507); popularity's is P1 (2 buyers): both hit.
    // U4 (bought P3; viewed P1 w 0.5): P2 = 1 · 0.0912871 + 0.5 · 0.5819144 = 0.3822443 beats
    // P1 = 1 · 0.1195229, so collaborative hits; popularity's P1 misses.
    // k 1: collaborative precision = recall = hit rate = 1, coverage {P1, P2} / 4 = 0.5;
    //      popularity 0.5 each, coverage {P1} / 4 = 0.25. Evaluated shoppers: U3 and U4.
    const d = db();
    for (const [id, user, product] of [
      ["t1", 3, "P1"],
      ["t2", 4, "P2"],
    ] as const) {
      await d.query(sql`insert into orders (order_id, user_id, placed_at, status, total_amount, counted)
        values (${id}, ${user}, ${ago(5)}::timestamptz, 'paid', 10, true)`);
      await d.query(sql`insert into order_items (order_id, line_no, user_id, product_id, quantity, unit_price)
        values (${id}, 1, ${user}, ${product}, 1, 10)`);
    }
    const result = await service.evaluate({ split: new Date(ago(10)), k: 1 }, NOW);
    expect(result.collaborative).toEqual({ users: 2, precision: 1, recall: 1, hitRate: 1, coverage: 0.5 });
    expect(result.popularity).toEqual({
      users: 2,
      precision: 0.5,
      recall: 0.5,
      hitRate: 0.5,
      coverage: 0.25,
    });
  });
});
