import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { CDNOW_MASTER, loadCdnow } from "../helpers/cdnow";
import { describeEachDatabase } from "../helpers/db";

/** Straight from the raw file: records, distinct customers and the sum of dollar values in cents. */
function rawCdnowTotals() {
  const customers = new Set<string>();
  let records = 0;
  let cents = 0;
  for (const line of readFileSync(CDNOW_MASTER, "utf8").split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 4 || !/^\d+$/.test(fields[0])) continue;
    records++;
    customers.add(fields[0]);
    cents += Math.round(Number(fields[3]) * 100);
  }
  return { records, customers: customers.size, total: cents / 100 };
}

/**
 * The load's hook time: on the Citus cluster of `npm run test:citus` every batch's statements go
 * from the coordinator to 32 shards per table, and the load took 139 s with the machine otherwise
 * idle (about 25 s on one server), more beside the other suites.
 */
const LOAD_TIMEOUT_MS = process.env.STRATUM_TEST_CITUS === "1" ? 600_000 : 120_000;

describeEachDatabase("CDNOW orders load", (db) => {
  const raw = rawCdnowTotals();
  let first: Awaited<ReturnType<typeof loadCdnow>>;
  beforeAll(async () => {
    first = await loadCdnow(db());
  }, LOAD_TIMEOUT_MS);

  it("matches the raw file's orders, customers and total", async () => {
    expect(raw).toEqual({ records: 69_659, customers: 23_570, total: 2_500_315.63 });
    expect(first).toMatchObject({
      records: raw.records,
      accepted: raw.records,
      rejected: 0,
      rejectsFile: null,
    });
    const [stored] = await db().query<{ orders: number; users: number; total: string; paid: number }>(sql`
      select o.*, e.paid from (select count(*)::int as orders, count(distinct user_id)::int as users,
          sum(total_amount)::text as total from orders where counted and status = 'completed') o,
        (select count(*)::int as paid from events where name = 'order_paid') e`);
    expect(stored).toEqual({
      orders: raw.records,
      users: raw.customers,
      total: raw.total.toFixed(2),
      paid: raw.records,
    });
    const [profiles] = await db().query<{ n: number }>(sql`select count(*)::int as n from users`);
    expect(profiles.n).toBe(raw.customers);
  });

  it("changes nothing when loaded again", async () => {
    const snapshot = () =>
      db().query(sql`select (select count(*)::int from orders) as orders, (select count(*)::int from users) as users,
        (select count(*)::int from events) as events, (select count(*)::int from identities) as identities,
        (select max(updated_at) from orders) as updated, (select sum(total_amount)::text from orders) as total`);
    const before = await snapshot();
    const again = await loadCdnow(db());
    expect(again).toMatchObject({ accepted: 0, updated: 0, duplicates: raw.records, rejected: 0 });
    expect(await snapshot()).toEqual(before);
  });
});
