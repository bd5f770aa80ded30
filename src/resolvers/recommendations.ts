import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Permission } from "../access/permissions";
import { MAX_RECOMMENDATIONS } from "../personalisation/recommendations";
import {
  Product,
  Recommendation,
  RecommendationContextInput,
  RecommendationEvaluation,
  RecommendationRefresh,
  RecommendationSettingsInput,
  SimilarProduct,
} from "../schema/recommendations";
import { DateScalar } from "../schema/scalars";
import type { Context } from "../server/context";
import { actorOf } from "./actor";

/** Recommendations: personal top-N, products and their neighbours, refresh and offline evaluation. */
@Resolver(() => Product)
export class RecommendationResolver {
  @Authorized(Permission.READ)
  @Query(() => [Recommendation], {
    description:
      "A shopper's top products: item-to-item collaborative filtering from their recent views and purchases (merged profiles included), never what they bought (outside consumables' repurchase windows); filled from their segments' favourites, then the category's or the shop's most bought",
  })
  async recommendations(
    @Arg("userId", () => ID, { description: "A profile id; a merged-away id answers for its survivor" })
    userId: string,
    @Arg("first", () => Int, { defaultValue: 10, description: `How many, 1 to ${MAX_RECOMMENDATIONS}` })
    first: number,
    @Arg("context", () => RecommendationContextInput, {
      nullable: true,
      description: "The product being looked at and/or a category to stay in",
    })
    context: RecommendationContextInput | undefined,
    @Ctx() ctx: Context,
  ): Promise<Recommendation[]> {
    const records = await ctx.services.recommendations.recommend({ userId, first, context });
    return records.map((record) => Recommendation.from(record));
  }

  @Authorized(Permission.READ)
  @Query(() => Product, { nullable: true, description: "A product of the catalog by id; null when none" })
  async product(
    @Arg("productId", () => ID, { description: "The product's id" }) productId: string,
    @Ctx() ctx: Context,
  ): Promise<Product | null> {
    const [record] = await ctx.services.recommendations.products([productId]);
    return record ? Product.from(record) : null;
  }

  @FieldResolver(() => [SimilarProduct], {
    description: "The most similar products from the last recommendations refresh, most similar first",
  })
  similar(
    @Root() product: Product,
    @Arg("first", () => Int, { defaultValue: 10, description: `How many, 1 to ${MAX_RECOMMENDATIONS}` })
    first: number,
    @Ctx() ctx: Context,
  ): Promise<SimilarProduct[]> {
    return ctx.loaders.similarProducts
      .load({ productId: product.productId, first })
      .then((list) => list.map((s) => ({ ...s, product: Product.from(s.product) })));
  }

  @Authorized(Permission.EDIT)
  @Mutation(() => RecommendationRefresh, {
    description:
      "Recomputes product similarities and popularity from the lookback window and replaces them atomically; changed settings are kept",
  })
  async refreshRecommendations(
    @Arg("settings", () => RecommendationSettingsInput, {
      nullable: true,
      description: "Settings to change; the last refresh's (or the defaults) otherwise",
    })
    settings: RecommendationSettingsInput | undefined,
    @Ctx() ctx: Context,
  ): Promise<RecommendationRefresh> {
    return RecommendationRefresh.from(
      await ctx.services.recommendations.refresh(actorOf(ctx), settings ?? {}),
    );
  }

  @Authorized(Permission.READ)
  @Query(() => RecommendationEvaluation, {
    description:
      "Offline evaluation: trains on facts before `split` (midnight UTC), scores on purchases from it, collaborative filtering beside the popularity baseline",
  })
  async evaluateRecommendations(
    @Arg("split", () => DateScalar, { description: "Training before this day, test from it" }) split: Date,
    @Arg("k", () => Int, {
      defaultValue: 10,
      description: `Products per shopper, 1 to ${MAX_RECOMMENDATIONS}`,
    })
    k: number,
    @Arg("settings", () => RecommendationSettingsInput, {
      nullable: true,
      description: "Settings to try instead of the current ones (not stored)",
    })
    settings: RecommendationSettingsInput | undefined,
    @Ctx() ctx: Context,
  ): Promise<RecommendationEvaluation> {
    return RecommendationEvaluation.from(await ctx.services.recommendations.evaluate({ split, k, settings }));
  }
}
