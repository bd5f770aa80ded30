import { sql } from "drizzle-orm";
import type { PiiPolicy } from "../access/pii";
import type { Database } from "../db/client";
import { referencedKeys } from "./checker";
import { parseRuleInput } from "./service";

/**
 * Active VALUE tags whose rule reads a PII trait or event property: their values are PII,
 * so they are masked, and filtering or grouping by them needs `read_pii`. Decided from
 * the stored rule under the current policy, so a changed declaration applies at once.
 */
export async function piiValueTags(db: Database, policy: PiiPolicy): Promise<Set<string>> {
  const rows = await db.query<{ key: string; rule: string }>(sql`
    select key, rule from tags where kind = 'VALUE' and status = 'ACTIVE' and rule is not null`);
  const keys = new Set<string>();
  for (const row of rows) {
    const read = referencedKeys(parseRuleInput(row.rule).expr);
    if (
      read.traits.some((key) => policy.isPiiTrait(key)) ||
      read.eventProperties.some((key) => policy.isPiiEventProperty(key))
    )
      keys.add(row.key);
  }
  return keys;
}
