import { Field, Float, Int, ObjectType } from "type-graphql";
import { DateTime } from "./scalars";

@ObjectType({
  description:
    "When a user is most likely active: the local hour of the week with the largest share of their activity (the configured events), smoothed toward the whole shop's",
})
export class BestSendTime {
  @Field(() => Int, {
    description: "Hour of the week in `timezone`: 0 = Monday 00:00–00:59 … 167 = Sunday 23:00–23:59",
  })
  hourOfWeek!: number;

  @Field(() => Int, { description: "ISO day of the week in `timezone`: 1 = Monday … 7 = Sunday" })
  dayOfWeek!: number;

  @Field(() => Int, { description: "Hour of the day in `timezone`, 0–23" })
  localHour!: number;

  @Field(() => Float, {
    description:
      "The posterior share (0–1) of the user's activity in that hour: (events in it + α × the shop's share) / (events + α)",
  })
  confidence!: number;

  @Field(() => String, {
    description:
      "The IANA time zone of the answer: the user's time-zone trait when it names one, else the shop's; masked without read_pii when that trait is declared PII",
  })
  timezone!: string;

  @Field(() => Int, {
    description: "The user's own activity events the answer read; 0 means the shop's answer",
  })
  events!: number;
}

@ObjectType({ description: "One hour of the week in the heat map of best send times" })
export class SendTimeCell {
  @Field(() => Int, { description: "Hour of the week, 0 = Monday 00:00 … 167 = Sunday 23:00, local time" })
  hourOfWeek!: number;

  @Field(() => Int, { description: "ISO day of the week: 1 = Monday … 7 = Sunday" })
  dayOfWeek!: number;

  @Field(() => Int, { description: "Hour of the day, 0–23, local time" })
  localHour!: number;

  @Field(() => Int, { description: "Users whose best send time is this hour" })
  users!: number;

  @Field(() => Float, { description: "`users` over all the users answered (0–1)" })
  share!: number;

  @Field(() => Float, {
    description: "The users' activity events in this local hour over all of their activity events (0–1)",
  })
  activityShare!: number;
}

@ObjectType({ description: "Best send times of a set of users as a heat map over the 168 hours of the week" })
export class SendTimeDistribution {
  @Field(() => Int, { description: "Users answered (the segment's current members, or every active user)" })
  users!: number;

  @Field(() => [String], { description: "The event names counted as activity (configuration)" })
  events!: string[];

  @Field(() => Float, {
    description: "α: pseudo-events of the shop's distribution added to each user's (configuration)",
  })
  priorStrength!: number;

  @Field(() => [SendTimeCell], { description: "All 168 hours of the week, Monday 00:00 first" })
  cells!: SendTimeCell[];
}

@ObjectType({
  description:
    "Best send times learnt from activity before a split, judged on each user's first activity event at or after it, against one shop-wide hour for everyone",
})
export class SendTimeEvaluation {
  @Field(() => DateTime, { description: "Activity before it trains; activity at or after it is held out" })
  split!: Date;

  @Field(() => Float, { description: "The α the predictions used" })
  priorStrength!: number;

  @Field(() => Int, {
    description: "Users with held-out activity (each judged once, by their first held-out event)",
  })
  users!: number;

  @Field(() => Float, {
    description:
      "Share (0–1) of them whose first held-out event fell in their predicted local hour of the week",
  })
  hitRate!: number;

  @Field(() => Int, {
    description: "The training activity's single best local hour of the week, for everyone",
  })
  baselineHourOfWeek!: number;

  @Field(() => Float, { description: "Share (0–1) whose first held-out event fell in `baselineHourOfWeek`" })
  baselineHitRate!: number;

  @Field(() => Float, {
    description:
      "Share (0–1) whose first held-out event fell in their predicted local hour of the day, whatever the day",
  })
  localHourHitRate!: number;

  @Field(() => Int, { description: "The training activity's single best local hour of the day (0–23)" })
  baselineLocalHour!: number;

  @Field(() => Float, { description: "Share (0–1) whose first held-out event fell in `baselineLocalHour`" })
  baselineLocalHourHitRate!: number;
}
