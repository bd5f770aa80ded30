import "reflect-metadata";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/access/permissions";
import { METRICS } from "../../src/metrics/catalog";
import { recreateSemanticViews } from "../../src/semantic/views";
import { describeEachDatabase } from "../helpers/db";
import { startTestApi, TEST_ADMIN_KEY, type TestApi } from "../helpers/graphql";
import { loadMetricFixture } from "./fixture";

const FIELDS = METRICS.map((m) => m.field).join(" ");

describeEachDatabase("semantic views and CSV export", (db) => {
  let api: TestApi;
  beforeAll(async () => {
    await loadMetricFixture(db());
    api = await startTestApi(db(), { STRATUM_TIMEZONE: "Asia/Shanghai" });
    expect(await recreateSemanticViews(db(), "Asia/Shanghai")).toEqual([
      "semantic.metrics_daily",
      "semantic.metrics_weekly",
      "semantic.metrics_monthly",
      "semantic.user_profile",
    ]);
  });
  afterAll(() => api?.close());

  const graphqlRow = async (from: string, to: string, grain: string, channel: string) => {
    const response = await api.gql(`{ metrics(timeRange: {from: "${from}", to: "${to}"}, grain: ${grain}) {
      rows { time channel platform ${FIELDS} } } }`);
    expect(response.errors).toBeUndefined();
    return response.data.metrics.rows.find((row: any) => row.channel === channel);
  };

  const viewRow = async (view: string, bucket: string, channel: string) => {
    const rows = await db().query(
      sql`select * from ${sql.identifier("semantic")}.${sql.identifier(view)} where bucket = ${bucket}::timestamptz and channel = ${channel}`,
    );
    expect(rows).toHaveLength(1);
    return rows[0];
  };

  it.each([
    ["metrics_daily", "DAY", "2026-03-02", "2026-03-03", "app"],
    ["metrics_daily", "DAY", "2026-03-01", "2026-03-02", "web"],
    ["metrics_weekly", "WEEK", "2026-03-02", "2026-03-09", "web"],
    ["metrics_monthly", "MONTH", "2026-03-01", "2026-04-01", "app"],
  ])(
    "a %s row equals the GraphQL answer for the same slice (%s %s %s)",
    async (view, grain, from, to, channel) => {
      const expected = await graphqlRow(from, to, grain, channel);
      const row = await viewRow(view, `${from}T00:00:00+08:00`, channel);
      expect(row.platform).toBe(expected.platform);
      for (const metric of METRICS)
        expect([metric.key, row[metric.key]]).toEqual([metric.key, expected[metric.field]]);
      // and the view's numbers are the fixture's: D2 app gmv is o6 = 80, March app gmv 60 + 100 + 80
      if (view === "metrics_daily" && channel === "app") expect(row.gmv).toBe(80);
      if (view === "metrics_monthly") expect(row.gmv).toBe(240);
    },
  );

  it("has a dense daily series from the first fact", async () => {
    const [first] = await db().query<{ bucket: Date; orders: number }>(
      sql`select bucket, orders from semantic.metrics_daily where channel = 'web' order by bucket limit 1`,
    );
    // o7 on 2026-01-10 is the first fact
    expect(first.bucket.toISOString()).toBe("2026-01-09T16:00:00.000Z");
    expect(first.orders).toBe(1);
    const [{ n }] = await db().query<{ n: number }>(
      sql`select count(*)::int as n from semantic.metrics_daily where channel = 'web' and bucket < '2026-03-01T00:00:00+08:00'`,
    );
    expect(n).toBe(50); // 01-10 … 02-28: 22 + 28 days
  });

  const bucketRows = (view: string, bucket: string) =>
    db().query<Record<string, any>>(
      sql`select * from ${sql.identifier("semantic")}.${sql.identifier(view)} where bucket = ${bucket}::timestamptz order by is_total, channel`,
    );

  it("adds one total row per bucket: additive metrics sum the slices, ratios divide total numerator by total denominator", async () => {
    // D2 local: orders o3 (u5 → u1, web, 40, refunded 40) and o6 (u2, app, 80, refunded 20, 4 units of p1 @ 20);
    // events e5 (u1 web), e6 e7 (u2 app), e8 (u3 web)
    const rows = await bucketRows("metrics_daily", "2026-03-02T00:00:00+08:00");
    expect(rows.map((r) => [r.channel, r.platform, r.is_total])).toEqual([
      ["app", null, false],
      ["web", null, false],
      [null, null, true],
    ]);
    const [app, web, total] = rows;
    expect(total).toMatchObject({ orders: 2, gmv: 120, refunds: 60, net_revenue: 60, events: 4, units: 4 });
    expect(total).toMatchObject({ item_revenue: 80, visitors: 3, buyers: 2 });
    for (const additive of ["orders", "gmv", "refunds", "net_revenue", "events", "units", "item_revenue"])
      expect([additive, total[additive]]).toEqual([additive, app[additive] + web[additive]]);
    // aov = gmv / orders; conversion: visiting buyers u1 u2 of visitors u1 u2 u3
    expect(total).toMatchObject({ aov: 60, aov_numerator: 120, aov_denominator: 2 });
    expect(total).toMatchObject({ conversion_rate_numerator: 2, conversion_rate_denominator: 3 });
    expect(total.conversion_rate).toBeCloseTo(2 / 3, 12);
    // web: visitors u1 u3, of whom u1 bought o3; app: u2 visited and bought o6
    expect(web).toMatchObject({
      conversion_rate: 0.5,
      conversion_rate_numerator: 1,
      conversion_rate_denominator: 2,
    });
    expect(app).toMatchObject({ aov: 80, aov_numerator: 80, aov_denominator: 1 });
    for (const key of [
      "aov",
      "arppu",
      "conversion_rate",
      "repurchase_rate",
      "cart_abandonment_rate",
      "churn_rate",
    ])
      for (const row of rows) {
        const denominator = row[`${key}_denominator`];
        expect([key, row[key]]).toEqual([
          key,
          denominator === 0 ? null : row[`${key}_numerator`] / denominator,
        ]);
      }
  });

  it("computes the total row over all users, not as a sum of slices, for distinct counts", async () => {
    // March visitors: app u1 u2, web u3 u4 and u1 (e5 of u5 → u1): 4 distinct users, 5 over the slices
    const rows = await bucketRows("metrics_monthly", "2026-03-01T00:00:00+08:00");
    const total = rows.find((r) => r.is_total);
    const slices = rows.filter((r) => !r.is_total);
    expect(total).toMatchObject({ visitors: 4, gmv: 300, orders: 5 }); // o2 60 o8 20 o1 100 o3 40 o6 80
    expect(slices.reduce((sum, r) => sum + r.visitors, 0)).toBe(5);
    expect(slices.reduce((sum, r) => sum + r.gmv, 0)).toBe(300);
    const [{ buckets, totals }] = await db().query<{ buckets: number; totals: number }>(
      sql`select count(distinct bucket)::int as buckets, count(*) filter (where is_total)::int as totals from semantic.metrics_daily`,
    );
    expect(totals).toBe(buckets);
  });

  it("comments every view and column with the catalog labels in English and Chinese", async () => {
    const [view] = await db().query<{ comment: string }>(
      sql`select obj_description('semantic.metrics_daily'::regclass, 'pg_class') as comment`,
    );
    expect(view.comment).toMatch(/^Metrics by day \(按日指标\): .*buckets in Asia\/Shanghai$/);
    const comment = async (view: string, column: string) => {
      const [row] = await db().query<{ comment: string | null }>(
        sql`select col_description(${`semantic.${view}`}::regclass, a.attnum) as comment
          from pg_attribute a where a.attrelid = ${`semantic.${view}`}::regclass and a.attname = ${column}`,
      );
      return row.comment;
    };
    expect(await comment("metrics_weekly", "gmv")).toBe(
      "GMV (成交总额): Sum of total_amount of counted orders placed in the bucket",
    );
    expect(await comment("metrics_monthly", "channel")).toMatch(/^Channel \(渠道\): /);
    expect(await comment("metrics_daily", "aov_denominator")).toMatch(
      /^Average order value denominator \(客单价 分母\): Orders \(orders\)/,
    );
    expect(await comment("user_profile", "city")).toBe("City (城市): The profile's `city` trait");
    const missing = await db().query(
      sql`select c.table_name, c.column_name from information_schema.columns c
        where c.table_schema = 'semantic'
          and col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) is null`,
    );
    expect(missing).toEqual([]);
    const [{ views }] = await db().query<{ views: number }>(
      sql`select count(*)::int as views from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'semantic' and c.relkind = 'v' and obj_description(c.oid, 'pg_class') like '%(%): %'`,
    );
    expect(views).toBe(4);
  });

  it("lists active profiles with orders, gmv, tags and segments", async () => {
    const rows = await db().query(
      sql`select user_id, city, orders, gmv::float8 as gmv, tags, segments from semantic.user_profile order by user_id`,
    );
    expect(rows.map((r) => r.user_id)).toEqual([1, 2, 3, 4, 6]); // u5 merged away
    expect(rows[0]).toMatchObject({ city: "上海", orders: 3, gmv: 200, tags: ["tier", "vip"], segments: [] }); // o1 o2 + u5's o3
    expect(rows[1]).toMatchObject({ city: "北京", orders: 2, gmv: 130, tags: ["tier"], segments: ["big"] }); // o0 50 + o6 80
  });

  const csv = (query: string, key: string | null = TEST_ADMIN_KEY) =>
    fetch(`${api.url.replace("/graphql", "/export/metrics.csv")}?${query}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });

  it("streams metrics as CSV with a header row, with the GraphQL numbers", async () => {
    const response = await csv(
      "metrics=gmv,orders&grain=DAY&from=2026-03-01&to=2026-03-04&by=channel&timezone=Asia%2FShanghai",
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/csv");
    // per local day and channel: D1 app o2+o1, web o8; D2 app o6, web o3; D3 empty (dense)
    expect(await response.text()).toBe(
      [
        "time,channel,gmv,orders",
        "2026-03-01T00:00:00+08:00,app,160,2",
        "2026-03-01T00:00:00+08:00,web,20,1",
        "2026-03-02T00:00:00+08:00,app,80,1",
        "2026-03-02T00:00:00+08:00,web,40,1",
        "2026-03-03T00:00:00+08:00,app,0,0",
        "2026-03-03T00:00:00+08:00,web,0,0",
        "",
      ].join("\n"),
    );
    const split = await csv("metrics=conversionRate&grain=ALL&from=2026-03-01&to=2026-03-04&by=tag:vip");
    // non-members: u2 of visitors u2 u3 u4 bought; member u1 visited and bought
    expect(await split.text()).toBe(
      [
        "time,tag:vip,conversion_rate",
        "2026-03-01T00:00:00+08:00,false,0.3333333333333333",
        "2026-03-01T00:00:00+08:00,true,1",
        "",
      ].join("\n"),
    );
  });

  it("starts the metrics CSV with a UTF-8 byte order mark on bom=1, for Excel", async () => {
    const query = "metrics=orders&grain=ALL&from=2026-03-01&to=2026-03-04&by=city&timezone=Asia%2FShanghai";
    const bytes = new Uint8Array(await (await csv(`${query}&bom=1`)).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.slice(3));
    expect(text.split("\n")[0]).toBe("time,city,orders");
    // 上海 survives as UTF-8 after the mark: u1's orders o1 o2 (and u5's o3).
    expect(text).toContain(",上海,");
    const plain = new Uint8Array(await (await csv(query)).arrayBuffer());
    expect(new TextDecoder().decode(plain.slice(0, 4))).toBe("time");
    const bad = await csv(`${query}&bom=2`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "bom",
    });
  });

  it("guards the export like GraphQL and answers bad input with codes", async () => {
    const anonymous = await csv("metrics=gmv&from=2026-03-01&to=2026-03-04", null);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const { key } = await api.services.apiKeys.create({ name: "loader", role: "INGEST" }, SYSTEM_PRINCIPAL);
    const ingest = await csv("metrics=gmv&from=2026-03-01&to=2026-03-04", key);
    expect(ingest.status).toBe(403);
    expect(((await ingest.json()) as any).errors[0].extensions.code).toBe("FORBIDDEN");
    const bad = await csv("metrics=nope&from=2026-03-01&to=2026-03-04");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].extensions.code).toBe("BAD_USER_INPUT");
    const typo = await csv("metrics=gmv,ordrs&from=2026-03-01&to=2026-03-04");
    expect(typo.status).toBe(400);
    const typoError = ((await typo.json()) as any).errors[0];
    expect(typoError.message).toContain('metrics: unknown metric "ordrs". Did you mean "orders"?');
    expect(typoError.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "metrics",
      value: "ordrs",
    });
    expect(typoError.extensions.suggestions[0]).toBe("orders");
    expect(typoError.extensions.valid).toEqual(expect.arrayContaining(["gmv", "orders", "conversion_rate"]));
    expect(typoError.message).toContain("Valid: ");
    const dimension = (
      (await (await csv("metrics=gmv&from=2026-03-01&to=2026-03-04&by=chanel")).json()) as any
    ).errors[0];
    expect(dimension.message).toContain('by: unknown dimension "chanel". Did you mean "channel"?');
    expect(dimension.extensions.valid).toEqual(expect.arrayContaining(["channel", "platform", "tag:<key>"]));
    const prefix = (
      (await (await csv("metrics=gmv&from=2026-03-01&to=2026-03-04&by=tags:vip")).json()) as any
    ).errors[0];
    expect(prefix.extensions.suggestions).toEqual(["tag"]);
    expect(prefix.extensions.valid).toEqual(["tag:<key>", "tag_value:<key>", "segment:<key>"]);
    const unsupported = await csv("metrics=gmv&from=2026-03-01&to=2026-03-04&by=brand");
    expect(((await unsupported.json()) as any).errors[0].message).toContain("supports: channel");
  });
});
