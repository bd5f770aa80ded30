import "reflect-metadata";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { rfmScores, rfmSegmentOf } from "../../src/semantic/rfm";
import { compileSql } from "../../src/semantic/sql";
import { describeEachDatabase } from "../helpers/db";

const AS_OF = sql`'2026-03-01T00:00:00Z'::timestamptz`;

describe("rfmScores compiles", () => {
  it("ranks with percent_rank over counted orders in (asOf − L, asOf]", () => {
    const { sql: text, params } = compileSql(rfmScores(AS_OF, 365));
    expect(text).toContain(
      "least(5, 1 + floor(5 * percent_rank() over (order by recency_days desc)))::int as r",
    );
    expect(text).toContain("percent_rank() over (order by frequency)");
    expect(text).toContain("percent_rank() over (order by monetary)");
    expect(text).toMatch(/o\.placed_at > .* - make_interval\(days => \$\d+::int\) and o\.placed_at <= /);
    expect(text).toContain("where o.counted");
    expect(params).toContain(365);
  });

  it("names segments from the S7 table", () => {
    expect(rfmSegmentOf(1, 1)).toBe("hibernating");
    expect(rfmSegmentOf(2, 5)).toBe("cannot_lose_them");
    expect(rfmSegmentOf(3, 3)).toBe("need_attention");
    expect(rfmSegmentOf(4, 1)).toBe("promising");
    expect(rfmSegmentOf(5, 1)).toBe("new_customers");
    expect(rfmSegmentOf(5, 4)).toBe("champions");
  });
});

describeEachDatabase("rfmScores", (db) => {
  beforeAll(async () => {
    await db().query(sql`
      insert into users (id, merged_into) overriding system value values
        (1, null), (2, null), (3, null), (4, null), (5, null), (6, null), (7, 1)`);
    await db().query(
      sql`insert into user_merges (loser_id, survivor_id, merged_into_at_time) values (7, 1, 1)`,
    );
    await db().query(sql`
      insert into orders (order_id, user_id, placed_at, status, total_amount, counted) values
        ('o1a', 1, '2026-02-28T12:00:00Z', 'paid', 100, true),
        ('o1b', 1, '2026-01-10T00:00:00Z', 'completed', 50, true),
        ('o7', 7, '2026-02-01T00:00:00Z', 'paid', 10, true),
        ('o2', 2, '2026-02-20T00:00:00Z', 'paid', 30, true),
        ('o3a', 3, '2025-06-01T00:00:00Z', 'paid', 500, true),
        ('o3b', 3, '2025-07-01T00:00:00Z', 'refunded', 200, true),
        ('o3c', 3, '2025-08-01T00:00:00Z', 'shipped', 100, true),
        ('o4', 4, '2026-02-20T00:00:00Z', 'paid', 30, true),
        ('o4x', 4, '2026-02-25T00:00:00Z', 'cancelled', 999, false),
        ('o5old', 5, '2025-02-01T00:00:00Z', 'paid', 1000, true),
        ('o5', 5, '2026-01-01T00:00:00Z', 'paid', 20, true),
        ('o6edge', 6, '2025-03-01T00:00:00Z', 'paid', 40, true),
        ('o6late', 6, '2026-03-02T00:00:00Z', 'paid', 40, true)`);
  });

  it("scores a small fixture as worked out by hand", async () => {
    const rows = await db().query(sql`
      select user_id, recency_days, frequency, monetary::float8 as monetary, r, f, m, segment
      from ${rfmScores(AS_OF, 365)} s order by user_id`);
    // Window (2025-03-01, 2026-03-01]: user 6 has no order inside (boundary open, later order after asOf).
    // User 7 is merged into 1, so 1 has 3 orders (100 + 50 + 10), last 12 h before asOf → recency 0.
    // User 3: last order 2025-08-01 → 31+30+31+30+31+31+28 = 212 days. User 5: 2025-02-01 is outside → 1 order of 20.
    // n = 5, percent_rank = (rank − 1) / 4.
    // R (recency desc): 3 (212) → 0 → 1; 5 (59) → .25 → 2; 2, 4 (9) → .5 → 3; 1 (0) → 1 → least(5, 6) = 5.
    // F (asc): 2, 4, 5 (1 order) → 0 → 1; 1, 3 (3 orders) rank 4 → .75 → 4.
    // M (asc): 5 (20) → 1; 2, 4 (30) → .25 → 2; 1 (160) rank 4 → .75 → 4; 3 (800) → 1 → 5.
    expect(rows).toEqual([
      { user_id: 1, recency_days: 0, frequency: 3, monetary: 160, r: 5, f: 4, m: 4, segment: "champions" },
      {
        user_id: 2,
        recency_days: 9,
        frequency: 1,
        monetary: 30,
        r: 3,
        f: 1,
        m: 2,
        segment: "about_to_sleep",
      },
      { user_id: 3, recency_days: 212, frequency: 3, monetary: 800, r: 1, f: 4, m: 5, segment: "at_risk" },
      {
        user_id: 4,
        recency_days: 9,
        frequency: 1,
        monetary: 30,
        r: 3,
        f: 1,
        m: 2,
        segment: "about_to_sleep",
      },
      { user_id: 5, recency_days: 59, frequency: 1, monetary: 20, r: 2, f: 1, m: 1, segment: "hibernating" },
    ]);
  });
});
