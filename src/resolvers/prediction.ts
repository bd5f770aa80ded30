import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  Float,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { Permission } from "../access/permissions";
import { badInput } from "../errors";
import type { ResolvedPrediction } from "../prediction/loader";
import {
  FitPurchaseModelInput,
  HoldoutComparison,
  PurchaseModel,
  UserPrediction,
} from "../schema/prediction";
import { DateScalar } from "../schema/scalars";
import { User } from "../schema/user";
import type { Context } from "../server/context";
import { actorOf } from "./actor";

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** The longest horizon `expectedPurchases` and `clv` take: ten years. */
const MAX_HORIZON_DAYS = 3660;

function horizon(days: number, argument: string): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_HORIZON_DAYS) {
    throw badInput(`${argument} must be a whole number of days from 1 to ${MAX_HORIZON_DAYS}`, { argument });
  }
  return days;
}

/** Purchase models: fit (editors), read (readers), and each user's scores. */
@Resolver(() => PurchaseModel)
export class PurchaseModelResolver {
  @Authorized(Permission.EDIT)
  @Mutation(() => PurchaseModel, {
    description:
      "Fits BG/NBD and Gamma-Gamma on customers' counted orders up to calibrationEnd; a new version",
  })
  async fitPurchaseModel(
    @Arg("input", () => FitPurchaseModelInput, {
      description: "The model's key, calibration period and options",
    })
    input: FitPurchaseModelInput,

    @Ctx() ctx: Context,
  ): Promise<PurchaseModel> {
    const record = await ctx.services.prediction.fit(
      { ...input, calibrationEnd: isoDay(input.calibrationEnd) },
      actorOf(ctx),
    );
    return PurchaseModel.from(record);
  }

  @Authorized(Permission.READ)
  @Query(() => PurchaseModel, { nullable: true, description: "The newest version of a purchase model" })
  async purchaseModel(
    @Arg("key", () => String, { description: "The model's key" }) key: string,
    @Ctx() ctx: Context,
  ): Promise<PurchaseModel | null> {
    const record = await ctx.services.prediction.get(key);
    return record ? PurchaseModel.from(record) : null;
  }

  @FieldResolver(() => HoldoutComparison, {
    description: "Predicted against actual repeat transactions per period from the calibration end to `end`",
  })
  holdout(
    @Root() model: PurchaseModel,
    @Arg("end", () => DateScalar, { description: "Last day of the holdout period" }) end: Date,
    @Ctx() ctx: Context,
  ): Promise<HoldoutComparison> {
    return ctx.services.prediction.holdout(model, isoDay(end));
  }

  @FieldResolver(() => String, {
    description: "The statement that computes the customer summary the model reads",
  })
  sql(@Root() model: PurchaseModel, @Ctx() ctx: Context): string {
    return ctx.services.prediction.summarySql(model);
  }
}

@Resolver(() => User)
export class UserPredictionResolver {
  @Authorized(Permission.READ)
  @FieldResolver(() => UserPrediction, {
    nullable: true,
    description:
      "Scores under a purchase model (the most recently fitted when absent); null without a counted order",
  })
  async prediction(
    @Root() user: User,
    @Arg("model", () => String, { nullable: true, description: "The model's key" }) model: string | undefined,
    @Ctx() ctx: Context,
  ): Promise<ResolvedPrediction | null> {
    return ctx.loaders.predictions.load({ model: model ?? null, userId: Number(user.id) });
  }
}

@Resolver(() => UserPrediction)
export class UserPredictionFieldsResolver {
  @FieldResolver(() => Float, {
    description: "Expected transactions in the next `days` (BG/NBD conditional expectation)",
  })
  expectedPurchases(
    @Root() prediction: ResolvedPrediction,
    @Arg("days", () => Int, { description: "Horizon in days, 1 to 3660" }) days: number,
  ): number {
    return prediction.scores.expectedPurchases(horizon(days, "days"));
  }

  @FieldResolver(() => Float, {
    description:
      "Customer lifetime value over the next `days`, in the deployment's currency: per month, expected purchases × expected spend, discounted",
  })
  clv(
    @Root() prediction: ResolvedPrediction,
    @Arg("days", () => Int, { description: "Horizon in days, 1 to 3660" }) days: number,

    @Arg("monthlyDiscountRate", () => Float, {
      defaultValue: 0.01,
      description: "Discount rate per month (0.01 = 1 %)",
    })
    monthlyDiscountRate: number,
  ): number {
    if (!(monthlyDiscountRate >= 0 && monthlyDiscountRate < 1)) {
      throw badInput("monthlyDiscountRate must be from 0 to below 1", { argument: "monthlyDiscountRate" });
    }
    return prediction.scores.clv(horizon(days, "days"), monthlyDiscountRate);
  }
}
