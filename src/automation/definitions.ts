import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { type DefinitionRecord, DefinitionService, definitionTable } from "../definitions/store";
import { badInput } from "../errors";
import { suggestNames } from "../suggestions";
import {
  type Actor,
  updatedNameAndDescription,
  validateKey,
  validateNewDefinition,
} from "../tags/definition";

export const CAP_PERIODS = ["DAY", "WEEK"] as const;
export type CapPeriod = (typeof CAP_PERIODS)[number];
export const SCHEDULE_PERIODS = ["DAY", "WEEK"] as const;
export type SchedulePeriod = (typeof SCHEDULE_PERIODS)[number];
/** A schedule's local time of day, 24-hour "HH:MM". */
const SCHEDULE_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
/** The trigger fields that name its source; a trigger has exactly one. */
const SOURCES = [
  "event",
  "segmentEntered",
  "segmentExited",
  "tagEntered",
  "tagExited",
  "scheduleEvery",
] as const;

const MAX_URL_LENGTH = 2000;
const MIN_SECRET_LENGTH = 16;
const MAX_SECRET_LENGTH = 512;
const MAX_HEADERS = 20;
const MAX_EVENT_NAME_LENGTH = 200;
/**
 * Headers Stratum sets itself on every delivery, and the hop-by-hop headers that frame the
 * request on its connection (a custom value would garble the body or the connection's reuse):
 * a destination cannot set them.
 */
const RESERVED_HEADERS = new Set([
  "content-type",
  "content-length",
  "host",
  "idempotency-key",
  "x-stratum-signature",
  "user-agent",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
]);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

export interface DestinationFields {
  url: string;
  headers: Record<string, string>;
  /** Deliveries per second sent at most, by all workers together; null: unlimited. */
  rateLimit: number | null;
  /** Payloads carry PII unmasked; false: masked as for a role without read_pii. */
  includePii: boolean;
}

/** A destination as stored; `secret` is for the worker only and never leaves the service layer. */
export interface DestinationRecord extends DefinitionRecord, DestinationFields {
  secret: string;
}

export interface CreateDestinationInput {
  key: string;
  name?: string | null;
  description?: string | null;
  url: string;
  secret: string;
  headers?: Record<string, unknown> | null;
  rateLimit?: number | null;
  includePii?: boolean | null;
}

export type UpdateDestinationInput = Partial<Omit<CreateDestinationInput, "key">>;

export interface FrequencyCap {
  count: number;
  per: CapPeriod;
}

export interface TriggerFields {
  destination: string;
  event: string | null;
  where: Record<string, unknown> | null;
  segmentEntered: string | null;
  segmentExited: string | null;
  tagEntered: string | null;
  tagExited: string | null;
  capCount: number | null;
  capPer: CapPeriod | null;
  /** A campaign key: every delivered delivery is written as that campaign's `campaign_sent` touch. */
  campaign: string | null;
  /** Quiet hours' first local hour (0–23); null: no quiet hours. */
  quietStart: number | null;
  /** The local hour quiet hours end at (exclusive); before `quietStart`: they wrap midnight. */
  quietEnd: number | null;
  /** Deliveries wait for the user's best send hour where their activity names one. */
  bestTime: boolean;
  /** A schedule source: runs every DAY or WEEK at `scheduleAt` in the shop's zone; null: none. */
  scheduleEvery: SchedulePeriod | null;
  scheduleAt: string | null;
  /** WEEK schedules: the ISO weekday, 1 = Monday … 7 = Sunday. */
  scheduleWeekday: number | null;
  /** A schedule's audience: a segment's members, or a tag's (neither: every active user). */
  scheduleSegment: string | null;
  scheduleTag: string | null;
}

/**
 * A schedule source: every day (or every week on `weekday`) at local `at` ("HH:MM", the shop's
 * zone), for the members of `segment` or `tag`, or for every active user.
 */
export interface TriggerSchedule {
  every: SchedulePeriod;
  at: string;
  weekday?: number | null;
  segment?: string | null;
  tag?: string | null;
}

/** Local hours [start, end) in which no delivery is due; wraps midnight when start > end. */
export interface QuietHours {
  start: number;
  end: number;
}

export interface TriggerRecord extends DefinitionRecord, TriggerFields {}

export interface CreateTriggerInput {
  key: string;
  name?: string | null;
  description?: string | null;
  destination: string;
  event?: string | null;
  where?: unknown;
  segmentEntered?: string | null;
  segmentExited?: string | null;
  tagEntered?: string | null;
  tagExited?: string | null;
  frequencyCap?: FrequencyCap | null;
  campaign?: string | null;
  quietHours?: QuietHours | null;
  bestTime?: boolean | null;
  schedule?: TriggerSchedule | null;
}

export type UpdateTriggerInput = Partial<Omit<CreateTriggerInput, "key">>;

/**
 * Destinations in the definition store, audited as `destination`. The secret is neither
 * versioned nor audited: history and audit log never hold it.
 */
const DESTINATION_TABLE = definitionTable("destination", "Destination", [
  { column: "url", field: "url", versioned: true },
  { column: "headers", field: "headers", versioned: true, cast: "jsonb" },
  { column: "rate_limit", field: "rateLimit", versioned: true },
  { column: "include_pii", field: "includePii", versioned: true },
  { column: "secret", field: "secret", versioned: false, unaudited: true },
]);

const TRIGGER_TABLE = definitionTable("trigger", "Trigger", [
  { column: "destination", field: "destination", versioned: true },
  { column: "event", field: "event", versioned: true },
  { column: "event_where", field: "where", versioned: true, cast: "jsonb" },
  { column: "segment_entered", field: "segmentEntered", versioned: true },
  { column: "segment_exited", field: "segmentExited", versioned: true },
  { column: "tag_entered", field: "tagEntered", versioned: true },
  { column: "tag_exited", field: "tagExited", versioned: true },
  { column: "cap_count", field: "capCount", versioned: true },
  { column: "cap_per", field: "capPer", versioned: true },
  { column: "campaign", field: "campaign", versioned: true },
  { column: "quiet_start", field: "quietStart", versioned: true },
  { column: "quiet_end", field: "quietEnd", versioned: true },
  { column: "best_time", field: "bestTime", versioned: true },
  { column: "schedule_every", field: "scheduleEvery", versioned: true },
  { column: "schedule_at", field: "scheduleAt", versioned: true },
  { column: "schedule_weekday", field: "scheduleWeekday", versioned: true },
  { column: "schedule_segment", field: "scheduleSegment", versioned: true },
  { column: "schedule_tag", field: "scheduleTag", versioned: true },
]);

/** A key's name defaults to the key: the API's fixed create inputs need only the key. */
function newDefinition(input: { key: unknown; name?: unknown; description?: unknown }) {
  return validateNewDefinition({ ...input, name: input.name ?? input.key });
}

export function validateDestinationFields(input: {
  url?: unknown;
  headers?: unknown;
  rateLimit?: unknown;
  includePii?: unknown;
}): DestinationFields {
  let url: URL | null = null;
  try {
    if (typeof input.url === "string" && input.url.length <= MAX_URL_LENGTH) url = new URL(input.url);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw badInput(`url must be an http(s) URL of at most ${MAX_URL_LENGTH} characters`, { argument: "url" });
  const headers = input.headers ?? {};
  if (typeof headers !== "object" || Array.isArray(headers))
    throw badInput("headers must be a JSON object of header names to strings", { argument: "headers" });
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > MAX_HEADERS)
    throw badInput(`headers holds at most ${MAX_HEADERS} headers`, { argument: "headers" });
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name) || typeof value !== "string" || /[\r\n]/.test(value))
      throw badInput(`headers: "${name}" must be a header name with a one-line string value`, {
        argument: "headers",
      });
    if (RESERVED_HEADERS.has(name.toLowerCase()))
      throw badInput(`headers: "${name}" is set by Stratum on every delivery`, { argument: "headers" });
  }
  const rateLimit = input.rateLimit ?? null;
  if (rateLimit !== null && (!Number.isInteger(rateLimit) || (rateLimit as number) < 1))
    throw badInput("rateLimit must be a whole number of deliveries per second, at least 1", {
      argument: "rateLimit",
    });
  return {
    url: url.toString(),
    headers: headers as Record<string, string>,
    rateLimit: rateLimit as number | null,
    includePii: input.includePii === true,
  };
}

function validateSecret(secret: unknown): string {
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH)
    throw badInput(`secret must be ${MIN_SECRET_LENGTH}–${MAX_SECRET_LENGTH} characters`, {
      argument: "secret",
    });
  return secret;
}

/** The trigger's own fields: exactly one source, a JSON-object `where` for events only, a valid cap. */
export function validateTriggerFields(input: {
  destination?: unknown;
  event?: unknown;
  where?: unknown;
  segmentEntered?: unknown;
  segmentExited?: unknown;
  tagEntered?: unknown;
  tagExited?: unknown;
  capCount?: unknown;
  capPer?: unknown;
  campaign?: unknown;
  quietStart?: unknown;
  quietEnd?: unknown;
  bestTime?: unknown;
  scheduleEvery?: unknown;
  scheduleAt?: unknown;
  scheduleWeekday?: unknown;
  scheduleSegment?: unknown;
  scheduleTag?: unknown;
}): TriggerFields {
  const given = SOURCES.filter((field) => input[field] != null);
  const sourceName = (field: string) => (field === "scheduleEvery" ? "schedule" : field);
  if (given.length !== 1)
    throw badInput(
      `A trigger has exactly one of ${SOURCES.map(sourceName).join(", ")}; got ${given.length}`,
      {
        argument: sourceName(given[1] ?? "event"),
      },
    );
  const event = input.event ?? null;
  if (
    event !== null &&
    (typeof event !== "string" || event.length === 0 || event.length > MAX_EVENT_NAME_LENGTH)
  )
    throw badInput(`event must be an event name of 1–${MAX_EVENT_NAME_LENGTH} characters`, {
      argument: "event",
    });
  const where = input.where ?? null;
  if (where !== null && (event === null || typeof where !== "object" || Array.isArray(where)))
    throw badInput("where is a JSON object the event's properties must contain, for an event trigger only", {
      argument: "where",
    });
  const reference = (field: "segmentEntered" | "segmentExited" | "tagEntered" | "tagExited") =>
    input[field] == null ? null : validateKey(input[field], field);
  const capCount = input.capCount ?? null;
  const capPer = input.capPer ?? null;
  if ((capCount === null) !== (capPer === null))
    throw badInput("frequencyCap needs both count and per", { argument: "frequencyCap" });
  if (capCount !== null && (!Number.isInteger(capCount) || (capCount as number) < 1))
    throw badInput("frequencyCap.count must be a whole number of at least 1", { argument: "frequencyCap" });
  if (capPer !== null && !CAP_PERIODS.includes(capPer as CapPeriod))
    throw badInput("frequencyCap.per must be DAY or WEEK", { argument: "frequencyCap" });
  const quietStart = input.quietStart ?? null;
  const quietEnd = input.quietEnd ?? null;
  const hour = (value: unknown) =>
    Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 23;
  if ((quietStart === null) !== (quietEnd === null))
    throw badInput("quietHours needs both start and end", { argument: "quietHours" });
  if (quietStart !== null && (!hour(quietStart) || !hour(quietEnd) || quietStart === quietEnd))
    throw badInput("quietHours.start and .end are different local hours 0–23", { argument: "quietHours" });
  const schedule = validateSchedule(input);
  return {
    destination: validateKey(input.destination, "destination"),
    event: event as string | null,
    where: where as Record<string, unknown> | null,
    segmentEntered: reference("segmentEntered"),
    segmentExited: reference("segmentExited"),
    tagEntered: reference("tagEntered"),
    tagExited: reference("tagExited"),
    capCount: capCount as number | null,
    capPer: capPer as CapPeriod | null,
    campaign: input.campaign == null ? null : validateKey(input.campaign, "campaign"),
    quietStart: quietStart as number | null,
    quietEnd: quietEnd as number | null,
    bestTime: input.bestTime === true,
    ...schedule,
  };
}

type ScheduleFields = Pick<
  TriggerFields,
  "scheduleEvery" | "scheduleAt" | "scheduleWeekday" | "scheduleSegment" | "scheduleTag"
>;

/** A schedule's period, local time, weekday (WEEK only) and at most one audience (segment or tag). */
function validateSchedule(input: {
  scheduleEvery?: unknown;
  scheduleAt?: unknown;
  scheduleWeekday?: unknown;
  scheduleSegment?: unknown;
  scheduleTag?: unknown;
}): ScheduleFields {
  const every = input.scheduleEvery ?? null;
  const none: ScheduleFields = {
    scheduleEvery: null,
    scheduleAt: null,
    scheduleWeekday: null,
    scheduleSegment: null,
    scheduleTag: null,
  };
  if (every === null) return none;
  const refuse = (message: string) => badInput(`schedule: ${message}`, { argument: "schedule" });
  if (!SCHEDULE_PERIODS.includes(every as SchedulePeriod)) throw refuse("every must be DAY or WEEK");
  if (typeof input.scheduleAt !== "string" || !SCHEDULE_TIME.test(input.scheduleAt))
    throw refuse('at must be a 24-hour local time "HH:MM"');
  const weekday = input.scheduleWeekday ?? null;
  if (
    every === "WEEK" &&
    !(Number.isInteger(weekday) && (weekday as number) >= 1 && (weekday as number) <= 7)
  )
    throw refuse("a WEEK schedule needs weekday 1 (Monday) … 7 (Sunday)");
  if (every === "DAY" && weekday !== null) throw refuse("weekday is for WEEK schedules only");
  if (input.scheduleSegment != null && input.scheduleTag != null)
    throw refuse("the audience is a segment or a tag, not both");
  return {
    scheduleEvery: every as SchedulePeriod,
    scheduleAt: input.scheduleAt,
    scheduleWeekday: weekday as number | null,
    scheduleSegment:
      input.scheduleSegment == null ? null : validateKey(input.scheduleSegment, "schedule.segment"),
    scheduleTag: input.scheduleTag == null ? null : validateKey(input.scheduleTag, "schedule.tag"),
  };
}

/** BAD_USER_INPUT naming `argument` (with the closest keys) unless `key` is an active row of `table`. */
async function assertActiveReference(
  db: Database,
  table: "destinations" | "segments" | "tags" | "campaigns",
  key: string,
  argument: string,
): Promise<void> {
  const rows = await db.query<{ key: string }>(
    sql`select key from ${sql.identifier(table)} where status = 'ACTIVE'`,
  );
  const keys = rows.map((row) => row.key);
  if (keys.includes(key)) return;
  const { suggestions, hint } = suggestNames(key, keys);
  throw badInput(`${argument}: no active ${table.slice(0, -1)} "${key}".${hint}`, {
    argument,
    value: key,
    suggestions,
  });
}

/** Destination definitions (webhook URL, secret, headers, rate limit, PII permission). */
export class DestinationService extends DefinitionService<DestinationRecord> {
  constructor(db: Database) {
    super(db, DESTINATION_TABLE);
  }

  async create(input: CreateDestinationInput, actor: Actor): Promise<DestinationRecord> {
    const { key, name, description } = newDefinition(input);
    const fields = validateDestinationFields(input);
    const secret = validateSecret(input.secret);
    return this.db.transaction((tx) =>
      this.store.insert(tx, key, { name, description, ...fields, secret }, actor),
    );
  }

  /** Absent fields stay; a new `secret` replaces the old one (a version, audited without the secret). */
  async update(
    key: string,
    input: UpdateDestinationInput,
    expectedVersion: number,
    actor: Actor,
  ): Promise<DestinationRecord> {
    const { after } = await this.store.update(key, expectedVersion, actor, async (before) => {
      const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value != null));
      const fields = validateDestinationFields({ ...before, ...changes });
      const secret = input.secret == null ? before.secret : validateSecret(input.secret);
      return { ...updatedNameAndDescription(before, input), ...fields, secret };
    });
    return after;
  }

  /** Refused (BAD_USER_INPUT) while an active trigger sends to it: archive those first. */
  archive(key: string, actor: Actor): Promise<DestinationRecord> {
    return this.store.archive(key, actor, async (_before, tx) => {
      const users = await tx.query<{ key: string }>(
        sql`select key from triggers where destination = ${key} and status = 'ACTIVE' order by key`,
      );
      if (users.length)
        throw badInput(
          `Destination "${key}" is used by active triggers (${users.map((u) => u.key).join(", ")}); archive them first`,
          { argument: "key", triggers: users.map((u) => u.key) },
        );
    });
  }
}

/**
 * Trigger definitions: a source (event, segment or tag entry/exit), a destination, a cap and
 * optionally the campaign whose touches its deliveries are.
 */
export class TriggerService extends DefinitionService<TriggerRecord> {
  constructor(db: Database) {
    super(db, TRIGGER_TABLE);
  }

  async create(input: CreateTriggerInput, actor: Actor): Promise<TriggerRecord> {
    const { key, name, description } = newDefinition(input);
    const fields = validateTriggerFields(flatten(input));
    return this.db.transaction(async (tx) => {
      await this.assertReferences(tx, fields);
      return this.store.insert(tx, key, { name, description, ...fields }, actor);
    });
  }

  /**
   * Absent fields stay as they are, except that naming a new source replaces the old one (a
   * trigger has one source); the whole is validated again.
   */
  async update(
    key: string,
    input: UpdateTriggerInput,
    expectedVersion: number,
    actor: Actor,
  ): Promise<TriggerRecord> {
    const { after } = await this.store.update(key, expectedVersion, actor, async (before, tx) => {
      const changes = Object.fromEntries(Object.entries(flatten(input)).filter(([, value]) => value != null));
      const sourceChanged = SOURCES.some((field) => field in changes);
      const base: Partial<TriggerFields> = sourceChanged
        ? {
            ...before,
            event: null,
            where: null,
            segmentEntered: null,
            segmentExited: null,
            tagEntered: null,
            tagExited: null,
            scheduleEvery: null,
            scheduleAt: null,
            scheduleWeekday: null,
            scheduleSegment: null,
            scheduleTag: null,
          }
        : before;
      const fields = validateTriggerFields({ ...base, ...changes });
      await this.assertReferences(tx, fields);
      return { ...updatedNameAndDescription(before, input), ...fields };
    });
    return after;
  }

  archive(key: string, actor: Actor): Promise<TriggerRecord> {
    return this.store.archive(key, actor);
  }

  private async assertReferences(tx: Database, fields: TriggerFields): Promise<void> {
    await assertActiveReference(tx, "destinations", fields.destination, "destination");
    if (fields.segmentEntered)
      await assertActiveReference(tx, "segments", fields.segmentEntered, "segmentEntered");
    if (fields.segmentExited)
      await assertActiveReference(tx, "segments", fields.segmentExited, "segmentExited");
    if (fields.tagEntered) await assertActiveReference(tx, "tags", fields.tagEntered, "tagEntered");
    if (fields.tagExited) await assertActiveReference(tx, "tags", fields.tagExited, "tagExited");
    if (fields.campaign) await assertActiveReference(tx, "campaigns", fields.campaign, "campaign");
    if (fields.scheduleSegment)
      await assertActiveReference(tx, "segments", fields.scheduleSegment, "schedule.segment");
    if (fields.scheduleTag) await assertActiveReference(tx, "tags", fields.scheduleTag, "schedule.tag");
  }
}

/**
 * The input's `frequencyCap`, `quietHours` and `schedule` as the stored `capCount` / `capPer`,
 * `quietStart` / `quietEnd` and `schedule*` columns.
 */
function flatten(input: UpdateTriggerInput): Record<string, unknown> {
  const { frequencyCap, quietHours, schedule, ...rest } = input;
  return {
    ...rest,
    ...(schedule == null
      ? {}
      : {
          scheduleEvery: schedule.every,
          scheduleAt: schedule.at,
          scheduleWeekday: schedule.weekday ?? null,
          scheduleSegment: schedule.segment ?? null,
          scheduleTag: schedule.tag ?? null,
        }),
    ...(frequencyCap === undefined
      ? {}
      : { capCount: frequencyCap?.count ?? null, capPer: frequencyCap?.per ?? null }),
    ...(quietHours === undefined
      ? {}
      : { quietStart: quietHours?.start ?? null, quietEnd: quietHours?.end ?? null }),
  };
}
