import type { Database } from "../db/client";
import { refreshDefinitions } from "../rules/materialise";
import type { SegmentService } from "../segments/service";
import type { SendTimeModel } from "../semantic/send-time";
import type { CreateTagInput, TagService } from "../tags/service";

/**
 * The audiences a growth team would define first, so the demo shows tags, segments and
 * membership dimensions out of the box. They are ordinary definitions, written through
 * the same services as `createTag` / `createSegment`.
 */
export const DEMO_TAGS: CreateTagInput[] = [
  {
    key: "vip",
    name: "VIP: spent 2,000 or more in a year",
    category: "TIER",
    kind: "RULE",
    rule: "sum(orders.total within 365d) >= 2000",
  },
  {
    key: "repeat_buyer",
    name: "Repeat buyer",
    category: "TRANSACTION",
    kind: "RULE",
    rule: "count(orders) >= 2",
  },
  {
    key: "cart_abandoner",
    name: "Abandoned a cart this week",
    category: "BEHAVIOR",
    kind: "RULE",
    rule: 'exists(event("add_to_cart") within 7d) and not exists(orders within 7d)',
  },
  {
    key: "skimmer",
    name: "Skims product pages (under 15 s)",
    category: "BEHAVIOR",
    kind: "RULE",
    rule: 'avg(event("product_view").dwell_ms within 30d) < 15000',
  },
  {
    key: "spend_365d",
    name: "Spend in the last year",
    category: "TIER",
    kind: "VALUE",
    rule: "sum(orders.total within 365d)",
  },
  {
    key: "favourite_category",
    name: "Most viewed category",
    category: "INTEREST",
    kind: "VALUE",
    rule: 'most_frequent(event("product_view").category within 90d)',
  },
];

export const DEMO_SEGMENTS = [
  {
    key: "new_no_order",
    name: "Registered within 7 days, no order",
    rule: "user.first_seen within 7d and count(orders) = 0",
  },
  {
    key: "slipping_repeaters",
    name: "Repeat buyers quiet for 30 days",
    rule: "days_since(last(orders.placed_at)) > 30 and count(orders) >= 2",
  },
  {
    key: "lapsed_buyers",
    name: "Bought before, nothing in the last 14 days",
    rule: "count(orders) >= 1 and days_since(last(orders.placed_at)) > 14",
  },
  {
    key: "rising_repeaters",
    name: "Two or more orders in 90 days, not VIP yet",
    rule: 'count(orders within 90d) >= 2 and not has_tag("vip")',
  },
  {
    key: "champions",
    name: "RFM champions and loyal customers",
    rule: 'rfm.segment in ("champions", "loyal_customers")',
  },
];

/**
 * Creates the demo definitions that do not exist yet, then refreshes every tag and segment in
 * one pass over the facts (not one per definition created). Seeding into a database that has
 * them already keeps them as they are (an operator may have edited them) and refreshes them,
 * so members match the data just seeded.
 */
export async function createDemoDefinitions(services: {
  db: Database;
  sendTime: { model: SendTimeModel };
  tags: TagService;
  segments: SegmentService;
}): Promise<void> {
  const actor = { name: "demo" };
  for (const tag of DEMO_TAGS)
    if (!(await services.tags.get(tag.key))) await services.tags.create(tag, actor, { refresh: false });
  for (const segment of DEMO_SEGMENTS)
    if (!(await services.segments.get(segment.key)))
      await services.segments.create(segment, actor, { refresh: false });
  await refreshDefinitions(services.db, {}, new Date(), services.sendTime.model);
}
