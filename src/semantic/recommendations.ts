import { type SQL, sql } from "drizzle-orm";
import { textArray } from "./arrays";
import { countedItems, mergeSurvivor, resolvedEvents } from "./facts";

/**
 * Item-to-item collaborative filtering, set-based. A shopper's interaction weight with a
 * product is w(u, i) = purchaseWeight × [u bought i] + viewWeight × [u viewed i] over the
 * lookback window (counted orders and `product_view` events, merged profiles resolved through
 * `facts.ts`). Two products' similarity is computed over the shoppers of both:
 *
 * - COSINE: Σ w(u,i)·w(u,j) / √(Σ w(u,i)² · Σ w(u,j)²)
 * - JACCARD (weighted): Σ min(w(u,i), w(u,j)) / Σ max(w(u,i), w(u,j)), where
 *   Σ max = Σ w(u,i) + Σ w(u,j) − Σ min (shoppers of only one product add their weight)
 *
 * each times the shrinkage n / (n + λ), n the shoppers of both: a pair seen by two shoppers
 * must not outrank one seen by two hundred (Koren 2008). A personal score is
 * Σ over the shopper's recent products s of w(u, s) × similarity(s, candidate).
 */

export type SimilarityMeasure = "COSINE" | "JACCARD";

export interface SimilaritySettings {
  purchaseWeight: number;
  viewWeight: number;
  measure: SimilarityMeasure;
  /** λ of the shrinkage n / (n + λ). */
  shrinkage: number;
  /** Similar products kept per product. */
  neighbours: number;
  /** Days of facts before the refresh (or the evaluation's split) that similarities and popularity read. */
  lookbackDays: number;
}

/** Each shopper's most recent products that enter the similarity join: bounds its cost per shopper (n² pairs). */
export const ITEMS_PER_SHOPPER = 50;
/** The recent products of a shopper a personal score reads. */
export const PROFILE_ITEMS = 20;
/** Products kept per segment in `segment_product_popularity`. */
export const SEGMENT_POPULAR_PRODUCTS = 100;

const DAY_MS = 86_400_000;
const timestamp = (at: Date) => sql`${at.toISOString()}::timestamptz`;

/**
 * (user_id, product_id, w, bought, last_at) of every shopper's products in [from, to), each
 * shopper's `ITEMS_PER_SHOPPER` most recent only; only products of the catalog, only w > 0.
 */
export function interactionWeights(from: Date, to: Date, settings: SimilaritySettings): SQL {
  return sql`(
    select user_id, product_id, w, bought, last_at from (
      select user_id, product_id, w, bought, last_at,
        row_number() over (partition by user_id order by last_at desc, product_id) as recency
      from (
        select f.user_id, f.product_id,
          ${settings.purchaseWeight}::float8 * max(f.bought) + ${settings.viewWeight}::float8 * max(f.viewed) as w,
          max(f.bought) as bought, max(f.at) as last_at
        from (
          select i.user_id, i.product_id, 1 as bought, 0 as viewed, i.placed_at as at
          from ${countedItems} i
          where i.placed_at >= ${timestamp(from)} and i.placed_at < ${timestamp(to)}
          union all
          select e.user_id, e.properties ->> 'product_id', 0, 1, e.ts
          from ${resolvedEvents} e
          where e.name = 'product_view' and e.ts >= ${timestamp(from)} and e.ts < ${timestamp(to)}
            and e.properties ? 'product_id'
        ) f
        join products p on p.id = f.product_id
        group by f.user_id, f.product_id
      ) weighted
      where w > 0
    ) recent
    where recency <= ${ITEMS_PER_SHOPPER}
  )`;
}

/**
 * CTEs (to follow `with weights as (…)`) ending in `neighbours`: (product_id, rank,
 * similar_product_id, score, common_users), each product's `neighbours` most similar.
 * Pairs are aggregated once (a < b) and then turned both ways.
 */
export function similarityCtes(settings: SimilaritySettings): SQL {
  const measure =
    settings.measure === "COSINE"
      ? sql`p.dot / sqrt(na.squares * nb.squares)`
      : sql`p.overlap / (na.total + nb.total - p.overlap)`;
  return sql`
    norms as (select product_id, sum(w * w) as squares, sum(w) as total from weights group by product_id),
    pairs as (
      select a.product_id as a_id, b.product_id as b_id, sum(a.w * b.w) as dot,
        sum(least(a.w, b.w)) as overlap, count(*)::int as common
      from weights a join weights b on b.user_id = a.user_id and b.product_id > a.product_id
      group by a.product_id, b.product_id),
    scored as (
      select p.a_id, p.b_id, p.common, ${measure} * p.common / (p.common + ${settings.shrinkage}::float8) as score
      from pairs p join norms na on na.product_id = p.a_id join norms nb on nb.product_id = p.b_id),
    directed as (
      select a_id as product_id, b_id as similar_product_id, score, common from scored
      union all
      select b_id, a_id, score, common from scored),
    neighbours as (
      select product_id, rank::int as rank, similar_product_id, score, common as common_users from (
        select *, row_number() over (
          partition by product_id order by score desc, similar_product_id collate "C") as rank
        from directed where score > 0
      ) ranked
      where rank <= ${settings.neighbours})`;
}

/** The refresh's insert of `product_similarities` from the facts in [asOf − lookback, asOf). */
export function insertSimilarities(asOf: Date, settings: SimilaritySettings): SQL {
  const from = new Date(asOf.getTime() - settings.lookbackDays * DAY_MS);
  return sql`
    insert into product_similarities (product_id, rank, similar_product_id, score, common_users)
    with weights as materialized ${interactionWeights(from, asOf, settings)},
    ${similarityCtes(settings)}
    select product_id, rank, similar_product_id, score, common_users from neighbours`;
}

/** (product_id, category, buyers, share) of counted-order buyers in [from, to). */
function popularity(from: Date, to: Date): SQL {
  return sql`(
    select i.product_id, max(i.category) as category, count(distinct i.user_id)::int as buyers,
      count(distinct i.user_id)::float8 / nullif((
        select count(distinct b.user_id) from ${countedItems} b
        where b.placed_at >= ${timestamp(from)} and b.placed_at < ${timestamp(to)}), 0) as share
    from ${countedItems} i
    join products p on p.id = i.product_id
    where i.placed_at >= ${timestamp(from)} and i.placed_at < ${timestamp(to)}
    group by i.product_id
  )`;
}

export function insertPopularity(asOf: Date, lookbackDays: number): SQL {
  const from = new Date(asOf.getTime() - lookbackDays * DAY_MS);
  return sql`
    insert into product_popularity (product_id, category, buyers, share)
    select product_id, category, buyers, share from ${popularity(from, asOf)} p`;
}

/** Each segment's `SEGMENT_POPULAR_PRODUCTS` most bought products among its current members. */
export function insertSegmentPopularity(asOf: Date, lookbackDays: number): SQL {
  const from = new Date(asOf.getTime() - lookbackDays * DAY_MS);
  return sql`
    insert into segment_product_popularity (segment_key, rank, product_id, buyers, share)
    select segment_key, rank, product_id, buyers, share from (
      select b.segment_key, b.product_id, b.buyers, b.buyers::float8 / s.members as share,
        row_number() over (partition by b.segment_key order by b.buyers desc, b.product_id collate "C")::int as rank
      from (
        select sm.segment_key, i.product_id, count(distinct i.user_id)::int as buyers
        from ${countedItems} i
        join products p on p.id = i.product_id
        join segment_members sm on sm.user_id = i.user_id
        where i.placed_at >= ${timestamp(from)} and i.placed_at < ${timestamp(asOf)}
        group by sm.segment_key, i.product_id
      ) b
      join (select segment_key, count(*) as members from segment_members group by segment_key) s
        on s.segment_key = b.segment_key
    ) ranked
    where rank <= ${SEGMENT_POPULAR_PRODUCTS}`;
}

export interface RecommendationRequest {
  /** The surviving profile. */
  userId: number;
  /** Every stored id whose facts are this profile's: the survivor and the profiles merged into it. */
  storedIds: SQL;
  first: number;
  contextProductId: string | null;
  category: string | null;
  now: Date;
  settings: SimilaritySettings;
  /** Categories whose products may be recommended again this many days after they were bought. */
  repurchaseDays: ReadonlyArray<{ category: string; days: number }>;
}

/**
 * What a request needs before it can compile its statement, in one statement: the requested
 * profile's survivor (null when unknown or itself merged away without a survivor), the newest
 * refresh's settings (null before any) and whether the context product exists.
 */
export function requestBasis(requestedId: number, contextProductId: string | null): SQL {
  const requested = mergeSurvivor(sql`r.id`);
  return sql`
    select u.id as "userId",
      (select settings from recommendation_refreshes order by id desc limit 1) as settings,
      ${contextProductId === null ? sql`true` : sql`exists (select 1 from products where id = ${contextProductId})`} as "contextFound"
    from (select ${requestedId}::bigint as id) r
    ${requested.join}
    left join users u on u.id = ${requested.id} and u.merged_into is null`;
}

/** The stored ids whose facts belong to the surviving profile `survivor` (itself and the profiles merged into it). */
export function storedIdsOf(survivor: number): SQL {
  return sql`(select ${survivor}::bigint as id union all select loser_id from user_merges where survivor_id = ${survivor})`;
}

/**
 * One statement: a shopper's top `first` products. Tier 0: collaborative filtering from the
 * shopper's `PROFILE_ITEMS` most recent products in the lookback window (and the context
 * product, weighted as a product both viewed and bought); tier 1: the most bought products
 * of the shopper's segments; tier 2: global popularity (within the category when one is
 * given). Excludes what the shopper bought (ever, or within the category's repurchase window)
 * and the context product. Rows: product columns, score, kind, segment_key, because (json).
 */
export function personalRecommendations(request: RecommendationRequest): SQL {
  const { settings } = request;
  const since = timestamp(new Date(request.now.getTime() - settings.lookbackDays * DAY_MS));
  const categories = textArray(request.repurchaseDays.map((r) => r.category));
  const days = sql`${`{${request.repurchaseDays.map((r) => Math.trunc(r.days)).join(",")}}`}::int[]`;
  const context = request.contextProductId;
  const category = request.category;
  const inCategory = (product: SQL) =>
    category === null ? sql`true` : sql`${product}.category = ${category}`;
  return sql`
    with ids as materialized ${request.storedIds},
    profile_facts as (
      select i.product_id, 1 as bought, 0 as viewed, o.placed_at as at
      from order_items i join orders o on o.order_id = i.order_id and o.user_id = i.user_id and o.counted
      where o.user_id in (select id from ids) and o.placed_at >= ${since}
      union all
      select e.properties ->> 'product_id', 0, 1, e.ts
      from events e
      where e.user_id in (select id from ids) and e.name = 'product_view' and e.ts >= ${since}
        and e.properties ? 'product_id'
    ),
    profile as (
      select product_id,
        ${settings.purchaseWeight}::float8 * max(bought) + ${settings.viewWeight}::float8 * max(viewed) as w,
        max(bought) as bought
      from profile_facts group by product_id
      order by max(at) desc, product_id limit ${PROFILE_ITEMS}
    ),
    sources as (
      select product_id, w, case when bought = 1 then 'SIMILAR_TO_PURCHASED' else 'SIMILAR_TO_VIEWED' end as kind
      from profile where w > 0
      union all
      select ${context}::text, ${settings.purchaseWeight + settings.viewWeight}::float8, 'SIMILAR_TO_CONTEXT'
      where ${context}::text is not null
    ),
    excluded as (
      select b.product_id from (
        select i.product_id, max(o.placed_at) as last_bought
        from order_items i join orders o on o.order_id = i.order_id and o.user_id = i.user_id and o.counted
        where o.user_id in (select id from ids)
        group by i.product_id
      ) b
      left join products p on p.id = b.product_id
      left join unnest(${categories}, ${days}) as r(category, days) on r.category = p.category
      where r.days is null or b.last_bought > ${timestamp(request.now)} - r.days * interval '1 day'
      union all
      select ${context}::text where ${context}::text is not null
    ),
    collaborative as (
      select s.similar_product_id as product_id, sum(src.w * s.score) as score,
        (array_agg(src.kind order by src.w * s.score desc, src.product_id collate "C"))[1] as kind,
        (array_agg(src.product_id order by src.w * s.score desc, src.product_id collate "C"))[1:3] as because
      from sources src
      join product_similarities s on s.product_id = src.product_id
      join products p on p.id = s.similar_product_id
      where ${inCategory(sql`p`)}
        and not exists (select 1 from excluded x where x.product_id = s.similar_product_id)
      group by s.similar_product_id
      order by score desc, s.similar_product_id collate "C" limit ${request.first}
    ),
    segment_popular as (
      select product_id, share as score, segment_key from (
        select distinct on (sp.product_id) sp.product_id, sp.share, sp.segment_key
        from segment_members sm
        join segment_product_popularity sp on sp.segment_key = sm.segment_key
        join products p on p.id = sp.product_id
        where sm.user_id = ${request.userId}::bigint and ${inCategory(sql`p`)}
          and not exists (select 1 from excluded x where x.product_id = sp.product_id)
        order by sp.product_id, sp.share desc, sp.segment_key collate "C"
      ) best
      order by score desc, product_id collate "C" limit ${request.first}
    ),
    popular as (
      select pp.product_id, pp.share as score from product_popularity pp
      where ${inCategory(sql`pp`)}
        and not exists (select 1 from excluded x where x.product_id = pp.product_id)
      order by pp.share desc, pp.product_id collate "C" limit ${request.first}
    ),
    candidates as (
      select product_id, score, kind, null::text as segment_key, because, 0 as tier from collaborative
      union all
      select product_id, score, 'POPULAR_IN_SEGMENT', segment_key, null::text[], 1 from segment_popular
      union all
      select product_id, score, ${category === null ? "POPULAR" : "POPULAR_IN_CATEGORY"}::text, null, null::text[], 2
      from popular
    ),
    picked as (
      select *, row_number() over (partition by product_id order by tier) as pick from candidates
    )
    select c.product_id as "productId", p.name, p.category, p.brand, p.price, c.score, c.kind,
      c.segment_key as "segmentKey",
      coalesce((
        select json_agg(json_build_object('productId', bp.id, 'name', bp.name, 'category', bp.category,
          'brand', bp.brand, 'price', bp.price) order by u.ord)
        from unnest(c.because) with ordinality as u(id, ord) join products bp on bp.id = u.id
      ), '[]'::json) as because
    from picked c join products p on p.id = c.product_id
    where c.pick = 1
    order by c.tier, c.score desc, c.product_id collate "C"
    limit ${request.first}`;
}

/** Each product's `first` most similar products: (of, rank, score, common_users, product columns). */
export function similarProducts(productIds: readonly string[], first: number): SQL {
  return sql`
    select s.product_id as "of", s.rank, s.score, s.common_users as "commonUsers",
      p.id as "productId", p.name, p.category, p.brand, p.price
    from product_similarities s join products p on p.id = s.similar_product_id
    where s.product_id = any(${textArray(productIds)}) and s.rank <= ${first}
    order by s.product_id, s.rank`;
}

export interface EvaluationQuery {
  split: Date;
  k: number;
  settings: SimilaritySettings;
}

/**
 * Offline evaluation in one statement. Training: facts in [split − lookback, split)
 * (similarities, popularity and each shopper's profile as a refresh at `split` would
 * compute them). Test: the products each shopper bought at or after `split` that they had
 * not bought before it (what a recommender excluding purchases could have hit). Evaluated:
 * shoppers with such a purchase and with a training profile. Two methods, each k products per
 * shopper, never one bought before the split: `collaborative` (tier 0 scores, filled with
 * global popularity) and `popularity` (the k most bought of the window). Rows per method:
 * users, precision@k (mean hits / k), recall@k (mean hits / relevant), hit rate (share of
 * shoppers with a hit) and coverage (distinct recommended products / catalog products).
 */
export function evaluation(query: EvaluationQuery): SQL {
  const { split, k, settings } = query;
  const from = new Date(split.getTime() - settings.lookbackDays * DAY_MS);
  return sql`
    with weights as materialized ${interactionWeights(from, split, settings)},
    ${similarityCtes(settings)},
    similar_rows as materialized (select * from neighbours),
    bought_before as materialized (
      select distinct user_id, product_id from ${countedItems} i where i.placed_at < ${timestamp(split)}),
    relevant as materialized (
      select distinct t.user_id, t.product_id from ${countedItems} t
      where t.placed_at >= ${timestamp(split)}
        and exists (select 1 from products p where p.id = t.product_id)
        and not exists (select 1 from bought_before b where b.user_id = t.user_id and b.product_id = t.product_id)
        and exists (select 1 from weights w where w.user_id = t.user_id)),
    evaluated as materialized (select distinct user_id from relevant),
    profile as (
      select user_id, product_id, w from (
        select w.*, row_number() over (partition by w.user_id order by w.last_at desc, w.product_id) as recency
        from weights w where w.user_id in (select user_id from evaluated)
      ) r where recency <= ${PROFILE_ITEMS}),
    popular as materialized (
      select product_id, row_number() over (order by buyers desc, product_id collate "C") as rank
      from ${popularity(from, split)} p),
    popular_top as (
      select u.user_id, top.product_id, top.rank
      from evaluated u
      cross join lateral (
        select p.product_id, p.rank from popular p
        where not exists (select 1 from bought_before b where b.user_id = u.user_id and b.product_id = p.product_id)
        order by p.rank limit ${k}
      ) top),
    collaborative_scores as (
      select pr.user_id, s.similar_product_id as product_id, sum(pr.w * s.score) as score
      from profile pr join similar_rows s on s.product_id = pr.product_id
      where not exists (
        select 1 from bought_before b where b.user_id = pr.user_id and b.product_id = s.similar_product_id)
      group by pr.user_id, s.similar_product_id),
    collaborative_candidates as (
      select user_id, product_id, 0 as tier, score, 0::bigint as rank from collaborative_scores
      union all
      select user_id, product_id, 1, 0, rank from popular_top),
    collaborative_top as (
      select user_id, product_id from (
        select user_id, product_id, row_number() over (
          partition by user_id order by tier, score desc, rank, product_id collate "C") as position
        from (
          select distinct on (user_id, product_id) * from collaborative_candidates
          order by user_id, product_id, tier
        ) deduplicated
      ) ordered where position <= ${k}),
    recommended as (
      select 'collaborative' as method, user_id, product_id from collaborative_top
      union all
      select 'popularity', user_id, product_id from popular_top),
    hits as (
      select rec.method, rec.user_id, count(*) as hits
      from recommended rec join relevant r on r.user_id = rec.user_id and r.product_id = rec.product_id
      group by rec.method, rec.user_id),
    relevant_counts as (select user_id, count(*) as relevant from relevant group by user_id),
    methods as (select * from (values ('collaborative'), ('popularity')) as m(method)),
    per_user as (
      select m.method, u.user_id, coalesce(h.hits, 0) as hits, u.relevant
      from relevant_counts u cross join methods m
      left join hits h on h.method = m.method and h.user_id = u.user_id)
    select m.method, count(pu.user_id)::int as users,
      coalesce(avg(pu.hits::float8 / ${k}), 0)::float8 as precision,
      coalesce(avg(pu.hits::float8 / pu.relevant), 0)::float8 as recall,
      coalesce(avg(case when pu.hits > 0 then 1.0 else 0.0 end), 0)::float8 as "hitRate",
      coalesce((select count(distinct rec.product_id) from recommended rec where rec.method = m.method)::float8
        / nullif((select count(*) from products), 0), 0) as coverage
    from methods m left join per_user pu on pu.method = m.method
    group by m.method
    order by m.method`;
}

/**
 * The refresh's insert of `user_recommended_categories`: for every shopper with a candidate as
 * of `asOf`, the category whose products sum the highest collaborative score (Σ w × similarity
 * over the shopper's `PROFILE_ITEMS` most recent products of the lookback window, as a request
 * scores them, with the same exclusions), ties by category in "C" collation. Reads the
 * `product_similarities` the same refresh has just written. Computed as Σ_s w(u,s) × (Σ of s's
 * neighbours' similarities per category) minus what the excluded neighbours contributed, so
 * the join grows with shoppers × categories rather than shoppers × neighbours. What the rule term
 * `recommendations.top_category` (a VALUE tag's value) reads.
 */
export function insertUserRecommendedCategories(
  asOf: Date,
  settings: SimilaritySettings,
  repurchaseDays: ReadonlyArray<{ category: string; days: number }>,
): SQL {
  const from = new Date(asOf.getTime() - settings.lookbackDays * DAY_MS);
  const categories = textArray(repurchaseDays.map((r) => r.category));
  const days = sql`${`{${repurchaseDays.map((r) => Math.trunc(r.days)).join(",")}}`}::int[]`;
  return sql`
    insert into user_recommended_categories (user_id, category)
    with profile as materialized (
      select user_id, product_id, w from (
        select weights.*, row_number() over (
          partition by weights.user_id order by weights.last_at desc, weights.product_id) as recency
        from ${interactionWeights(from, asOf, settings)} weights
      ) recent
      where recency <= ${PROFILE_ITEMS}),
    excluded as materialized (
      select b.user_id, b.product_id from (
        select i.user_id, i.product_id, max(i.placed_at) as last_bought from ${countedItems} i
        where i.placed_at < ${timestamp(asOf)} group by i.user_id, i.product_id
      ) b
      left join products p on p.id = b.product_id
      left join unnest(${categories}, ${days}) as r(category, days) on r.category = p.category
      where r.days is null or b.last_bought > ${timestamp(asOf)} - r.days * interval '1 day'),
    neighbour_categories as (
      select s.product_id, p.category, sum(s.score) as score
      from product_similarities s join products p on p.id = s.similar_product_id and p.category is not null
      group by s.product_id, p.category),
    gross as (
      select pr.user_id, nc.category, sum(pr.w * nc.score) as score
      from profile pr join neighbour_categories nc on nc.product_id = pr.product_id
      group by pr.user_id, nc.category),
    excluded_share as (
      select x.user_id, p.category, sum(pr.w * s.score) as score
      from excluded x
      join products p on p.id = x.product_id and p.category is not null
      join product_similarities s on s.similar_product_id = x.product_id
      join profile pr on pr.user_id = x.user_id and pr.product_id = s.product_id
      group by x.user_id, p.category),
    scores as (
      select g.user_id, g.category, g.score - coalesce(e.score, 0) as score
      from gross g left join excluded_share e on e.user_id = g.user_id and e.category = g.category
      -- a category whose every candidate is excluded nets 0 (up to rounding): no candidate
      where g.score - coalesce(e.score, 0) > 1e-9)
    select distinct on (user_id) user_id, category from scores
    order by user_id, score desc, category collate "C"`;
}
