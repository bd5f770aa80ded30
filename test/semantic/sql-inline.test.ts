import "reflect-metadata";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { compileFunnel } from "../../src/analytics/compile/funnel";
import { MetricsService } from "../../src/metrics-service/service";
import { RuleService } from "../../src/rules/service";
import { explainSql, inlineParams, sqlLiteral } from "../../src/semantic/sql";
import { insertEvents, insertUsers } from "../analytics/fixtures";
import { describeEachDatabase } from "../helpers/db";
import { loadMetricFixture } from "../metrics/fixture";

describe("inlineParams", () => {
  it("writes each kind of value as a quoted SQL literal", () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral("back\\slash")).toBe("'back\\slash'");
    expect(sqlLiteral("")).toBe("''");
    expect(sqlLiteral(42)).toBe("42");
    expect(sqlLiteral(1.5)).toBe("1.5");
    expect(sqlLiteral(-3)).toBe("(-3)");
    expect(sqlLiteral(12345678901234567890n)).toBe("12345678901234567890");
    expect(sqlLiteral(Number.NaN)).toBe("'NaN'::float8");
    expect(sqlLiteral(Number.NEGATIVE_INFINITY)).toBe("'-Infinity'::float8");
    expect(sqlLiteral(true)).toBe("true");
    expect(sqlLiteral(false)).toBe("false");
    expect(sqlLiteral(null)).toBe("null");
    expect(sqlLiteral(undefined)).toBe("null");
    expect(sqlLiteral(new Date("2026-01-02T03:04:05Z"))).toBe("'2026-01-02T03:04:05.000Z'::timestamptz");
    expect(sqlLiteral(["a", "b'c", null])).toBe("ARRAY['a', 'b''c', null]::text[]");
    expect(sqlLiteral([1, 2])).toBe("ARRAY[1, 2]::int8[]");
    expect(sqlLiteral([1.5, -2])).toBe("ARRAY[1.5, (-2)]::float8[]");
    expect(sqlLiteral([true])).toBe("ARRAY[true]::boolean[]");
    expect(sqlLiteral([new Date("2026-01-02T00:00:00Z")])).toBe(
      "ARRAY['2026-01-02T00:00:00.000Z'::timestamptz]::timestamptz[]",
    );
    expect(sqlLiteral([])).toBe("'{}'");
    expect(sqlLiteral({ category: "it's" })).toBe(`'{"category":"it''s"}'`);
    expect(sqlLiteral(new Uint8Array([1, 255]))).toBe("'\\x01ff'::bytea");
    expect(() => sqlLiteral([1, "a"])).toThrow(/mixing/);
    expect(() => sqlLiteral(new Date("nope"))).toThrow(RangeError);
  });

  it("replaces placeholders only outside literals, quoted identifiers, dollar quotes and comments", () => {
    const text =
      "select $1, '$1 it''s', E'\\' $1', \"$1\"\"x\", $$ $1 $$, $tag$ $2 $tag$, a$1 -- $1\n, /* $1 /* $2 */ $1 */ $2";
    expect(inlineParams(text, ["a'b", 5])).toBe(
      "select 'a''b', '$1 it''s', E'\\' $1', \"$1\"\"x\", $$ $1 $$, $tag$ $2 $tag$, a$1 -- $1\n, /* $1 /* $2 */ $1 */ 5",
    );
    // `- $1` with a negative value must not become the comment `--3`.
    expect(inlineParams("select 10 - $1", [-3])).toBe("select 10 - (-3)");
    // $10 is the tenth parameter, not $1 followed by 0.
    const ten = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(inlineParams("select $10, $1", ten)).toBe("select 10, 1");
    // The regex literal of rules ends in `$'`: no placeholder there.
    expect(inlineParams("select x ~ '^\\s*-?[0-9]+$' and y = $1", ["z"])).toBe(
      "select x ~ '^\\s*-?[0-9]+$' and y = 'z'",
    );
    expect(() => inlineParams("select $2", ["only one"])).toThrow(/\$2 has no parameter/);
  });
});

describeEachDatabase("inlined SQL returns the rows of the parameterised statement", (db) => {
  beforeAll(async () => {
    await loadMetricFixture(db());
    await insertUsers(db(), [[901], [902]]);
    await insertEvents(db(), [
      [9001, 901, "z_view", "2026-01-02T10:00:00Z", { $browser: "it's \\ Chrome" }],
      [9002, 901, "z_cart", "2026-01-02T10:01:00Z"],
      [9003, 902, "z_view", "2026-01-02T10:00:00Z", { $browser: "Safari" }],
      [9004, 902, "z_coupon", "2026-01-02T10:00:30Z"],
      [9005, 902, "z_cart", "2026-01-02T10:02:00Z"],
    ]);
  });

  const sameRows = async (statement: ReturnType<typeof sql>) => {
    const parameterised = await db().query(statement);
    const { sqlInlined } = explainSql(statement);
    const inlined = await db().query(sql.raw(sqlInlined));
    expect(inlined).toEqual(parameterised);
    return parameterised;
  };

  it("for values of every kind, quotes included", async () => {
    const rows = await sameRows(
      sql`select ${"it's \\ $1"}::text as s, 10 - ${-3} as minus, ${1.5}::float8 as f, ${true}::boolean as b,
        ${null}::int as n, ${"2026-01-02T03:04:05Z"}::timestamptz as d, ${"{a,b}"}::text[] as a,
        ${JSON.stringify({ k: "it's" })}::jsonb as j`,
    );
    expect(rows).toEqual([
      {
        s: "it's \\ $1",
        minus: 13,
        f: 1.5,
        b: true,
        n: null,
        d: new Date("2026-01-02T03:04:05Z"),
        a: ["a", "b"],
        j: { k: "it's" },
      },
    ]);
  });

  it("for a funnel with an exclusion, a $-property filter and a breakdown", async () => {
    const { statement } = compileFunnel({
      steps: [{ event: "z_view" }, { event: "z_cart" }],
      exclusions: [{ event: "z_coupon", fromStep: 0, toStep: 1 }],
      breakdown: "event.$browser",
      timeRange: { from: "2026-01-01", to: "2026-02-01" },
      timezone: "Asia/Shanghai",
    });
    expect(explainSql(statement).sqlInlined).not.toMatch(/\$\d/);
    const rows = await sameRows(statement);
    // u902 is dropped (coupon between view and cart); u901 converts with its odd browser name.
    expect(rows.map((row) => [row.breakdown, row.c0, row.c1])).toEqual([
      [null, 1, 1],
      ["it's \\ Chrome", 1, 1],
    ]);
  });

  it("for a metric query and a rule", async () => {
    const metrics = new MetricsService(db());
    const { compiled } = metrics.explain({
      metrics: ["gmv", "orders"],
      dimensions: [{ key: "channel" }],
      grain: "DAY",
      timezone: "Asia/Shanghai",
      range: { from: "2026-03-01", to: "2026-03-03" },
    });
    // D1 and D2, each for app and web (the fixture's channels).
    expect(await sameRows(compiled.statement)).toHaveLength(4);
    const rules = new RuleService(db());
    const preview = await rules.preview('count(event("z_view", $browser = "Safari")) >= 1');
    expect(preview.matchingUsers).toBe(1);
    const [{ count }] = await db().query<{ count: number }>(sql.raw(preview.sqlInlined as string));
    expect(count).toBe(1);
  });
});
