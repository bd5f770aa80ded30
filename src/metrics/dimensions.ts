import { type SQL, sql } from "drizzle-orm";
import type { FactKey, Labels } from "./types";

/**
 * Dimensions. A fact dimension is a column of the fact row (alias `f`): a row
 * of a slice counts each fact in that slice. A user dimension is an attribute of the
 * fact's (surviving) profile, alias `u`, read from its current traits. `rfm_segment` is the
 * user's RFM segment (S7) as of the end of the range. Membership dimensions take a key
 * (`hasTag(key)`, `tagValue(key)`, `inSegment(key)`) and read the current memberships.
 */
export type DimensionSource =
  /**
   * `eventProperties`: the event property keys the events expression reads (PII checks).
   * `rollup`: the column of the user-day rollups holding the value (for every fact it applies
   * to); without it, a query sliced or filtered by the dimension reads the raw facts.
   */
  | {
      kind: "FACT";
      expressions: Partial<Record<FactKey, SQL>>;
      eventProperties?: string[];
      rollup?: SQL;
    }
  /** `traits`: the trait keys the expression reads (PII checks). */
  | { kind: "USER"; expression: SQL; traits: string[] }
  | { kind: "RFM" }
  | { kind: "RISK_BAND" }
  | { kind: "HAS_TAG" }
  | { kind: "TAG_VALUE" }
  | { kind: "IN_SEGMENT" };

export interface DimensionDeclaration {
  /** snake_case key, used in the catalog, filters of the CSV export and view columns. */
  key: string;
  /** camelCase GraphQL field. */
  field: string;
  label: Labels;
  description: string;
  /** Membership dimensions are parametrised by a tag or segment key. */
  parametrised: boolean;
  type: "STRING" | "BOOLEAN";
  source: DimensionSource;
}

const conformed = (column: string): Partial<Record<FactKey, SQL>> => ({
  events: sql.raw(`f.${column}`),
  orders: sql.raw(`f.${column}`),
  items: sql.raw(`f.${column}`),
});

const trait = (name: string) => sql.raw(`u.traits ->> '${name}'`);
const traitSource = (name: string): DimensionSource => ({
  kind: "USER",
  expression: trait(name),
  traits: [name],
});

/** Age from the `age` trait, else from `birth_year`; text that is not a number is ignored. */
const age = sql`(case when u.traits ->> 'age' ~ '^[0-9]{1,3}$' then (u.traits ->> 'age')::int
  when u.traits ->> 'birth_year' ~ '^[0-9]{4}$'
  then extract(year from current_date)::int - (u.traits ->> 'birth_year')::int end)`;

const ageBand = sql`(case when ${age} is null then null when ${age} < 18 then 'under_18'
  when ${age} < 25 then '18-24' when ${age} < 35 then '25-34' when ${age} < 45 then '35-44'
  when ${age} < 55 then '45-54' else '55+' end)`;

const declare = (
  key: string,
  field: string,
  label: Labels,
  description: string,
  source: DimensionSource,
  type: "STRING" | "BOOLEAN" = "STRING",
): DimensionDeclaration => ({
  key,
  field,
  label,
  description,
  parametrised: source.kind === "HAS_TAG" || source.kind === "TAG_VALUE" || source.kind === "IN_SEGMENT",
  type,
  source,
});

export const DIMENSIONS: readonly DimensionDeclaration[] = [
  declare(
    "channel",
    "channel",
    { en: "Channel", zh: "渠道" },
    "Channel of the event or order (app, web, mini_program …)",
    {
      kind: "FACT",
      expressions: conformed("channel"),
      rollup: sql.raw("f.channel"),
    },
  ),
  declare("platform", "platform", { en: "Platform", zh: "平台" }, "Platform of the event or order", {
    kind: "FACT",
    expressions: conformed("platform"),
    rollup: sql.raw("f.platform"),
  }),
  declare(
    "utm_source",
    "utmSource",
    { en: "UTM source", zh: "UTM 来源" },
    "utm_source of the event or order",
    {
      kind: "FACT",
      expressions: conformed("utm_source"),
      rollup: sql.raw("f.utm_source"),
    },
  ),
  declare(
    "utm_campaign",
    "utmCampaign",
    { en: "UTM campaign", zh: "UTM 活动" },
    "utm_campaign of the event or order",
    { kind: "FACT", expressions: conformed("utm_campaign"), rollup: sql.raw("f.utm_campaign") },
  ),
  declare(
    "campaign",
    "campaign",
    { en: "Campaign", zh: "营销活动" },
    "The campaign of the event (its `campaign` property, as campaign touches send it) or the campaign the order is attributed to (`campaignId`)",
    {
      kind: "FACT",
      expressions: { events: sql.raw("(f.properties ->> 'campaign')"), orders: sql.raw("f.campaign_id") },
      eventProperties: ["campaign"],
      rollup: sql.raw("f.campaign"),
    },
  ),
  declare("city", "city", { en: "City", zh: "城市" }, "The profile's `city` trait", traitSource("city")),
  declare(
    "region",
    "region",
    { en: "Region", zh: "地区" },
    "The profile's `region` trait",
    traitSource("region"),
  ),
  declare(
    "gender",
    "gender",
    { en: "Gender", zh: "性别" },
    "The profile's `gender` trait",
    traitSource("gender"),
  ),
  declare(
    "age_band",
    "ageBand",
    { en: "Age band", zh: "年龄段" },
    "under_18, 18-24, 25-34, 35-44, 45-54, 55+ from the `age` (or `birth_year`) trait",
    { kind: "USER", expression: ageBand, traits: ["age", "birth_year"] },
  ),
  declare(
    "signup_channel",
    "signupChannel",
    { en: "Signup channel", zh: "注册渠道" },
    "The profile's `signup_channel` trait",
    traitSource("signup_channel"),
  ),
  declare(
    "category",
    "category",
    { en: "Category", zh: "品类" },
    "Product category: of the item, or the `category` property of a product event",
    {
      kind: "FACT",
      expressions: { items: sql.raw("f.category"), events: sql.raw("(f.properties ->> 'category')") },
      eventProperties: ["category"],
    },
  ),
  declare("brand", "brand", { en: "Brand", zh: "品牌" }, "Brand of the item's product", {
    kind: "FACT",
    expressions: { items: sql.raw("f.brand") },
  }),
  declare(
    "product",
    "product",
    { en: "Product", zh: "商品" },
    "Product id: of the item, or the `product_id` property of a product event",
    {
      kind: "FACT",
      expressions: { items: sql.raw("f.product_id"), events: sql.raw("(f.properties ->> 'product_id')") },
      eventProperties: ["product_id"],
    },
  ),
  declare(
    "rfm_segment",
    "rfmSegment",
    { en: "RFM segment", zh: "RFM 分层" },
    "The profile's RFM segment (default lookback) as of the end of the range; null without orders in the lookback",
    { kind: "RFM" },
  ),
  declare(
    "risk_band",
    "riskBand",
    { en: "Churn risk band", zh: "流失风险等级" },
    "The customer's churn-risk band (`low`, `medium`, `high`) under the most recently fitted purchase model, as last scored; null for customers it has not scored",
    { kind: "RISK_BAND" },
  ),
  declare(
    "has_tag",
    "hasTag",
    { en: "Has tag", zh: "拥有标签" },
    "Whether the profile currently has the tag `key` (split a metric by members and non-members)",
    { kind: "HAS_TAG" },
    "BOOLEAN",
  ),
  declare(
    "tag_value",
    "tagValue",
    { en: "Tag value", zh: "标签值" },
    "The profile's current value of the value tag `key` (null for non-members)",
    { kind: "TAG_VALUE" },
  ),
  declare(
    "in_segment",
    "inSegment",
    { en: "In segment", zh: "属于分群" },
    "Whether the profile is currently a member of the segment `key`",
    { kind: "IN_SEGMENT" },
    "BOOLEAN",
  ),
];

export const DIMENSIONS_BY_KEY: ReadonlyMap<string, DimensionDeclaration> = new Map(
  DIMENSIONS.map((dimension) => [dimension.key, dimension]),
);

/** The trait and event property keys a dimension reads, so a PII check can refuse it. */
export function dimensionReads(dimension: DimensionDeclaration): {
  traits: string[];
  eventProperties: string[];
} {
  const source = dimension.source;
  return {
    traits: source.kind === "USER" ? source.traits : [],
    eventProperties: source.kind === "FACT" ? (source.eventProperties ?? []) : [],
  };
}

/** Whether a dimension can slice rows of a fact. */
export function dimensionAppliesTo(dimension: DimensionDeclaration, fact: FactKey): boolean {
  return dimension.source.kind !== "FACT" || dimension.source.expressions[fact] !== undefined;
}
