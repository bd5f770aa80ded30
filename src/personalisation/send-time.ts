import { sql } from "drizzle-orm";
import type { SendTimeConfig } from "../config";
import type { Database } from "../db/client";
import { badInput } from "../errors";
import { assertSegmentExists } from "../segments";
import { bigintArray } from "../semantic/arrays";
import { segmentRestriction } from "../semantic/membership";
import {
  bestSendTimes,
  populationCounts,
  type SendTimeModel,
  sendTimeDistribution,
  sendTimeEvaluation,
} from "../semantic/send-time";

/** A user's best send time: the local hour of the week with the largest smoothed share of activity. */
export interface BestSendTimeRecord {
  /** 0 = Monday 00:00–00:59 … 167 = Sunday 23:00–23:59, in `timezone`. */
  hourOfWeek: number;
  /** ISO day: 1 = Monday … 7 = Sunday. */
  dayOfWeek: number;
  localHour: number;
  /** The posterior share of the user's activity in that hour: (n_h + α·p_h) / (n + α). */
  confidence: number;
  timezone: string;
  /** The user's own activity events the answer read (0: the population's answer). */
  events: number;
}

export interface SendTimeCellRecord {
  hourOfWeek: number;
  dayOfWeek: number;
  localHour: number;
  /** Users whose best send time is this hour. */
  users: number;
  /** `users` over all users answered. */
  share: number;
  /** The users' activity events in this local hour over all of theirs. */
  activityShare: number;
}

export interface SendTimeDistributionRecord {
  users: number;
  events: string[];
  priorStrength: number;
  cells: SendTimeCellRecord[];
}

export interface SendTimeEvaluationRecord {
  split: Date;
  priorStrength: number;
  /** Users with activity at or after the split, judged by their first such event. */
  users: number;
  /** Share of them whose first held-out event fell in their predicted local hour of the week. */
  hitRate: number;
  /** The training population's best hour of the week, predicted for everyone. */
  baselineHourOfWeek: number;
  baselineHitRate: number;
  /** Share whose first held-out event fell in their predicted local hour of the day, whatever the day. */
  localHourHitRate: number;
  /** The training population's best hour of the day. */
  baselineLocalHour: number;
  baselineLocalHourHitRate: number;
}

type AnswerRow = {
  user_id: string | number;
  zone: string;
  how: number;
  local_hour: number;
  day_of_week: number;
  events: number;
  confidence: number;
};

/** How long the population's bins serve `bestOf` before they are counted again. */
export const PRIOR_TTL_MS = 5 * 60_000;
const HOURS_PER_WEEK = 168;

/** Above this the prior drowns any history a shop keeps; a typo more than a setting. */
const MAX_PRIOR_STRENGTH = 1_000_000;

/**
 * Best send times from activity (events named in `config.sendTime.events`), in each user's time
 * zone (the `timezoneTrait` trait when it names an IANA zone, else the shop's), smoothed toward
 * the population with the configured prior strength. Everything is one set-based statement.
 */
export class SendTimeService {
  readonly model: SendTimeModel;
  /** The population's events per bin (168 counts) and when they were counted, shared by requests. */
  private prior?: { counts: Promise<number[]>; countedAt: number };

  constructor(
    private readonly db: Database,
    config: SendTimeConfig,
    defaultTimezone: string,
  ) {
    this.model = {
      events: config.events,
      priorStrength: config.priorStrength,
      timezoneTrait: config.timezoneTrait,
      defaultTimezone,
    };
  }

  /**
   * Each listed user's best send time from all their activity (null: no activity in the shop at
   * all). The population's bins are a scan of all activity, which moves slowly: they are counted
   * once per PRIOR_TTL_MS for every page asked meanwhile, so a page reads only its users' events.
   */
  async bestOf(userIds: readonly number[]): Promise<(BestSendTimeRecord | null)[]> {
    const prior = await this.populationPrior();
    const rows = await this.db.query<AnswerRow>(
      sql`select * from ${bestSendTimes(this.model, { ids: bigintArray(userIds), prior }, sql`true`)} s`,
    );
    const byUser = new Map(rows.map((row) => [Number(row.user_id), toRecord(row)]));
    return userIds.map((id) => byUser.get(Number(id)) ?? null);
  }

  private populationPrior(now = Date.now()): Promise<number[]> {
    if (!this.prior || now - this.prior.countedAt >= PRIOR_TTL_MS) {
      const counts = this.db
        .analyticalQuery<{ how: number; c: number }>(populationCounts(this.model, sql`true`))
        .then((rows) => {
          const bins = new Array<number>(HOURS_PER_WEEK).fill(0);
          for (const row of rows) bins[row.how] = Number(row.c);
          return bins;
        });
      // A failed count is not kept: the next page counts again.
      counts.catch(() => {
        if (this.prior?.counts === counts) this.prior = undefined;
      });
      this.prior = { counts, countedAt: now };
    }
    return this.prior.counts;
  }

  /** The heat map of best send times of a segment's members (every active user without one). */
  async distribution(segment?: string | null): Promise<SendTimeDistributionRecord> {
    if (segment) await assertSegmentExists(this.db, segment);
    const restriction = segment ? segmentRestriction(segment, sql`o.user_id`) : undefined;
    const rows = await this.db.analyticalQuery<{
      how: number;
      local_hour: number;
      day_of_week: number;
      users: number;
      events: number;
      all_users: number;
      all_events: number;
    }>(sendTimeDistribution(this.model, sql`true`, restriction));
    const users = rows[0]?.all_users ?? 0;
    const events = rows[0]?.all_events ?? 0;
    return {
      users,
      events: [...this.model.events],
      priorStrength: this.model.priorStrength,
      cells: rows.map((row) => ({
        hourOfWeek: row.how,
        dayOfWeek: row.day_of_week,
        localHour: row.local_hour,
        users: row.users,
        share: users > 0 ? row.users / users : 0,
        activityShare: events > 0 ? row.events / events : 0,
      })),
    };
  }

  /**
   * Trains on activity before `split` and scores each user with activity at or after it by their
   * first held-out event, against the population's single best hour for everyone. `priorStrength`
   * overrides the configured α, to compare settings on the same split.
   */
  async evaluate(split: Date, priorStrength?: number | null): Promise<SendTimeEvaluationRecord> {
    if (Number.isNaN(split.getTime())) throw badInput("split is not a time", { argument: "split" });
    const alpha = priorStrength ?? this.model.priorStrength;
    if (!(Number.isFinite(alpha) && alpha > 0 && alpha <= MAX_PRIOR_STRENGTH)) {
      throw badInput(`priorStrength must be a number above 0 and at most ${MAX_PRIOR_STRENGTH}`, {
        argument: "priorStrength",
      });
    }
    const [row] = await this.db.analyticalQuery<{
      users: number;
      hits: number;
      hour_hits: number;
      baseline_how: number | null;
      baseline_hits: number;
      baseline_hour: number | null;
      baseline_hour_hits: number;
      train_events: number;
    }>(sendTimeEvaluation({ ...this.model, priorStrength: alpha }, sql`${split.toISOString()}::timestamptz`));
    if (row.train_events === 0 || row.baseline_how === null || row.baseline_hour === null) {
      throw badInput("There is no activity before split to learn send times from", { argument: "split" });
    }
    if (row.users === 0) {
      throw badInput("There is no activity at or after split to evaluate against", { argument: "split" });
    }
    return {
      split,
      priorStrength: alpha,
      users: row.users,
      hitRate: row.hits / row.users,
      baselineHourOfWeek: row.baseline_how,
      baselineHitRate: row.baseline_hits / row.users,
      localHourHitRate: row.hour_hits / row.users,
      baselineLocalHour: row.baseline_hour,
      baselineLocalHourHitRate: row.baseline_hour_hits / row.users,
    };
  }
}

function toRecord(row: AnswerRow): BestSendTimeRecord {
  return {
    hourOfWeek: row.how,
    dayOfWeek: row.day_of_week,
    localHour: row.local_hour,
    confidence: Number(row.confidence),
    timezone: row.zone,
    events: row.events,
  };
}
