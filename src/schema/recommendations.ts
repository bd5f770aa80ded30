import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import type {
  EvaluationFigures as EvaluationFiguresRecord,
  ProductRecord,
  RecommendationEvaluation as RecommendationEvaluationRecord,
  RecommendationKind,
  RecommendationRecord,
  RecommendationRefresh as RecommendationRefreshRecord,
  RecommendationSettings as RecommendationSettingsRecord,
} from "../personalisation/recommendations";
import type { SimilarityMeasure } from "../semantic/recommendations";
import { DateTime } from "./scalars";

export const SimilarityMeasureEnum = { COSINE: "COSINE", JACCARD: "JACCARD" } as const;
registerEnumType(SimilarityMeasureEnum, {
  name: "SimilarityMeasure",
  description: "How two products' shoppers are compared (each times the shrinkage n / (n + λ))",
  valuesConfig: {
    COSINE: { description: "Σ w·w′ / √(Σ w² · Σ w′²) over the shoppers' interaction weights" },
    JACCARD: { description: "Weighted Jaccard: Σ min(w, w′) / Σ max(w, w′)" },
  },
});

export const RecommendationKindEnum = {
  SIMILAR_TO_PURCHASED: "SIMILAR_TO_PURCHASED",
  SIMILAR_TO_VIEWED: "SIMILAR_TO_VIEWED",
  SIMILAR_TO_CONTEXT: "SIMILAR_TO_CONTEXT",
  POPULAR_IN_SEGMENT: "POPULAR_IN_SEGMENT",
  POPULAR_IN_CATEGORY: "POPULAR_IN_CATEGORY",
  POPULAR: "POPULAR",
} as const;
registerEnumType(RecommendationKindEnum, {
  name: "RecommendationKind",
  description: "Why a product is recommended",
  valuesConfig: {
    SIMILAR_TO_PURCHASED: { description: "Mostly similar to products the shopper bought recently" },
    SIMILAR_TO_VIEWED: { description: "Mostly similar to products the shopper viewed recently" },
    SIMILAR_TO_CONTEXT: { description: "Mostly similar to the context product (the one being looked at)" },
    POPULAR_IN_SEGMENT: { description: "Among the most bought by members of a segment the shopper is in" },
    POPULAR_IN_CATEGORY: { description: "Among the most bought of the context category" },
    POPULAR: { description: "Among the most bought of the shop" },
  },
});

@ObjectType({ description: "A product of the catalog" })
export class Product {
  @Field(() => ID, { description: "The product's id (its productId at ingestion)" })
  productId!: string;

  @Field(() => String, { description: "Display name" })
  name!: string;

  @Field(() => String, { nullable: true, description: "Category" })
  category!: string | null;

  @Field(() => String, { nullable: true, description: "Brand" })
  brand!: string | null;

  @Field(() => Float, { nullable: true, description: "List price, in the deployment's currency" })
  price!: number | null;

  static from(record: ProductRecord): Product {
    return Object.assign(new Product(), {
      ...record,
      price: record.price === null ? null : Number(record.price),
    });
  }
}

@ObjectType({ description: "A product similar to another, from the last recommendations refresh" })
export class SimilarProduct {
  @Field(() => Product, { description: "The similar product" })
  product!: Product;

  @Field(() => Int, { description: "1 for the most similar" })
  rank!: number;

  @Field(() => Float, { description: "Similarity (cosine or weighted Jaccard, times the shrinkage), 0–1" })
  score!: number;

  @Field(() => Int, { description: "Shoppers who bought or viewed both products in the lookback window" })
  commonUsers!: number;
}

@ObjectType({ description: "Why a product is recommended" })
export class RecommendationReason {
  @Field(() => RecommendationKindEnum, { description: "The source that contributed most" })
  kind!: RecommendationKind;

  @Field(() => [Product], {
    description:
      "The shopper's products (or the context product) contributing most, up to three; empty for popularity",
  })
  because!: Product[];

  @Field(() => String, { nullable: true, description: "The segment, for POPULAR_IN_SEGMENT" })
  segment!: string | null;
}

@ObjectType({ description: "A product recommended to a shopper" })
export class Recommendation {
  @Field(() => Product, { description: "The recommended product" })
  product!: Product;

  @Field(() => Float, {
    description:
      "Collaborative score (Σ interaction weight × similarity) or, for popularity, the share of buyers (0–1); comparable within one kind",
  })
  score!: number;

  @Field(() => RecommendationReason, { description: "Why it is recommended" })
  reason!: RecommendationReason;

  static from(record: RecommendationRecord): Recommendation {
    return Object.assign(new Recommendation(), {
      product: Product.from(record.product),
      score: record.score,
      reason: Object.assign(new RecommendationReason(), {
        kind: record.reason.kind,
        segment: record.reason.segmentKey,
        because: record.reason.because.map((product) => Product.from(product)),
      }),
    });
  }
}

@InputType({ description: "What the shopper is looking at, to steer recommendations" })
export class RecommendationContextInput {
  @Field(() => ID, {
    nullable: true,
    description:
      "A product being viewed: its similar products count as much as a product bought and viewed; never itself recommended",
  })
  productId?: string | null;

  @Field(() => String, { nullable: true, description: "Only products of this category" })
  category?: string | null;
}

@InputType({ description: "A consumable category and when its products may be recommended again" })
export class RepurchaseWindowInput {
  @Field(() => String, { description: "Product category" })
  category!: string;

  @Field(() => Int, {
    description: "Days after a purchase from which the product may be recommended again, 1–3660",
  })
  days!: number;
}

@ObjectType({ description: "A consumable category and when its products may be recommended again" })
export class RepurchaseWindow {
  @Field(() => String, { description: "Product category" })
  category!: string;

  @Field(() => Int, { description: "Days after a purchase from which the product may be recommended again" })
  days!: number;
}

@InputType({ description: "Recommendation settings to change; absent fields keep their current value" })
export class RecommendationSettingsInput {
  @Field(() => Float, { nullable: true, description: "Interaction weight of a purchase, 0–1000 (default 1)" })
  purchaseWeight?: number;

  @Field(() => Float, {
    nullable: true,
    description: "Interaction weight of a product view, 0–1000 (default 0.3)",
  })
  viewWeight?: number;

  @Field(() => SimilarityMeasureEnum, { nullable: true, description: "Similarity measure (default COSINE)" })
  measure?: SimilarityMeasure;

  @Field(() => Float, {
    nullable: true,
    description: "λ of the shrinkage n / (n + λ), n the shoppers of both products, 0–10000 (default 5)",
  })
  shrinkage?: number;

  @Field(() => Int, { nullable: true, description: "Similar products kept per product, 1–200 (default 20)" })
  neighbours?: number;

  @Field(() => Int, {
    nullable: true,
    description: "Days of facts similarities, popularity and profiles read, 1–3660 (default 180)",
  })
  lookbackDays?: number;

  @Field(() => [RepurchaseWindowInput], {
    nullable: true,
    description:
      "Consumable categories (replaces the list; default none: nothing bought is recommended again)",
  })
  repurchaseDays?: RepurchaseWindowInput[];
}

@ObjectType({ description: "The settings of a recommendations refresh" })
export class RecommendationSettings {
  @Field(() => Float, { description: "Interaction weight of a purchase" })
  purchaseWeight!: number;

  @Field(() => Float, { description: "Interaction weight of a product view" })
  viewWeight!: number;

  @Field(() => SimilarityMeasureEnum, { description: "Similarity measure" })
  measure!: SimilarityMeasure;

  @Field(() => Float, { description: "λ of the shrinkage n / (n + λ)" })
  shrinkage!: number;

  @Field(() => Int, { description: "Similar products kept per product" })
  neighbours!: number;

  @Field(() => Int, { description: "Days of facts similarities, popularity and profiles read" })
  lookbackDays!: number;

  @Field(() => [RepurchaseWindow], { description: "Consumable categories and their repurchase windows" })
  repurchaseDays!: RepurchaseWindow[];

  static from(record: RecommendationSettingsRecord): RecommendationSettings {
    return Object.assign(new RecommendationSettings(), record);
  }
}

@ObjectType({ description: "What a recommendations refresh wrote" })
export class RecommendationRefresh {
  @Field(() => DateTime, { description: "When the refresh ran; its lookback window ends here" })
  refreshedAt!: Date;

  @Field(() => RecommendationSettings, { description: "The settings it used, kept for later refreshes" })
  settings!: RecommendationSettings;

  @Field(() => Int, { description: "Products with at least one similar product" })
  products!: number;

  @Field(() => Int, { description: "(product, similar product) rows written" })
  pairs!: number;

  @Field(() => Int, { description: "Duration in milliseconds" })
  milliseconds!: number;

  static from(record: RecommendationRefreshRecord): RecommendationRefresh {
    return Object.assign(new RecommendationRefresh(), {
      ...record,
      settings: RecommendationSettings.from(record.settings),
    });
  }
}

@ObjectType({ description: "Offline figures of one method, over the evaluated shoppers" })
export class EvaluationFigures {
  @Field(() => Int, {
    description:
      "Evaluated shoppers: a purchase after the split of a product not bought before, and facts before it",
  })
  users!: number;

  @Field(() => Float, { description: "Mean of hits / k (0–1)" })
  precision!: number;

  @Field(() => Float, {
    description: "Mean of hits / the shopper's new products bought after the split (0–1)",
  })
  recall!: number;

  @Field(() => Float, { description: "Share of shoppers with at least one hit (0–1)" })
  hitRate!: number;

  @Field(() => Float, { description: "Distinct recommended products / products of the catalog (0–1)" })
  coverage!: number;

  static from(record: EvaluationFiguresRecord): EvaluationFigures {
    return Object.assign(new EvaluationFigures(), record);
  }
}

@ObjectType({
  description: "Collaborative filtering against the popularity baseline, trained before a split",
})
export class RecommendationEvaluation {
  @Field(() => DateTime, { description: "Training facts are before it, test purchases from it" })
  split!: Date;

  @Field(() => Int, { description: "Products recommended per shopper" })
  k!: number;

  @Field(() => EvaluationFigures, {
    description: "Item-to-item collaborative filtering from the shopper's profile, filled with popularity",
  })
  collaborative!: EvaluationFigures;

  @Field(() => EvaluationFigures, { description: "The k most bought products not bought before" })
  popularity!: EvaluationFigures;

  static from(record: RecommendationEvaluationRecord): RecommendationEvaluation {
    return Object.assign(new RecommendationEvaluation(), {
      ...record,
      collaborative: EvaluationFigures.from(record.collaborative),
      popularity: EvaluationFigures.from(record.popularity),
    });
  }
}
