import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { registerLoad } from "../../src/cli/commands/load";
import { loadFile } from "../../src/ingest/load";
import { IngestService } from "../../src/ingest/service";
import { describeEachDatabase } from "../helpers/db";

const dir = mkdtempSync(path.join(os.tmpdir(), "stratum-load-"));
const file = (name: string, lines: string[]) => {
  const target = path.join(dir, name);
  writeFileSync(target, `${lines.join("\n")}\n`);
  return target;
};
const rejectsOf = (target: string) =>
  readFileSync(`${target}.rejects`, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
    .map((r) => [r.line, r.code]);

const eventsNdjson = file("events.ndjson", [
  JSON.stringify({
    messageId: "l-1",
    event: "app_open",
    timestamp: "2026-04-01T01:00:00Z",
    anonymousId: "l-dev",
  }),
  JSON.stringify({
    messageId: "l-2",
    event: "search",
    timestamp: "2026-04-01T01:01:00Z",
    anonymousId: "l-dev",
    properties: { q: "茶" },
  }),
  "{ not json",
  "",
  JSON.stringify({
    messageId: "l-3",
    event: "search",
    timestamp: "2026-04-31T01:01:00Z",
    anonymousId: "l-dev",
  }),
  JSON.stringify({
    messageId: "l-4",
    event: "search",
    timestamp: "2026-04-01T01:02:00Z",
    anonymousId: "l-dev",
    sessionId: "a\u0000b",
  }),
  JSON.stringify([1, 2]),
]);
const eventsCsv = file("events.csv", [
  "message_id,event,timestamp,user_id,anonymous_id,session_id,channel,platform,utm_source,utm_medium,utm_campaign,properties",
  'lc-1,page_view,2026-04-02T08:00:00+08:00,l-acct,l-dev,s1,web,chrome,baidu,cpc,spring,"{""url"":""/home""}"',
  "lc-2,page_view,2026-04-02T08:01:00+08:00,,l-dev,s1,web,chrome,,,,{broken",
  "lc-3,checkout_start,2026-04-02T08:02:00+08:00,,,s1,web,chrome,,,,",
]);
const ordersCsv = file("orders.csv", [
  "order_id,user_id,anonymous_id,placed_at,status,total_amount,refunded_amount,channel,platform,coupon_code,campaign_id",
  "lo-1,l-acct,,2026-04-02T09:00:00Z,paid,120.50,,web,chrome,SPRING10,c-1",
  "lo-2,l-acct,,2026-04-02T09:00:00Z,Completed,10,,,,,",
  "lo-3,l-acct,,2026-04-02T09:00:00Z,lost,10,,,,,",
  "lo-4,l-acct,,2026-04-02T09:00:00Z,paid,-3,,,,,",
]);
const usersCsv = file("users.csv", [
  "user_id,anonymous_id,email,phone,traits",
  'l-acct,,L@Example.com,13800000000,"{""city"":""广州""}"',
  "l-new,l-new-dev,,,",
  ",,,,",
]);
const productsCsv = file("products.csv", [
  "product_id,name,category,brand,price",
  "lp-1,绿茶,食品/茶,西湖,35.5",
  "lp-2,,食品,,1",
]);

// A UTF-8 BOM and camelCase headers in another case order; "" is a quote inside a quoted field.
const productsCamelCsv = file("products-camel.csv", [
  "\uFEFFproductId,Name,category,Brand,price",
  'lp-c1,"12"" 平板",数码,,1999',
]);
const eventsCamelCsv = file("events-camel.csv", [
  "messageId,event,timestamp,anonymousId,utmSource,properties",
  'lc-c1,page_view,2026-04-04T08:00:00+08:00,l-camel,wechat,"{""url"":""/c""}"',
]);
// Line 3 opens a quote it never closes; lines 4 and 5 must still load.
const eventsOpenQuoteCsv = file("events-open-quote.csv", [
  "message_id,event,timestamp,anonymous_id,properties",
  "lq-1,page_view,2026-04-05T00:00:00Z,l-quote,{}",
  'lq-2,page_view,2026-04-05T00:01:00Z,l-quote,"{""url"":""/a""}',
  "lq-3,page_view,2026-04-05T00:02:00Z,l-quote,{}",
  "lq-4,page_view,2026-04-05T00:03:00Z,l-quote,",
]);
const ordersSnakeNdjson = file("orders-snake.ndjson", [
  JSON.stringify({
    order_id: "ls-1",
    user_id: "l-snake",
    placed_at: "2026-04-06T10:00:00Z",
    status: "paid",
    total_amount: 59,
    coupon_code: "C1",
    items: [{ product_id: "lp-c1", quantity: 2, unit_price: 29.5 }],
  }),
  JSON.stringify({
    orderId: "ls-2",
    order_id: "ls-2",
    userId: "l-snake",
    placedAt: "2026-04-06T10:00:00Z",
    status: "paid",
    totalAmount: 1,
  }),
]);
const ordersTypoCsv = file("orders-typo.csv", [
  "order_id,user_ud,placed_at,status,total_amount",
  "lt-1,l-acct,2026-04-02T09:00:00Z,paid,1",
]);

describeEachDatabase("stratum load", (db) => {
  let ingest: IngestService;
  beforeAll(() => {
    ingest = new IngestService(db());
  });

  it("loads NDJSON events, writing rejected lines with number and reason", async () => {
    const summary = await loadFile(ingest, "events", eventsNdjson);
    expect(summary).toMatchObject({ records: 6, accepted: 2, duplicates: 0, rejected: 4 });
    expect(rejectsOf(eventsNdjson)).toEqual([
      [3, "INVALID_JSON"],
      [5, "INVALID_TIMESTAMP"],
      [6, "INVALID_TEXT"],
      [7, "INVALID_JSON"],
    ]);
  });

  it("loads CSV events, orders, users and products, and loading again changes nothing", async () => {
    const first = await Promise.all([
      loadFile(ingest, "events", eventsCsv),
      loadFile(ingest, "products", productsCsv),
    ]);
    expect(first[0]).toMatchObject({ records: 3, accepted: 1, rejected: 2 });
    expect(rejectsOf(eventsCsv)).toEqual([
      [3, "INVALID_JSON"],
      [4, "MISSING_IDENTIFIER"],
    ]);
    expect(first[1]).toMatchObject({ records: 2, accepted: 1, rejected: 1 });
    const orders = await loadFile(ingest, "orders", ordersCsv);
    expect(orders).toMatchObject({ records: 4, accepted: 2, rejected: 2 });
    expect(rejectsOf(ordersCsv)).toEqual([
      [4, "INVALID_STATUS"],
      [5, "NEGATIVE_AMOUNT"],
    ]);
    const users = await loadFile(ingest, "users", usersCsv);
    expect(users).toMatchObject({ records: 3, accepted: 1, updated: 1, rejected: 1 });

    const snapshot = () =>
      db().query(sql`select
        (select count(*)::int from events) as events, (select count(*)::int from orders) as orders,
        (select count(*)::int from users) as users, (select count(*)::int from identities) as identities,
        (select count(*)::int from products) as products,
        (select traits from users u join identities i on i.user_id = u.id and i.value = 'l-acct') as traits,
        (select max(updated_at) from orders) as "ordersUpdated"`);
    const before = await snapshot();
    expect(before).toEqual([
      // l-1, l-2, lc-1, order_paid of lo-1 and lo-2
      expect.objectContaining({
        events: 5,
        orders: 2,
        users: 2,
        identities: 6,
        products: 1,
        traits: { city: "广州" },
      }),
    ]);
    const again = [
      await loadFile(ingest, "events", eventsNdjson),
      await loadFile(ingest, "events", eventsCsv),
      await loadFile(ingest, "orders", ordersCsv),
      await loadFile(ingest, "users", usersCsv),
      await loadFile(ingest, "products", productsCsv),
    ];
    for (const summary of again) expect(summary).toMatchObject({ accepted: 0, updated: 0 });
    expect(again.map((s) => s.duplicates)).toEqual([2, 1, 2, 2, 1]);
    expect(await snapshot()).toEqual(before);
    const [email] = await db().query(sql`select value from identities where type = 'email'`);
    expect(email).toEqual({ value: "l@example.com" });
  });
});

const sharedVisitors = file(
  "concurrent.ndjson",
  Array.from({ length: 400 }, (_, i) =>
    JSON.stringify({
      messageId: `cc-${i}`,
      event: "page_view",
      timestamp: "2026-04-03T00:00:00Z",
      anonymousId: `cc-dev-${i % 40}`,
      userId: i % 80 < 40 ? null : `cc-acct-${i % 40}`,
    }),
  ),
);

describeEachDatabase("stratum load, batches written concurrently", (db) => {
  it("links every visitor once even when concurrent batches meet the same new identities", async () => {
    const summary = await loadFile(new IngestService(db()), "events", sharedVisitors, {
      batchSize: 25,
      concurrency: 3,
    });
    expect(summary).toMatchObject({ records: 400, accepted: 400, rejected: 0 });
    // 40 devices, each seen anonymously first and signed in later: 40 profiles, 80 identities.
    const [counts] = await db().query<{ identities: number; profiles: number; split: number }>(sql`
      select count(*)::int as identities, count(distinct user_id)::int as profiles,
        (select count(*)::int from (select anonymous_id from events where message_id like 'cc-%'
          group by anonymous_id having count(distinct user_id) > 1) s) as split
      from identities where value like 'cc-%'`);
    expect(counts).toEqual({ identities: 80, profiles: 40, split: 0 });
  });
});

describeEachDatabase("stratum load, both spellings and broken lines", (db) => {
  let ingest: IngestService;
  beforeAll(() => {
    ingest = new IngestService(db());
  });

  it("reads camelCase CSV headers and a UTF-8 byte order mark", async () => {
    expect(await loadFile(ingest, "products", productsCamelCsv)).toMatchObject({ accepted: 1, rejected: 0 });
    expect(await loadFile(ingest, "events", eventsCamelCsv)).toMatchObject({ accepted: 1, rejected: 0 });
    const [product] = await db().query(
      sql`select name, category, brand, price::float8 as price from products`,
    );
    expect(product).toEqual({ name: '12" 平板', category: "数码", brand: null, price: 1999 });
    const [event] = await db().query(
      sql`select utm_source, properties from events where message_id = 'lc-c1'`,
    );
    expect(event).toEqual({ utm_source: "wechat", properties: { url: "/c" } });
  });

  it("rejects a line with an open quote by its number and loads the lines after it", async () => {
    const summary = await loadFile(ingest, "events", eventsOpenQuoteCsv);
    expect(summary).toMatchObject({ records: 4, accepted: 3, rejected: 1 });
    const [reject] = readFileSync(`${eventsOpenQuoteCsv}.rejects`, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(reject).toMatchObject({ line: 3, code: "INVALID_TEXT" });
    expect(reject.message).toContain("quote");
    const rows = await db().query(sql`select message_id from events where message_id like 'lq-%' order by 1`);
    expect(rows.map((r) => r.message_id)).toEqual(["lq-1", "lq-3", "lq-4"]);
  });

  it("reads snake_case NDJSON keys, also in order items, and rejects a key given in both spellings", async () => {
    const summary = await loadFile(ingest, "orders", ordersSnakeNdjson);
    expect(summary).toMatchObject({ records: 2, accepted: 1, rejected: 1 });
    expect(rejectsOf(ordersSnakeNdjson)).toEqual([[2, "INVALID_JSON"]]);
    const [order] = await db().query(
      sql`select total_amount::float8 as total, coupon_code from orders where order_id = 'ls-1'`,
    );
    expect(order).toEqual({ total: 59, coupon_code: "C1" });
    const [item] = await db().query(
      sql`select product_id, quantity, unit_price::float8 as price from order_items where order_id = 'ls-1'`,
    );
    expect(item).toEqual({ product_id: "lp-c1", quantity: 2, price: 29.5 });
  });

  it("numbers lines across reads: CRLF endings, a BOM, a line longer than one read, no final newline", async () => {
    const event = (id: string) =>
      JSON.stringify({
        messageId: id,
        event: "app_open",
        timestamp: "2026-04-02T00:00:00Z",
        anonymousId: "lr-dev",
      });
    // Line 4 is 1.5 MB of three-byte characters (more than one read of the loader, and split
    // inside a character) and not JSON: it is rejected by its number, and line 5 still loads.
    const target = path.join(dir, "reads.ndjson");
    writeFileSync(
      target,
      `\uFEFF${event("lr-1")}\r\n\r\n{ broken\r\n{"q": "${"茶".repeat(500_000)}\r\n${event("lr-5")}`,
    );
    // Records: lines 1, 3, 4 and 5 (line 2 is blank).
    expect(await loadFile(ingest, "events", target)).toMatchObject({ records: 4, accepted: 2, rejected: 2 });
    expect(rejectsOf(target)).toEqual([
      [3, "INVALID_JSON"],
      [4, "INVALID_JSON"],
    ]);
    const rows = await db().query(sql`select message_id from events where message_id like 'lr-%' order by 1`);
    expect(rows.map((r) => r.message_id)).toEqual(["lr-1", "lr-5"]);
  });

  it("refuses a CSV with an unknown column before loading anything, suggesting the closest name", async () => {
    const failure = await loadFile(ingest, "orders", ordersTypoCsv).catch((error) => error);
    expect({ code: failure.code, ...failure.details }).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "file",
      column: "user_ud",
      suggestions: ["user_id"],
    });
    expect(failure.message).toContain('unknown column "user_ud". Did you mean "user_id"?');
    const [{ n }] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from orders where order_id = 'lt-1'`,
    );
    expect(n).toBe(0);
  });
});

/** The example blocks of docs/loading.md (```csv orders … ```), in file order. */
const documentedExamples = [
  ...readFileSync(path.join(__dirname, "../../docs/loading.md"), "utf8").matchAll(
    /```(csv|ndjson) (events|orders|users|products)\n([\s\S]*?)```/g,
  ),
].map(([, format, kind, body], index) => ({
  kind: kind as "events" | "orders" | "users" | "products",
  target: file(`doc-${index}-${kind}.${format}`, body.trimEnd().split("\n")),
  lines: body.trimEnd().split("\n").length - (format === "csv" ? 1 : 0),
}));

describeEachDatabase("stratum load, the examples of docs/loading.md", (db) => {
  it("loads every documented example without a reject", async () => {
    expect(documentedExamples.map((e) => e.kind).sort()).toEqual([
      "events",
      "events",
      "orders",
      "orders",
      "products",
      "products",
      "users",
      "users",
    ]);
    const ingest = new IngestService(db());
    for (const kind of ["users", "products", "events", "orders"])
      for (const example of documentedExamples.filter((e) => e.kind === kind)) {
        const summary = await loadFile(ingest, example.kind, example.target);
        expect([example.target, summary]).toEqual([
          example.target,
          expect.objectContaining({ records: example.lines, rejected: 0 }),
        ]);
      }
    // doc-o1: paid 120.50 by CSV, then refunded 20 by NDJSON; doc-o3 has two items of doc-p1
    const [order] = await db().query(
      sql`select status, refunded_amount::float8 as refunded from orders where order_id = 'doc-o1'`,
    );
    expect(order).toEqual({ status: "refunded", refunded: 20 });
    const [{ items }] = await db().query<{ items: number }>(
      sql`select sum(quantity)::int as items from order_items where order_id = 'doc-o3'`,
    );
    expect(items).toBe(2);
  });
});

describe("stratum load (command)", () => {
  it("prints a summary and writes the rejects file", async () => {
    const saved = { url: process.env.DATABASE_URL, dir: process.env.STRATUM_DATA_DIR };
    process.env.DATABASE_URL = "";
    process.env.STRATUM_DATA_DIR = "memory://";
    const printed = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const program = new Command().exitOverride();
      registerLoad(program);
      await program.parseAsync(["node", "stratum", "load", "orders", ordersCsv, "--no-progress"]);
      const output = printed.mock.calls.map((call) => String(call[0])).join("\n");
      expect(output).toMatch(/records\s+4/);
      expect(output).toMatch(/accepted\s+2/);
      expect(output).toMatch(/rejected\s+2 \(line and reason in .*orders\.csv\.rejects\)/);
      expect(process.exitCode).toBe(2);
    } finally {
      printed.mockRestore();
      process.exitCode = 0;
      process.env.DATABASE_URL = saved.url;
      process.env.STRATUM_DATA_DIR = saved.dir;
    }
  });
});
