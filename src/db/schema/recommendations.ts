import {
  bigint,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Each product's most similar products (item-to-item collaborative filtering over co-purchase
 * and co-view), `rank` 1 the most similar. Replaced whole, in one transaction, by every
 * recommendations refresh; keyed by (product, rank) so a product's top N is one index range.
 */
export const productSimilarities = pgTable(
  "product_similarities",
  {
    productId: text("product_id").notNull(),
    rank: integer("rank").notNull(),
    similarProductId: text("similar_product_id").notNull(),
    score: doublePrecision("score").notNull(),
    /** Shoppers who interacted with both products in the refresh's lookback window. */
    commonUsers: integer("common_users").notNull(),
  },
  (t) => [primaryKey({ columns: [t.productId, t.rank] })],
);

/** Distinct counted-order buyers of each product in the refresh's lookback window (the global fallback). */
export const productPopularity = pgTable(
  "product_popularity",
  {
    productId: text("product_id").primaryKey(),
    category: text("category"),
    buyers: integer("buyers").notNull(),
    /** buyers / all buyers of the window. */
    share: doublePrecision("share").notNull(),
  },
  (t) => [index("product_popularity_category_idx").on(t.category, t.share)],
);

/** The most bought products among each segment's current members (the fallback for a segment's new shoppers). */
export const segmentProductPopularity = pgTable(
  "segment_product_popularity",
  {
    segmentKey: text("segment_key").notNull(),
    rank: integer("rank").notNull(),
    productId: text("product_id").notNull(),
    buyers: integer("buyers").notNull(),
    /** buyers / the segment's members. */
    share: doublePrecision("share").notNull(),
  },
  (t) => [primaryKey({ columns: [t.segmentKey, t.rank] })],
);

/**
 * Every recommendations refresh: the settings it used and what it wrote. The newest row's
 * settings are the ones requests and the next refresh without settings use.
 */
export const recommendationRefreshes = pgTable("recommendation_refreshes", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
  refreshedAt: tstz("refreshed_at").notNull().defaultNow(),
  refreshedBy: text("refreshed_by").notNull(),
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull(),
  products: integer("products").notNull(),
  pairs: integer("pairs").notNull(),
  milliseconds: integer("milliseconds").notNull(),
});

/**
 * Each shopper's top recommended category as of the last recommendations refresh (what the rule
 * term `recommendations.top_category` reads); rewritten whole by every refresh; keyed by
 * `user_id` first like the membership tables.
 */
export const userRecommendedCategories = pgTable("user_recommended_categories", {
  userId: bigint("user_id", { mode: "number" }).primaryKey(),
  category: text("category").notNull(),
});
