import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/service";
import type { Database } from "../db/client";
import { type DefinitionRecord, DefinitionService, definitionTable } from "../definitions/store";
import { badInput, conflict } from "../errors";
import { DEFAULT_IDENTITY_RULES } from "../ingest/rules";
import { assertSegmentReference } from "../segments";
import { compileLaunchAudience } from "../semantic/campaigns";
import { mergeSurvivor } from "../semantic/facts";
import {
  type Actor,
  updatedNameAndDescription,
  validateKey,
  validateNewDefinition,
} from "../tags/definition";

export const DEFAULT_ATTRIBUTION_DAYS = 7;
export const MAX_ATTRIBUTION_DAYS = 365;
const CHANNEL = /^[a-z][a-z0-9_]{0,31}$/;
const MAX_EVENT_NAME_LENGTH = 200;

/** What defines a campaign beyond key, name and description. */
export interface CampaignFields {
  /** sms, push, email, wechat … */
  channel: string;
  /** The segment whose members form the audience at launch. */
  segment: string;
  /** Share of the audience held out, in (0, 1). */
  holdoutShare: number;
  fixedCost: number;
  costPerTouch: number;
  attributionDays: number;
  /** An event name whose occurrence converts; null: a counted order. */
  conversionEvent: string | null;
}

export interface CampaignRecord extends DefinitionRecord, CampaignFields {
  /** When launchCampaign froze the audience; null before. */
  launchedAt: Date | null;
}

export interface CreateCampaignInput {
  key: string;
  name: string;
  description?: string | null;
  channel: string;
  segment: string;
  holdoutShare: number;
  fixedCost?: number | null;
  costPerTouch?: number | null;
  attributionDays?: number | null;
  conversionEvent?: string | null;
}

/** Absent (or null) fields stay as they are. */
export type UpdateCampaignInput = Partial<Omit<CreateCampaignInput, "key">>;

/** A member of a frozen audience, by the account id a channel addresses (null for an anonymous profile). */
export interface AudienceMember extends Record<string, unknown> {
  userId: string | null;
  arm: "treatment" | "holdout";
}

/** What the launch froze. */
export interface LaunchReport {
  campaign: CampaignRecord;
  audience: number;
  treated: number;
  holdout: number;
}

/** Campaigns in the definition store: every own column is versioned and audited; the launch time is state. */
const CAMPAIGN_TABLE = definitionTable("campaign", "Campaign", [
  { column: "channel", field: "channel", versioned: true },
  { column: "segment", field: "segment", versioned: true },
  { column: "holdout_share", field: "holdoutShare", versioned: true },
  { column: "fixed_cost", field: "fixedCost", versioned: true },
  { column: "cost_per_touch", field: "costPerTouch", versioned: true },
  { column: "attribution_days", field: "attributionDays", versioned: true },
  { column: "conversion_event", field: "conversionEvent", versioned: true },
  { column: "launched_at", field: "launchedAt", versioned: false, cast: "timestamptz" },
]);

/** The fields the frozen audience depends on: they cannot change after the launch. */
const FROZEN_AT_LAUNCH = ["segment", "holdoutShare"] as const;

/**
 * Checks a campaign's own fields (all but the segment's existence, which needs the database).
 * Every refusal is BAD_USER_INPUT naming the input field.
 */
export function validateCampaignFields(input: Omit<CreateCampaignInput, "key" | "name">): CampaignFields {
  if (typeof input.channel !== "string" || !CHANNEL.test(input.channel))
    throw badInput("channel must be 1–32 lower-case letters, digits or _ (sms, push, email, wechat …)", {
      argument: "channel",
    });
  const share = input.holdoutShare;
  if (typeof share !== "number" || !Number.isFinite(share) || share <= 0 || share >= 1)
    throw badInput("holdoutShare must be a number strictly between 0 and 1", { argument: "holdoutShare" });
  const cost = (value: unknown, argument: string): number => {
    if (value == null) return 0;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
      throw badInput(`${argument} must be a number of at least 0`, { argument });
    return value;
  };
  const days = input.attributionDays ?? DEFAULT_ATTRIBUTION_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_ATTRIBUTION_DAYS)
    throw badInput(`attributionDays must be a whole number of days from 1 to ${MAX_ATTRIBUTION_DAYS}`, {
      argument: "attributionDays",
    });
  const event = input.conversionEvent ?? null;
  if (
    event !== null &&
    (typeof event !== "string" || event.length === 0 || event.length > MAX_EVENT_NAME_LENGTH)
  )
    throw badInput(`conversionEvent must be an event name of 1–${MAX_EVENT_NAME_LENGTH} characters`, {
      argument: "conversionEvent",
    });
  return {
    channel: input.channel,
    segment: validateKey(input.segment, "segment"),
    holdoutShare: share,
    fixedCost: cost(input.fixedCost, "fixedCost"),
    costPerTouch: cost(input.costPerTouch, "costPerTouch"),
    attributionDays: days,
    conversionEvent: event,
  };
}

/** Campaign definitions (versions, history, audit) and their launch. */
export class CampaignService extends DefinitionService<CampaignRecord> {
  constructor(db: Database) {
    super(db, CAMPAIGN_TABLE);
  }

  async create(input: CreateCampaignInput, actor: Actor): Promise<CampaignRecord> {
    const { key, name, description } = validateNewDefinition(input);
    const fields = validateCampaignFields(input);
    return this.db.transaction(async (tx) => {
      await assertSegmentReference(tx, fields.segment);
      return this.store.insert(tx, key, { name, description, ...fields }, actor);
    });
  }

  /**
   * Merges the input over the stored definition and validates the whole. After the launch the
   * segment and the holdout share are frozen (BAD_USER_INPUT naming the field); costs, window
   * and conversion can still be corrected.
   */
  async update(
    key: string,
    input: UpdateCampaignInput,
    expectedVersion: number,
    actor: Actor,
  ): Promise<CampaignRecord> {
    const { after } = await this.store.update(key, expectedVersion, actor, async (before, tx) => {
      const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value != null));
      const fields = validateCampaignFields({ ...before, ...changes });
      if (before.launchedAt) {
        const frozen = FROZEN_AT_LAUNCH.find((field) => fields[field] !== before[field]);
        if (frozen)
          throw badInput(`${frozen} cannot change after the launch: the audience is frozen`, {
            argument: frozen,
          });
      }
      if (fields.segment !== before.segment) await assertSegmentReference(tx, fields.segment);
      return { ...updatedNameAndDescription(before, input), ...fields };
    });
    return after;
  }

  /** Archives the campaign; a launched one keeps its audience, so its results stay readable. */
  archive(key: string, actor: Actor): Promise<CampaignRecord> {
    return this.store.archive(key, actor);
  }

  /**
   * The frozen audience as a channel addresses it: each member's surviving profile and that
   * profile's account id (its `user_id` identity), ordered by profile id.
   */
  async audience(key: string): Promise<AudienceMember[]> {
    await this.store.require(key);
    const owner = mergeSurvivor(sql`ca.user_id`);
    return this.db.query<AudienceMember>(sql`
      select i.value as "userId", ca.arm
      from campaign_audience ca ${owner.join}
      left join identities i on i.user_id = ${owner.id} and i.type = ${DEFAULT_IDENTITY_RULES.accountType}
      where ca.campaign_key = ${key}
      order by ${owner.id}`);
  }

  /**
   * Freezes the audience: the target segment's current members, split into treatment and
   * holdout by GrowthBook's hash in one insert … select, and the launch time, in one
   * transaction holding the campaign's row (audited as `launch`). A launched campaign is a
   * CONFLICT; an archived one BAD_USER_INPUT.
   */
  async launch(key: string, actor: Actor, now: Date = new Date()): Promise<LaunchReport> {
    return this.db.transaction(async (tx) => {
      const before = await this.store.require(key, tx, true);
      this.store.assertActive(before);
      if (before.launchedAt)
        throw conflict(`Campaign "${key}" was launched at ${before.launchedAt.toISOString()}`, {
          argument: "key",
          key,
          launchedAt: before.launchedAt.toISOString(),
        });
      await assertSegmentReference(tx, before.segment);
      const { statement } = compileLaunchAudience({
        campaignKey: key,
        seed: key,
        segment: before.segment,
        holdoutShare: before.holdoutShare,
      });
      const [counts] = await tx.query<{ audience: number; treated: number; holdout: number }>(statement);
      await tx.query(
        sql`update campaigns set launched_at = ${now.toISOString()}::timestamptz where key = ${key}`,
      );
      const campaign = await this.store.require(key, tx);
      await recordAudit(tx, {
        actor: actor.name,
        action: "launch",
        entityType: "campaign",
        entityKey: key,
        after: { key, launchedAt: now.toISOString(), ...counts },
        requestId: actor.requestId,
      });
      return { campaign, ...counts };
    });
  }
}
