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
