import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { columnsOf, selectListOf } from "../db/columns";
import { identities, users } from "../db/schema";
import { isNumberKey, type Page, type PageRequest, pageWindow, toPage } from "../pagination";
import { bigintArray } from "../semantic/arrays";
import { mergeSurvivor } from "../semantic/facts";
import { byUserId, keysetPage } from "../semantic/keyset";

/** The columns a profile is read with: all but the trait timestamps (merge bookkeeping). */
const USER_COLUMNS = columnsOf(users, ["traitsUpdatedAt"]);
export type UserRecord = Omit<typeof users.$inferSelect, "traitsUpdatedAt"> & Record<string, unknown>;

/** An identity as the API reads it: its owner, type and value. */
export type IdentityRecord = Pick<typeof identities.$inferSelect, "userId" | "type" | "value"> &
  Record<string, unknown>;

const userColumns = selectListOf(USER_COLUMNS, { alias: "u" });

/** Profiles: lookups by id and identity, listing, and the batched reads behind DataLoaders. */
export class UserService {
  constructor(private readonly db: Database) {}

  /** Active profiles (not merged away), in id order. */
  async list(request: PageRequest): Promise<Page<UserRecord>> {
    const window = pageWindow(request, isNumberKey);
    const page = keysetPage(window, byUserId(sql`u.id`));
    const [rows, [{ count }]] = await Promise.all([
      this.db.query<UserRecord>(sql`
        select ${userColumns} from users u
        where u.merged_into is null and ${page.past}
        order by ${page.orderBy} limit ${page.limit}`),
      this.db.query<{ count: number }>(
        sql`select count(*)::int as count from users where merged_into is null`,
      ),
    ]);
    return toPage(rows, window, (row) => row.id, count);
  }

  /** Profiles by id; a merged-away id answers with its survivor. Order follows `ids`. */
  async byIds(ids: readonly number[]): Promise<Array<UserRecord | null>> {
    const requested = mergeSurvivor(sql`r.requested`);
    const rows = await this.db.query<UserRecord & { requestedId: number } & Record<string, unknown>>(sql`
      select r.requested as "requestedId", ${userColumns}
      from unnest(${bigintArray(ids)}) as r(requested)
      ${requested.join}
      join users u on u.id = ${requested.id}`);
    const byId = new Map(rows.map((row) => [row.requestedId, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      if (!row) return null;
      const { requestedId: _, ...user } = row;
      return user;
    });
  }

  async byIdentity(type: string, value: string): Promise<UserRecord | null> {
    const [row] = await this.db.query<{ userId: number }>(
      sql`select user_id as "userId" from identities where type = ${type} and value = ${value}`,
    );
    if (!row) return null;
    const [user] = await this.byIds([row.userId]);
    return user;
  }

  /** Identities of several profiles in one statement. */
  async identitiesOf(userIds: readonly number[]): Promise<IdentityRecord[][]> {
    const rows = await this.db.query<IdentityRecord>(sql`
      select user_id as "userId", type, value from identities
      where user_id = any(${bigintArray(userIds)})
      order by type, value`);
    const byUser = new Map<number, IdentityRecord[]>();
    for (const row of rows) byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), row]);
    return userIds.map((id) => byUser.get(id) ?? []);
  }
}
