import { sql } from "drizzle-orm";
import { recordAudit } from "../audit/service";
import type { Database } from "../db/client";
import { badInput } from "../errors";
import { textArray } from "../semantic/arrays";
import {
  evaluation,
  insertPopularity,
  insertSegmentPopularity,
  insertSimilarities,
  insertUserRecommendedCategories,
  personalRecommendations,
  requestBasis,
  type SimilarityMeasure,
  type SimilaritySettings,
  similarProducts,
  storedIdsOf,
} from "../semantic/recommendations";
import { type Actor, validateUserIds } from "../tags/definition";

/** What a refresh computes with and a request excludes by; stored with every refresh. */
export interface RecommendationSettings extends SimilaritySettings {
  /** Consumable categories: their products may be recommended again this many days after a purchase. */
  repurchaseDays: Array<{ category: string; days: number }>;
}

export const DEFAULT_RECOMMENDATION_SETTINGS: RecommendationSettings = {
  purchaseWeight: 1,
  viewWeight: 0.3,
  measure: "COSINE",
  shrinkage: 5,
  neighbours: 20,
  lookbackDays: 180,
  repurchaseDays: [],
};

/** `first` of `recommendations`, `Product.similar` and `k` of an evaluation: 1 to this. */
export const MAX_RECOMMENDATIONS = 100;
const MAX_NEIGHBOURS = 200;
const MAX_LOOKBACK_DAYS = 3660;

export type RecommendationKind =
  | "SIMILAR_TO_PURCHASED"
  | "SIMILAR_TO_VIEWED"
  | "SIMILAR_TO_CONTEXT"
  | "POPULAR_IN_SEGMENT"
  | "POPULAR_IN_CATEGORY"
  | "POPULAR";

export interface ProductRecord {
  productId: string;
  name: string;
  category: string | null;
  brand: string | null;
  price: string | null;
}

export interface RecommendationRecord {
  product: ProductRecord;
  score: number;
  reason: { kind: RecommendationKind; segmentKey: string | null; because: ProductRecord[] };
}

export interface SimilarProductRecord {
  product: ProductRecord;
  rank: number;
  score: number;
  commonUsers: number;
}

export interface RecommendationRefresh {
  refreshedAt: Date;
  settings: RecommendationSettings;
  products: number;
  pairs: number;
  milliseconds: number;
}

export interface EvaluationFigures {
  users: number;
  precision: number;
  recall: number;
  hitRate: number;
  coverage: number;
}

export interface RecommendationEvaluation {
  split: Date;
  k: number;
  collaborative: EvaluationFigures;
  popularity: EvaluationFigures;
}

export interface RecommendationContext {
  productId?: string | null;
  category?: string | null;
}

function inRange(value: number, min: number, max: number, argument: string, whole = false): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw badInput(`${argument} must be ${whole ? "a whole number " : ""}from ${min} to ${max}`, {
      argument,
    });
  }
  if (whole && !Number.isInteger(value)) {
    throw badInput(`${argument} must be a whole number from ${min} to ${max}`, { argument });
  }
  return value;
}

/** The settings with `changes` applied, each checked; BAD_USER_INPUT names the first bad one. */
export function validateSettings(
  base: RecommendationSettings,
  changes: Partial<RecommendationSettings> = {},
): RecommendationSettings {
  const merged = { ...base, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v != null)) };
  const measures: SimilarityMeasure[] = ["COSINE", "JACCARD"];
  if (!measures.includes(merged.measure)) {
    throw badInput("settings.measure must be COSINE or JACCARD", { argument: "settings.measure" });
  }
  inRange(merged.purchaseWeight, 0, 1000, "settings.purchaseWeight");
  inRange(merged.viewWeight, 0, 1000, "settings.viewWeight");
  if (merged.purchaseWeight + merged.viewWeight <= 0) {
    throw badInput("settings.purchaseWeight and settings.viewWeight cannot both be 0", {
      argument: "settings.viewWeight",
    });
  }
  inRange(merged.shrinkage, 0, 10_000, "settings.shrinkage");
  inRange(merged.neighbours, 1, MAX_NEIGHBOURS, "settings.neighbours", true);
  inRange(merged.lookbackDays, 1, MAX_LOOKBACK_DAYS, "settings.lookbackDays", true);
  for (const entry of merged.repurchaseDays) {
    if (typeof entry.category !== "string" || entry.category === "") {
      throw badInput("settings.repurchaseDays needs a category", { argument: "settings.repurchaseDays" });
    }
    inRange(entry.days, 1, MAX_LOOKBACK_DAYS, "settings.repurchaseDays.days", true);
  }
  return {
    purchaseWeight: merged.purchaseWeight,
    viewWeight: merged.viewWeight,
    measure: merged.measure,
    shrinkage: merged.shrinkage,
    neighbours: merged.neighbours,
    lookbackDays: merged.lookbackDays,
    repurchaseDays: merged.repurchaseDays.map(({ category, days }) => ({ category, days })),
  };
}

function first(value: number, argument: string): number {
  return inRange(value, 1, MAX_RECOMMENDATIONS, argument, true);
}

type ProductRow = ProductRecord & Record<string, unknown>;
const productOf = (row: ProductRow): ProductRecord => ({
  productId: row.productId,
  name: row.name,
  category: row.category,
  brand: row.brand,
  price: row.price === null || row.price === undefined ? null : String(row.price),
});

/**
 * Item-to-item recommendations: the refresh materialises similarities, popularity and each
 * shopper's top recommended category (`product_similarities`, `product_popularity`,
 * `segment_product_popularity`, `user_recommended_categories`) in one transaction; a request reads them with the shopper's recent facts in one statement; an
 * evaluation trains and scores in one statement. All SQL comes from `src/semantic/recommendations.ts`.
 */
export class RecommendationService {
  constructor(private readonly db: Database) {}

  /** The newest refresh's settings, or the defaults before any refresh. */
  async settings(): Promise<RecommendationSettings> {
    return (await this.lastRefresh())?.settings ?? DEFAULT_RECOMMENDATION_SETTINGS;
  }

  async lastRefresh(): Promise<RecommendationRefresh | null> {
    const [row] = await this.db.query<{
      refreshed_at: Date;
      settings: RecommendationSettings;
      products: number;
      pairs: number;
      milliseconds: number;
    }>(sql`select refreshed_at, settings, products, pairs, milliseconds
      from recommendation_refreshes order by id desc limit 1`);
    if (!row) return null;
    return {
      refreshedAt: new Date(row.refreshed_at),
      settings: validateSettings(DEFAULT_RECOMMENDATION_SETTINGS, row.settings),
      products: row.products,
      pairs: row.pairs,
      milliseconds: row.milliseconds,
    };
  }

  /**
   * Replaces similarities and popularity, computed from the lookback window before `now`,
   * atomically (readers see the old tables until the commit). `changes` alter the newest
   * refresh's settings and are kept for the next refreshes.
   */
  async refresh(
    actor: Pick<Actor, "name" | "requestId">,
    changes: Partial<RecommendationSettings> = {},
    now: Date = new Date(),
  ): Promise<RecommendationRefresh> {
    const settings = validateSettings(await this.settings(), changes);
    const started = performance.now();
    return this.db.transaction(async (tx) => {
      // One refresh at a time: a second waits and then replaces the first one's rows.
      await tx.query(sql`select pg_advisory_xact_lock(hashtext('recommendations_refresh'))`);
      // JIT compiled the similarity and category statements for 4 of their 22 s on the 100k-user
      // bench shop (18 s without); both are a few large hash joins and sorts, read once.
      await tx.query(sql`set local jit = off`);
      await tx.query(sql`delete from product_similarities`);
      await tx.query(sql`delete from product_popularity`);
      await tx.query(sql`delete from segment_product_popularity`);
      await tx.query(sql`delete from user_recommended_categories`);
      await tx.query(insertSimilarities(now, settings));
      await tx.query(insertUserRecommendedCategories(now, settings, settings.repurchaseDays));
      await tx.query(insertPopularity(now, settings.lookbackDays));
      await tx.query(insertSegmentPopularity(now, settings.lookbackDays));
      const [counts] = await tx.query<{ products: number; pairs: number }>(sql`
        select count(distinct product_id)::int as products, count(*)::int as pairs from product_similarities`);
      const milliseconds = Math.round(performance.now() - started);
      const [row] = await tx.query<{ refreshed_at: Date }>(sql`
        insert into recommendation_refreshes (refreshed_at, refreshed_by, settings, products, pairs, milliseconds)
        values (${now.toISOString()}::timestamptz, ${actor.name}, ${JSON.stringify(settings)}::jsonb,
          ${counts.products}, ${counts.pairs}, ${milliseconds})
        returning refreshed_at`);
      const refresh = { refreshedAt: new Date(row.refreshed_at), settings, ...counts, milliseconds };
      await recordAudit(tx, {
        actor: actor.name,
        action: "refresh",
        entityType: "recommendations",
        entityKey: null,
        after: { ...refresh, refreshedAt: refresh.refreshedAt.toISOString() },
        requestId: actor.requestId,
      });
      return refresh;
    });
  }

  /** A shopper's top `count` products; an unknown user or context product is BAD_USER_INPUT. */
  async recommend(
    request: { userId: string | number; first: number; context?: RecommendationContext | null },
    now: Date = new Date(),
  ): Promise<RecommendationRecord[]> {
    const count = first(request.first, "first");
    const [requested] = validateUserIds([request.userId], "userId");
    const contextProductId = request.context?.productId ?? null;
    const category = request.context?.category ?? null;
    const [basis] = await this.db.query<{
      userId: number | null;
      settings: RecommendationSettings | null;
      contextFound: boolean;
    }>(requestBasis(requested, contextProductId));
    if (basis.userId === null) {
      throw badInput(`userId: no profile has id ${requested}`, { argument: "userId" });
    }
    if (!basis.contextFound) {
      throw badInput(`context.productId: no product has id "${contextProductId}"`, {
        argument: "context.productId",
      });
    }
    const survivor = basis.userId;
    const settings = basis.settings
      ? validateSettings(DEFAULT_RECOMMENDATION_SETTINGS, basis.settings)
      : DEFAULT_RECOMMENDATION_SETTINGS;
    const rows = await this.db.query<
      ProductRow & {
        score: number;
        kind: RecommendationKind;
        segmentKey: string | null;
        because: ProductRow[];
      }
    >(
      personalRecommendations({
        userId: survivor,
        storedIds: storedIdsOf(survivor),
        first: count,
        contextProductId,
        category,
        now,
        settings,
        repurchaseDays: settings.repurchaseDays,
      }),
    );
    return rows.map((row) => ({
      product: productOf(row),
      score: Number(row.score),
      reason: {
        kind: row.kind,
        segmentKey: row.segmentKey,
        because: (typeof row.because === "string" ? JSON.parse(row.because) : row.because).map(productOf),
      },
    }));
  }

  /** Products by id in one statement, in the order asked; null for an unknown id. */
  async products(productIds: readonly string[]): Promise<Array<ProductRecord | null>> {
    const rows = await this.db.query<ProductRow>(sql`
      select id as "productId", name, category, brand, price from products
      where id = any(${textArray(productIds)})`);
    const byId = new Map(rows.map((row) => [row.productId, productOf(row)]));
    return productIds.map((id) => byId.get(id) ?? null);
  }

  /** The `count` most similar products of each product, one statement for all of them. */
  async similarOf(productIds: readonly string[], count: number): Promise<SimilarProductRecord[][]> {
    first(count, "first");
    const rows = await this.db.query<
      ProductRow & { of: string; rank: number; score: number; commonUsers: number }
    >(similarProducts(productIds, count));
    const byProduct = new Map<string, SimilarProductRecord[]>();
    for (const row of rows) {
      const list = byProduct.get(row.of) ?? [];
      list.push({
        product: productOf(row),
        rank: row.rank,
        score: Number(row.score),
        commonUsers: row.commonUsers,
      });
      byProduct.set(row.of, list);
    }
    return productIds.map((id) => byProduct.get(id) ?? []);
  }

  /**
   * Trains on facts before `split` and scores on purchases from it, collaborative filtering
   * beside the popularity baseline (`evaluation` in `src/semantic/recommendations.ts`).
   */
  async evaluate(
    input: { split: Date; k: number; settings?: Partial<RecommendationSettings> | null },
    now: Date = new Date(),
  ): Promise<RecommendationEvaluation> {
    const k = first(input.k, "k");
    if (Number.isNaN(input.split.getTime()) || input.split.getTime() >= now.getTime()) {
      throw badInput("split must be a time in the past", { argument: "split" });
    }
    const settings = validateSettings(await this.settings(), input.settings ?? {});
    const rows = await this.db.analyticalQuery<
      EvaluationFigures & { method: string } & Record<string, unknown>
    >(evaluation({ split: input.split, k, settings }));
    const figures = (method: string): EvaluationFigures => {
      const row = rows.find((r) => r.method === method);
      return {
        users: row?.users ?? 0,
        precision: Number(row?.precision ?? 0),
        recall: Number(row?.recall ?? 0),
        hitRate: Number(row?.hitRate ?? 0),
        coverage: Number(row?.coverage ?? 0),
      };
    };
    return {
      split: input.split,
      k,
      collaborative: figures("collaborative"),
      popularity: figures("popularity"),
    };
  }
}

/** `Product.similar` batched: one statement per distinct `first` among a request's products. */
export function similarProductsLoader(service: RecommendationService) {
  return async (
    requests: readonly { productId: string; first: number }[],
  ): Promise<SimilarProductRecord[][]> => {
    const answers = new Map<string, SimilarProductRecord[]>();
    const firsts = [...new Set(requests.map((request) => request.first))];
    for (const count of firsts) {
      const ids = [...new Set(requests.filter((r) => r.first === count).map((r) => r.productId))];
      const lists = await service.similarOf(ids, count);
      for (const [index, id] of ids.entries()) answers.set(`${count}\u0000${id}`, lists[index]);
    }
    return requests.map((request) => answers.get(`${request.first}\u0000${request.productId}`) ?? []);
  };
}
