import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database } from "../../src/db/client";
import type { IdentityInput } from "../../src/ingest/contract";
import { IngestService } from "../../src/ingest/service";
import { UserService } from "../../src/users/service";
import { createTestDatabase } from "../helpers/db";

const CALLS = 20;
const ROUNDS = 8;

/**
 * Twenty identify calls in parallel on PostgreSQL (a pool of 20 connections, so they really
 * interleave), half linking phone A with email B and half email B with wechat C. A, B and C
 * start on three stored profiles (created in a rotating order, so a different one is the
 * oldest each round) or are all new. Whatever the interleaving: every call succeeds, one
 * profile survives holding A, B and C, every merged-away profile (and every id a call
 * answered) resolves to it directly, and no identity or merge names a merged-away profile.
 */
describe.runIf(inject("postgresUrl") !== null)(
  "concurrent identify calls linking A–B and B–C [postgres]",
  () => {
    let handle: Awaited<ReturnType<typeof createTestDatabase>>;
    const db = (): Database => handle.db;
    beforeAll(async () => {
      handle = await createTestDatabase("postgres", { maxConnections: CALLS });
    });
    afterAll(async () => {
      await handle?.drop();
    });

    it("end with one surviving profile holding every identity, whatever the interleaving", async () => {
      const ingest = new IngestService(db());
      const users = new UserService(db());
      for (let round = 0; round < ROUNDS; round++) {
        const a: IdentityInput = { type: "phone", value: `+86-139-0000-${1000 + round}` };
        const b: IdentityInput = { type: "email", value: `race-${round}@example.com` };
        const c: IdentityInput = { type: "wechat_unionid", value: `wx-race-${round}` };
        const stored: number[] = [];
        if (round % 2 === 0) {
          const rotation = round / 2;
          const order = [a, b, c].map((_, i, all) => all[(i + rotation) % 3]);
          for (const identity of order) stored.push(await ingest.identify({ identities: [identity] }));
          expect(new Set(stored).size).toBe(3);
        }

        const settled = await Promise.allSettled(
          Array.from({ length: CALLS }, (_, i) =>
            ingest.identify({ identities: i % 2 === 0 ? [a, b] : [b, c] }),
          ),
        );
        const failures = settled.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : []));
        expect(failures, `round ${round}`).toEqual([]);
        const answered = settled.map((s) => (s as PromiseFulfilledResult<number>).value);

        const owners = await db().query<{ userId: number; mergedInto: number | null }>(sql`
        select i.user_id as "userId", u.merged_into as "mergedInto"
        from identities i join users u on u.id = i.user_id
        where (i.type, i.value) in ((${a.type}, ${a.value}), (${b.type}, ${b.value}), (${c.type}, ${c.value}))`);
        expect(owners, `round ${round}: A, B and C are linked`).toHaveLength(3);
        const survivor = owners[0].userId;
        expect(owners, `round ${round}: one profile holds A, B and C`).toEqual([
          { userId: survivor, mergedInto: null },
          { userId: survivor, mergedInto: null },
          { userId: survivor, mergedInto: null },
        ]);

        // Every profile of the round: the stored ones, the answers, and whatever merged into them.
        const involved = [...new Set([...stored, ...answered])];
        const merges = await db().query<{
          loserId: number;
          survivorId: number;
          mergedInto: number | null;
        }>(sql`
        select m.loser_id as "loserId", m.survivor_id as "survivorId", u.merged_into as "mergedInto"
        from user_merges m join users u on u.id = m.loser_id
        where m.loser_id = any(${`{${involved.join(",")}}`}::bigint[]) or m.survivor_id = ${survivor}
        order by m.loser_id`);
        const losers = [
          ...new Set([...involved.filter((id) => id !== survivor), ...merges.map((m) => m.loserId)]),
        ];
        // Each loser is merged exactly once, straight into the final survivor (chains re-pointed).
        expect(merges, `round ${round}: merge rows`).toEqual(
          losers
            .sort((x, y) => x - y)
            .map((loserId) => ({ loserId, survivorId: survivor, mergedInto: survivor })),
        );
        if (round % 2 === 0)
          expect(losers, `round ${round}: two stored profiles merged away`).toHaveLength(2);

        // The users lookup answers the final survivor for every id a call returned or that merged.
        const looked = await users.byIds([...involved, ...losers]);
        expect(
          looked.map((user) => user?.id),
          `round ${round}: survivor lookup`,
        ).toEqual([...involved, ...losers].map(() => survivor));
      }

      // Nothing anywhere points at a merged-away profile.
      const [dangling] = await db().query<{ identities: number; merges: number }>(sql`
      select
        (select count(*)::int from identities i join users u on u.id = i.user_id
          where u.merged_into is not null) as identities,
        (select count(*)::int from user_merges m join users u on u.id = m.survivor_id
          where u.merged_into is not null) as merges`);
      expect(dangling).toEqual({ identities: 0, merges: 0 });
    });
  },
);
