import { describe, expect, it } from "vitest";
import { encodeCursor, isNumberKey, pageWindow, toPage } from "../../src/pagination";
import { keysetPage } from "../../src/semantic/keyset";
import { compileSql, sql } from "../../src/semantic/sql";

const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ({ id: from + i }));

describe("page windows", () => {
  it("reads forward with first/after and backward with last/before", () => {
    expect(pageWindow({}, isNumberKey)).toEqual({ size: 50, backward: false });
    expect(pageWindow({ first: 2, after: encodeCursor(7) }, isNumberKey)).toEqual({
      size: 2,
      backward: false,
      cursor: 7,
    });
    expect(pageWindow({ last: 3, before: encodeCursor(9) }, isNumberKey)).toEqual({
      size: 3,
      backward: true,
      cursor: 9,
    });
    expect(pageWindow({ last: 3 }, isNumberKey)).toEqual({ size: 3, backward: true });
  });

  it("refuses mixed directions, bad sizes and forged cursors, naming the argument", () => {
    const refusal = (request: Parameters<typeof pageWindow>[0]) => {
      try {
        pageWindow(request, isNumberKey);
      } catch (error) {
        return [(error as any).code, (error as any).details.argument];
      }
      return undefined;
    };
    expect(refusal({ first: 1, before: encodeCursor(1) })).toEqual(["BAD_USER_INPUT", "first"]);
    expect(refusal({ after: encodeCursor(1), last: 1 })).toEqual(["BAD_USER_INPUT", "after"]);
    expect(refusal({ last: -1 })).toEqual(["BAD_USER_INPUT", "last"]);
    expect(refusal({ last: 1001 })).toEqual(["LIMIT_EXCEEDED", "last"]);
    expect(refusal({ before: "%%%" })).toEqual(["BAD_USER_INPUT", "before"]);
    expect(refusal({ before: encodeCursor("seven") })).toEqual(["BAD_USER_INPUT", "before"]);
  });
});

describe("pages", () => {
  const key = (row: { id: number }) => row.id;

  it("forward: the extra row means a next page; a cursor means a previous one", () => {
    const page = toPage(ids(3, 4), { size: 2, backward: false, cursor: 3 }, key);
    expect(page.nodes).toEqual([{ id: 4 }, { id: 5 }]);
    expect(page).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: true,
      startCursor: encodeCursor(4),
      endCursor: encodeCursor(5),
    });
  });

  it("backward: rows read in reverse come back in list order", () => {
    // Rows before cursor 6 read descending: 5, 4, 3 (the third tells there are more).
    const page = toPage([{ id: 5 }, { id: 4 }, { id: 3 }], { size: 2, backward: true, cursor: 6 }, key);
    expect(page.nodes).toEqual([{ id: 4 }, { id: 5 }]);
    expect(page).toMatchObject({ hasPreviousPage: true, hasNextPage: true, startCursor: encodeCursor(4) });
    const start = toPage([{ id: 2 }, { id: 1 }], { size: 2, backward: true }, key);
    expect(start).toMatchObject({ hasPreviousPage: false, hasNextPage: false });
    expect(toPage([], { size: 2, backward: true }, key)).toMatchObject({
      startCursor: null,
      endCursor: null,
    });
  });
});

describe("keyset SQL", () => {
  const newestFirst = {
    direction: "desc" as const,
    columns: [sql`e.ts`, sql`e.id`],
    values: ([ts, id]: [string, number]) => [sql`${ts}::timestamptz`, sql`${id}::bigint`],
  };
  const text = (window: Parameters<typeof keysetPage<[string, number]>>[0]) => {
    const page = keysetPage(window, newestFirst);
    return { where: compileSql(page.past), orderBy: compileSql(page.orderBy).sql, limit: page.limit };
  };

  it("reads a descending list forward below the cursor, newest first", () => {
    expect(text({ size: 10, backward: false, cursor: ["2026-01-02T00:00:00.000Z", 7] })).toEqual({
      where: { sql: "(e.ts, e.id) < ($1::timestamptz, $2::bigint)", params: ["2026-01-02T00:00:00.000Z", 7] },
      orderBy: "e.ts desc, e.id desc",
      limit: 11,
    });
  });

  it("reads it backward above the cursor, oldest first, and without a cursor from the end", () => {
    expect(text({ size: 5, backward: true, cursor: ["2026-01-02T00:00:00.000Z", 7] })).toMatchObject({
      where: { sql: "(e.ts, e.id) > ($1::timestamptz, $2::bigint)" },
      orderBy: "e.ts asc, e.id asc",
      limit: 6,
    });
    expect(text({ size: 5, backward: true })).toMatchObject({ where: { sql: "true", params: [] } });
  });
});
