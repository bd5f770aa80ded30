import "reflect-metadata";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connect, type Database, migrate } from "../../src/db/client";
import { Semaphore } from "../../src/db/concurrency";
import { IngestService } from "../../src/ingest/service";
import { type GqlResponse, startTestApi, type TestApi } from "../helpers/graphql";

const POOL_SIZE = 4;
const ALIASES = 20;
const metricsFields = Array.from(
  { length: ALIASES },
  (_, i) =>
    `m${i}: metrics(timeRange: { from: "2026-03-01", to: "2026-03-03" }, grain: DAY, timezone: "UTC") { rows { time orders } }`,
).join("\n");

/**
 * PostgreSQL with real parallel connections. A test transaction holds an exclusive lock on
 * `orders`, so every analytical statement that reaches the database waits on it and shows in
 * `pg_stat_activity` as waiting on a lock: the number of such backends is the number of
 * analytical statements running at once.
 */
describe.runIf(inject("postgresUrl") !== null)("analytical statements share the pool [postgres]", () => {
  const name = `stratum_test_pool_${randomBytes(5).toString("hex")}`;
  let admin: postgres.Sql;
  let observer: postgres.Sql;
  let db: Database;
  let api: TestApi;
  beforeAll(async () => {
    admin = postgres(inject("postgresUrl")!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(inject("postgresUrl")!);
    url.pathname = `/${name}`;
    db = await connect({ databaseUrl: url.toString(), maxConnections: POOL_SIZE });
    await migrate(db);
    await new IngestService(db).recordOrders([
      { orderId: "o-1", userId: "buyer", placedAt: "2026-03-01T08:00:00Z", totalAmount: 50, status: "PAID" },
    ] as never);
    observer = postgres(url.toString(), { max: 2, onnotice: () => {} });
    // Twenty analytical fields cost more than the default complexity allows: raise it, so the
    // concurrency cap is what is tested.
    api = await startTestApi(db, { STRATUM_MAX_COMPLEXITY: "20000" });
  });
  afterAll(async () => {
    await api?.close();
    await db?.close();
    await observer?.end({ timeout: 1 });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 1 });
  });

  const waitingStatements = async (): Promise<number> => {
    const [{ n }] = await observer<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'stratum' and wait_event_type = 'Lock'`;
    return n;
  };

  /** Waits until `expected` statements wait on the lock, then checks for a while that no more join. */
  const mostConcurrent = async (expected: number): Promise<number> => {
    let most = 0;
    for (let i = 0; i < 100 && most < expected; i++) {
      most = Math.max(most, await waitingStatements());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let i = 0; i < 15; i++) {
      most = Math.max(most, await waitingStatements());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return most;
  };

  /** Holds an exclusive lock on `orders` while `during` runs. */
  const withOrdersLocked = async (during: (release: () => void) => Promise<void>): Promise<void> => {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = observer.begin(async (tx) => {
      await tx`lock table orders in access exclusive mode`;
      locked();
      await released;
    });
    await isLocked;
    try {
      await during(release);
    } finally {
      release();
      await holder;
    }
  };

  const expectAnswers = (response: GqlResponse<any>) => {
    expect(response.errors).toBeUndefined();
    expect(Object.keys(response.data)).toHaveLength(ALIASES);
    for (const field of Object.values(response.data) as any[]) {
      expect(field.rows).toEqual([
        { time: "2026-03-01T00:00:00+00:00", orders: 1 },
        { time: "2026-03-02T00:00:00+00:00", orders: 0 },
      ]);
    }
  };

  it("runs the aliased analytical fields of one request at most 2 at a time, and answers them all", async () => {
    let request: ReturnType<TestApi["gql"]> | undefined;
    await withOrdersLocked(async () => {
      request = api.gql(`{ ${metricsFields} }`);
      // Without a per-request cap all 4 pooled connections would wait on the lock.
      expect(await mostConcurrent(2)).toBe(2);
    });
    expectAnswers(await (request as ReturnType<TestApi["gql"]>));
  });

  it("leaves one connection for other work however many requests run analytical statements", async () => {
    const requests: Array<ReturnType<TestApi["gql"]>> = [];
    await withOrdersLocked(async () => {
      // Two requests want 2 + 2 statements; the pool of 4 lends analytical work only 3.
      requests.push(api.gql(`{ ${metricsFields} }`), api.gql(`{ ${metricsFields} }`));
      expect(await mostConcurrent(3)).toBe(3);
      // A key lookup and a plain read still get the spare connection while the lock holds.
      const started = Date.now();
      const users = await api.gql(`{ users { totalCount } }`);
      expect(users.data.users.totalCount).toBe(1);
      expect(Date.now() - started).toBeLessThan(2000);
    });
    for (const response of await Promise.all(requests)) expectAnswers(response);
  });
});

describe("semaphore", () => {
  it("runs at most its permits at once and hands a freed permit to the longest waiter", async () => {
    const slots = new Semaphore(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const task = (id: number, ms: number) =>
      slots.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, ms));
        order.push(id);
        running--;
        return id;
      });
    // 0 and 1 start; 2 waits first, so it starts when 0 (5 ms) ends, before 3.
    const results = await Promise.all([task(0, 5), task(1, 40), task(2, 5), task(3, 5)]);
    expect(results).toEqual([0, 1, 2, 3]);
    expect(most).toBe(2);
    expect(order).toEqual([0, 2, 3, 1]);
  });

  it("releases the permit of a task that fails", async () => {
    const slots = new Semaphore(1);
    await expect(slots.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await slots.run(async () => "next")).toBe("next");
  });
});
