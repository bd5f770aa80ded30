import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import type { DestinationRecord, TriggerRecord } from "../automation/definitions";
import type { DeliveryAttemptRecord, DeliveryRecord } from "../automation/deliveries";
import { Connection } from "./connection";
import { Definition } from "./definitions";
import { DateTime, JSONScalar } from "./scalars";

export enum CapPeriod {
  DAY = "DAY",
  WEEK = "WEEK",
}
registerEnumType(CapPeriod, {
  name: "CapPeriod",
  description: "The rolling window of a frequency cap",
  valuesConfig: {
    DAY: { description: "The last 24 hours" },
    WEEK: { description: "The last 7 × 24 hours" },
  },
});

export enum SchedulePeriod {
  DAY = "DAY",
  WEEK = "WEEK",
}
registerEnumType(SchedulePeriod, {
  name: "SchedulePeriod",
  description: "How often a schedule trigger runs",
  valuesConfig: {
    DAY: { description: "Every day at its local time" },
    WEEK: { description: "Every week on its weekday at its local time" },
  },
});

export enum DeliveryStatus {
  PENDING = "PENDING",
  DELIVERED = "DELIVERED",
  DEAD = "DEAD",
  SUPPRESSED = "SUPPRESSED",
}
registerEnumType(DeliveryStatus, {
  name: "DeliveryStatus",
  description: "Where a delivery of the outbox stands",
  valuesConfig: {
    PENDING: { description: "Waiting for its first attempt or its next retry" },
    DELIVERED: { description: "The destination answered 2xx" },
    DEAD: {
      description: "Every attempt failed (STRATUM_DELIVERY_MAX_ATTEMPTS); retryDelivery sends it again",
    },
    SUPPRESSED: { description: "Over the trigger's frequency cap for this user: never sent" },
  },
});

@ObjectType({
  description:
    "A webhook destination: where deliveries are POSTed, signed with its secret (never readable back through the API)",
})
export class Destination extends Definition {
  @Field(() => String, { description: "The http(s) URL deliveries are POSTed to" })
  url!: string;

  @Field(() => JSONScalar, { description: "Extra request headers (an object of strings)" })
  headers!: Record<string, string>;

  @Field(() => Int, {
    nullable: true,
    description: "Deliveries per second sent at most, by all workers together; null: unlimited",
  })
  rateLimit!: number | null;

  @Field(() => Boolean, {
    description: "Whether payloads carry PII unmasked; false: masked as for a role without read_pii",
  })
  includePii!: boolean;

  static from(record: DestinationRecord): Destination {
    const { secret: _secret, ...readable } = record;
    return Object.assign(new Destination(), readable);
  }
}

@ObjectType({ description: "At most `count` deliveries per user in a rolling day or week" })
export class FrequencyCap {
  @Field(() => Int, { description: "Deliveries per user per window" })
  count!: number;

  @Field(() => CapPeriod, { description: "The rolling window" })
  per!: CapPeriod;
}

@ObjectType({
  description:
    "Local hours [start, end) of the user's time zone in which nothing is sent; wraps midnight when start > end",
})
export class QuietHours {
  @Field(() => Int, { description: "The first quiet local hour, 0–23" })
  start!: number;

  @Field(() => Int, { description: "The local hour deliveries are due again, 0–23" })
  end!: number;
}

@ObjectType({
  description:
    "A schedule source: every day (or week, on a weekday) at a local time of the shop's zone, for a segment's or tag's members or every active user",
})
export class TriggerSchedule {
  @Field(() => SchedulePeriod, { description: "DAY or WEEK" })
  every!: SchedulePeriod;

  @Field(() => String, { description: 'The local time "HH:MM" (24-hour) in the shop\'s zone' })
  at!: string;

  @Field(() => Int, { nullable: true, description: "WEEK: the ISO weekday, 1 = Monday … 7 = Sunday" })
  weekday!: number | null;

  @Field(() => String, { nullable: true, description: "The audience: this segment's members" })
  segment!: string | null;

  @Field(() => String, { nullable: true, description: "The audience: this tag's members" })
  tag!: string | null;
}

@ObjectType({
  description:
    "Calls a destination when something happens to a user: an event (name and property filter), an entry into or exit from a segment or tag, or a schedule",
})
export class Trigger extends Definition {
  @Field(() => String, { description: "The destination's key" })
  destination!: string;

  @Field(() => String, { nullable: true, description: "Fires on every ingested event of this name" })
  event!: string | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description: "A JSON object the event's properties must contain (every key with an equal value)",
  })
  where!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: "Fires when a user enters this segment" })
  segmentEntered!: string | null;

  @Field(() => String, { nullable: true, description: "Fires when a user leaves this segment" })
  segmentExited!: string | null;

  @Field(() => String, { nullable: true, description: "Fires when a user gets this tag" })
  tagEntered!: string | null;

  @Field(() => String, { nullable: true, description: "Fires when a user loses this tag" })
  tagExited!: string | null;

  @Field(() => FrequencyCap, { nullable: true, description: "The cap per user; null: uncapped" })
  frequencyCap!: FrequencyCap | null;

  @Field(() => String, {
    nullable: true,
    description: "A campaign's key: each delivered delivery is written as its campaign_sent touch",
  })
  campaign!: string | null;

  @Field(() => QuietHours, {
    nullable: true,
    description:
      "A delivery falling due in these local hours (first attempts and retries) waits for the user's best send hour where known, else until they end; null: sent at once",
  })
  quietHours!: QuietHours | null;

  @Field(() => Boolean, {
    description:
      "Whether every delivery waits for the user's best send hour (where their activity names one); deliveries deferred by quiet hours always do",
  })
  bestTime!: boolean;

  @Field(() => TriggerSchedule, {
    nullable: true,
    description: "The schedule it runs on; null: not a schedule trigger",
  })
  schedule!: TriggerSchedule | null;

  static from(record: TriggerRecord): Trigger {
    const frequencyCap =
      record.capCount === null ? null : { count: record.capCount, per: record.capPer as CapPeriod };
    const schedule =
      record.scheduleEvery === null
        ? null
        : {
            every: record.scheduleEvery as SchedulePeriod,
            at: record.scheduleAt as string,
            weekday: record.scheduleWeekday,
            segment: record.scheduleSegment,
            tag: record.scheduleTag,
          };
    const quietHours =
      record.quietStart === null || record.quietEnd === null
        ? null
        : { start: record.quietStart, end: record.quietEnd };
    return Object.assign(new Trigger(), record, { frequencyCap, quietHours, schedule });
  }
}

@InputType({ description: "A new destination; any invalid field is refused with BAD_USER_INPUT naming it" })
export class CreateDestinationInput {
  @Field(() => String, {
    description: "1–128 letters, digits, _ . : - ; unique among destinations (an existing key is a CONFLICT)",
  })
  key!: string;

  @Field(() => String, { description: "An http(s) URL" })
  url!: string;

  @Field(() => String, {
    description: "16–512 characters; signs every delivery (X-Stratum-Signature) and is never readable back",
  })
  secret!: string;

  @Field(() => String, { nullable: true, description: "The display name; default: the key" })
  name?: string;

  @Field(() => String, { nullable: true, description: "At most 2000 characters; default empty" })
  description?: string;

  @Field(() => JSONScalar, {
    nullable: true,
    description: "Extra headers, an object of strings (at most 20; Stratum's own headers cannot be set)",
  })
  headers?: Record<string, unknown>;

  @Field(() => Int, {
    nullable: true,
    description: "Deliveries per second sent at most, by all workers together; default unlimited",
  })
  rateLimit?: number;

  @Field(() => Boolean, { nullable: true, description: "Send PII unmasked; default false (masked)" })
  includePii?: boolean;
}

@InputType({ description: "Absent fields stay as they are" })
export class UpdateDestinationInput {
  @Field(() => String, { nullable: true, description: "A new display name" })
  name?: string;

  @Field(() => String, { nullable: true, description: "A new description" })
  description?: string;

  @Field(() => String, { nullable: true, description: "A new URL" })
  url?: string;

  @Field(() => String, { nullable: true, description: "A new secret (rotates the signature key)" })
  secret?: string;

  @Field(() => JSONScalar, { nullable: true, description: "New extra headers (replace the old ones)" })
  headers?: Record<string, unknown>;

  @Field(() => Int, { nullable: true, description: "A new rate limit per second" })
  rateLimit?: number;

  @Field(() => Boolean, { nullable: true, description: "Whether to send PII unmasked" })
  includePii?: boolean;
}

@InputType("FrequencyCapInput", { description: "At most `count` deliveries per user per rolling window" })
export class FrequencyCapInput {
  @Field(() => Int, { description: "At least 1" })
  count!: number;

  @Field(() => CapPeriod, { description: "DAY (24 h) or WEEK (7 × 24 h)" })
  per!: CapPeriod;
}

@InputType("QuietHoursInput", {
  description: "Local hours [start, end) of the user's zone; wraps midnight when start > end",
})
export class QuietHoursInput {
  @Field(() => Int, { description: "0–23" })
  start!: number;

  @Field(() => Int, { description: "0–23, not start" })
  end!: number;
}

@InputType("TriggerScheduleInput", {
  description:
    "Runs every day (or every week on `weekday`) at local `at` in the shop's zone, once per run however many workers run",
})
export class TriggerScheduleInput {
  @Field(() => SchedulePeriod, { description: "DAY or WEEK" })
  every!: SchedulePeriod;

  @Field(() => String, { description: '24-hour "HH:MM", e.g. "09:30"' })
  at!: string;

  @Field(() => Int, { nullable: true, description: "WEEK only (required): 1 = Monday … 7 = Sunday" })
  weekday?: number;

  @Field(() => String, { nullable: true, description: "An active segment's key: its members at the run" })
  segment?: string;

  @Field(() => String, {
    nullable: true,
    description: "An active tag's key: its members at the run (not with segment; neither: every active user)",
  })
  tag?: string;
}

@InputType({
  description:
    "A new trigger with exactly one source: event, segmentEntered, segmentExited, tagEntered, tagExited or schedule",
})
export class CreateTriggerInput {
  @Field(() => String, { description: "1–128 letters, digits, _ . : - ; unique among triggers" })
  key!: string;

  @Field(() => String, { description: "An active destination's key" })
  destination!: string;

  @Field(() => String, { nullable: true, description: "An event name" })
  event?: string;

  @Field(() => JSONScalar, {
    nullable: true,
    description: 'For an event trigger: a JSON object the properties must contain, e.g. {"category": "tea"}',
  })
  where?: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: "An active segment's key: fires on entry" })
  segmentEntered?: string;

  @Field(() => String, { nullable: true, description: "An active segment's key: fires on exit" })
  segmentExited?: string;

  @Field(() => String, { nullable: true, description: "An active tag's key: fires when a user gets it" })
  tagEntered?: string;

  @Field(() => String, { nullable: true, description: "An active tag's key: fires when a user loses it" })
  tagExited?: string;

  @Field(() => FrequencyCapInput, {
    nullable: true,
    description: "At most N deliveries per user per day or week",
  })
  frequencyCap?: FrequencyCapInput;

  @Field(() => String, {
    nullable: true,
    description:
      "A campaign's key: each delivered delivery writes a campaign_sent event { campaign, delivery } for the user",
  })
  campaign?: string;

  @Field(() => QuietHoursInput, {
    nullable: true,
    description:
      "A delivery falling due in these local hours (the user's time-zone trait, else the shop's zone) is due at the user's next best send hour outside them where their activity names one, else at their end",
  })
  quietHours?: QuietHoursInput;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "Every delivery waits for the user's best send hour where their activity names one (default false: only those deferred by quiet hours)",
  })
  bestTime?: boolean;

  @Field(() => TriggerScheduleInput, {
    nullable: true,
    description: "A schedule source: the trigger fires for its audience at every run",
  })
  schedule?: TriggerScheduleInput;

  @Field(() => String, { nullable: true, description: "The display name; default: the key" })
  name?: string;

  @Field(() => String, { nullable: true, description: "At most 2000 characters; default empty" })
  description?: string;
}

@InputType({ description: "Absent fields stay as they are; a new source replaces the old one" })
export class UpdateTriggerInput {
  @Field(() => String, { nullable: true, description: "A new display name" })
  name?: string;

  @Field(() => String, { nullable: true, description: "A new description" })
  description?: string;

  @Field(() => String, { nullable: true, description: "A new destination" })
  destination?: string;

  @Field(() => String, { nullable: true, description: "A new event source" })
  event?: string;

  @Field(() => JSONScalar, { nullable: true, description: "A new property filter (event triggers)" })
  where?: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: "A new segment-entry source" })
  segmentEntered?: string;

  @Field(() => String, { nullable: true, description: "A new segment-exit source" })
  segmentExited?: string;

  @Field(() => String, { nullable: true, description: "A new tag-entry source" })
  tagEntered?: string;

  @Field(() => String, { nullable: true, description: "A new tag-exit source" })
  tagExited?: string;

  @Field(() => FrequencyCapInput, { nullable: true, description: "A new frequency cap" })
  frequencyCap?: FrequencyCapInput;

  @Field(() => String, { nullable: true, description: "A new campaign whose touches the deliveries are" })
  campaign?: string;

  @Field(() => QuietHoursInput, { nullable: true, description: "New quiet hours" })
  quietHours?: QuietHoursInput;

  @Field(() => Boolean, {
    nullable: true,
    description: "Whether every delivery waits for the best send hour",
  })
  bestTime?: boolean;

  @Field(() => TriggerScheduleInput, { nullable: true, description: "A new schedule source" })
  schedule?: TriggerScheduleInput;
}

@ObjectType({ description: "One attempt to send a delivery" })
export class DeliveryAttempt {
  @Field(() => Int, { description: "1 for the first attempt (retryDelivery starts again from 1)" })
  attempt!: number;

  @Field(() => DateTime, { description: "When it was recorded" })
  at!: Date;

  @Field(() => Int, { nullable: true, description: "The HTTP status answered; null when none came" })
  statusCode!: number | null;

  @Field(() => String, { nullable: true, description: "Why it failed; null when it succeeded" })
  error!: string | null;

  @Field(() => Int, { description: "Milliseconds the request took" })
  durationMs!: number;

  static from(record: DeliveryAttemptRecord): DeliveryAttempt {
    return Object.assign(new DeliveryAttempt(), record);
  }
}

@ObjectType({ description: "One row of the transactional outbox: a trigger's call for one user and fact" })
export class Delivery {
  @Field(() => ID, { description: "The delivery's id; its Idempotency-Key is stratum-delivery-<id>" })
  id!: string;

  @Field(() => String, { description: "The trigger's key" })
  trigger!: string;

  @Field(() => String, { description: "The destination's key" })
  destination!: string;

  @Field(() => Int, { description: "The profile the fact belongs to" })
  userId!: number;

  @Field(() => DeliveryStatus, { description: "PENDING, DELIVERED, DEAD or SUPPRESSED" })
  status!: DeliveryStatus;

  @Field(() => Int, { description: "Attempts made (since the last retryDelivery)" })
  attempts!: number;

  @Field(() => DateTime, { description: "When a worker may next send it (PENDING)" })
  nextAttemptAt!: Date;

  @Field(() => Int, { nullable: true, description: "The last attempt's HTTP status" })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true, description: "The last attempt's error" })
  lastError!: string | null;

  @Field(() => DateTime, { description: "When the fact was committed (and this row with it)" })
  createdAt!: Date;

  @Field(() => DateTime, { nullable: true, description: "When the destination answered 2xx" })
  deliveredAt!: Date | null;

  /** The triggering fact as stored; exposed, masked for roles without read_pii, by `DeliveryResolver.fact`. */
  fact!: Record<string, unknown>;

  static from(record: DeliveryRecord): Delivery {
    return Object.assign(new Delivery(), record, { id: String(record.id), userId: Number(record.userId) });
  }
}

@ObjectType({ description: "A page of deliveries, newest first" })
export class DeliveryConnection extends Connection(Delivery) {}

@ObjectType({ description: "What a test send to a destination got" })
export class DestinationTest {
  @Field(() => Boolean, { description: "The destination answered 2xx" })
  ok!: boolean;

  @Field(() => Int, { nullable: true, description: "The HTTP status answered; null when none came" })
  statusCode!: number | null;

  @Field(() => String, { nullable: true, description: "Why it failed" })
  error!: string | null;

  @Field(() => Int, { description: "Milliseconds the request took" })
  durationMs!: number;
}
