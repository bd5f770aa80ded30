import { type SQL, sql } from "drizzle-orm";
import { badInput } from "../../errors";
import { DIMENSIONS_BY_KEY, dimensionReads } from "../../metrics/dimensions";
import { segmentRestriction } from "../../semantic/membership";

/** What every analysis accepts besides its own fields. */
export interface AnalysisScope {
  /** IANA time zone of dates, buckets and periods. */
  timezone: string;
  /** Restrict to the current members of this segment. */
  segment?: string | null;
}

/** Equality filters on event properties (`{"category": "beauty"}`). */
export type PropertyFilter = Record<string, string | number | boolean | null>;

/** An event name and its property filter, as funnel steps, retention and lifecycle take them. */
export interface EventMatcher {
  event: string;
  where?: PropertyFilter | null;
}

const EVENT_NAME = /^[a-z][a-z0-9_]{0,127}$/;
/**
 * An event property name. A leading `$` is allowed for the PostHog / Mixpanel style
 * (`$browser`, `$current_url`); names only ever reach SQL as bound parameters (`->> $n`,
 * `@> $n::jsonb`), so this pattern is about clear errors, not about quoting.
 */
const KEY = /^\$?[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export function assertEventName(name: unknown, field: string): string {
  if (typeof name !== "string" || !EVENT_NAME.test(name)) {
    throw badInput(`${field} must be a snake_case event name`, { argument: field });
  }
  return name;
}

/** Validates a `where` object: flat, property names as keys, scalar values. */
export function assertPropertyFilter(where: unknown, field: string): PropertyFilter | null {
  if (where === undefined || where === null) return null;
  if (typeof where !== "object" || Array.isArray(where)) {
    throw badInput(`${field} must be an object of property equalities`, { argument: field });
  }
  for (const [key, value] of Object.entries(where)) {
    if (!KEY.test(key)) throw badInput(`${field} has an invalid property name "${key}"`, { argument: field });
    if (value !== null && !["string", "number", "boolean"].includes(typeof value)) {
      throw badInput(`${field}.${key} must be a string, number, boolean or null`, {
        argument: `${field}.${key}`,
      });
    }
  }
  return where as PropertyFilter;
}

export function assertInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw badInput(`${field} must be an integer from ${min} to ${max}`, { argument: field });
  }
  return value;
}

/** Whether event row `alias` matches: its name and (JSON containment) its property equalities. */
export function eventMatches(alias: string, matcher: EventMatcher): SQL {
  const row = sql.raw(alias);
  const name = sql`${row}.name = ${matcher.event}`;
  if (!matcher.where || Object.keys(matcher.where).length === 0) return sql`(${name})`;
  return sql`(${name} and ${row}.properties @> ${JSON.stringify(matcher.where)}::jsonb)`;
}

/** `true`, or the restriction of `userIdColumn` to the segment's current members. */
export function segmentFilter(scope: AnalysisScope, userIdColumn: SQL): SQL {
  return scope.segment ? segmentRestriction(scope.segment, userIdColumn) : sql`true`;
}

/**
 * A breakdown: an event dimension is read from the fact row (alias `f`), a user
 * dimension from the profile (alias `u`). Keys are the metric catalog's dimensions
 * (channel, platform, utm_source, utm_campaign, category, product, city, region, gender,
 * age_band, signup_channel) or `event.<property>` for any event property.
 */
export interface Breakdown {
  kind: "EVENT" | "USER";
  expression: SQL;
}

/** The trait and event property keys a breakdown reads (for PII checks); nothing for unknown keys. */
export function breakdownReads(key: string): { traits: string[]; eventProperties: string[] } {
  if (key.startsWith("event.")) return { traits: [], eventProperties: [key.slice("event.".length)] };
  const dimension = DIMENSIONS_BY_KEY.get(key);
  return dimension ? dimensionReads(dimension) : { traits: [], eventProperties: [] };
}

export function resolveBreakdown(key: string, field: string): Breakdown {
  if (key.startsWith("event.")) {
    const property = key.slice("event.".length);
    if (!KEY.test(property))
      throw badInput(`${field}: invalid event property "${property}"`, { argument: field });
    return { kind: "EVENT", expression: sql`(f.properties ->> ${property})` };
  }
  const dimension = DIMENSIONS_BY_KEY.get(key);
  if (dimension?.source.kind === "FACT" && dimension.source.expressions.events) {
    return { kind: "EVENT", expression: dimension.source.expressions.events };
  }
  if (dimension?.source.kind === "USER") return { kind: "USER", expression: dimension.source.expression };
  const supported = [...DIMENSIONS_BY_KEY.values()]
    .filter((d) => d.source.kind === "USER" || (d.source.kind === "FACT" && d.source.expressions.events))
    .map((d) => d.key);
  throw badInput(
    `${field} "${key}" is not a breakdown; use one of ${supported.join(", ")} or event.<property>`,
    {
      argument: field,
      supported,
    },
  );
}
