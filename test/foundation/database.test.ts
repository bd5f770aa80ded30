import { sql } from "drizzle-orm";
import { expect, inject, it } from "vitest";
import { connect, migrate } from "../../src/db/client";
import { describeEachDatabase } from "../helpers/db";

describeEachDatabase("database runner", (db) => {
  it("returns one row shape on both drivers", async () => {
    const [row] = await db().query(sql`
      select 9007199254740::int8 as big, 12.30::numeric(14,2) as money, '2026-01-01T00:00:00Z'::timestamptz as at,
        '{"a":[1]}'::jsonb as doc, ${"上海"}::text as city`);
    expect(row).toEqual({
      big: 9007199254740,
      money: "12.30",
      at: new Date("2026-01-01T00:00:00Z"),
      doc: { a: [1] },
      city: "上海",
    });
  });

  it("rolls a failed transaction back", async () => {
    await expect(
      db().transaction(async (tx) => {
        await tx.query(sql`insert into products (id, name) values ('rollback-me', 'x')`);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db().query(sql`select id from products where id = 'rollback-me'`)).toEqual([]);
  });

  it("runs migrations twice without change", async () => {
    await migrate(db());
    const tables = await db().query<{ name: string }>(sql`
      select table_name as name from information_schema.tables where table_schema = 'public' order by 1`);
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        "audit_log",
        "events",
        "experiment_versions",
        "experiments",
        "identities",
        "order_items",
        "orders",
        "products",
        "user_merges",
        "users",
      ]),
    );
  });
});

it.runIf(inject("postgresUrl"))("turns a statement timeout into LIMIT_EXCEEDED (PostgreSQL)", async () => {
  const db = await connect({ databaseUrl: inject("postgresUrl")!, statementTimeoutMs: 100 });
  try {
    await expect(db.analyticalQuery(sql`select pg_sleep(2)`)).rejects.toMatchObject({
      code: "LIMIT_EXCEEDED",
    });
  } finally {
    await db.close();
  }
});
