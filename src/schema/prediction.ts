import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import type { ModelUnit, PurchaseModelRecord } from "../prediction/service";
import { DateScalar, DateTime } from "./scalars";

export const ModelUnitEnum = { WEEK: "WEEK", DAY: "DAY" } as const;
registerEnumType(ModelUnitEnum, {
  name: "ModelUnit",
  description: "The time unit of a purchase model's parameters",
  valuesConfig: { WEEK: { description: "Weeks (days / 7)" }, DAY: { description: "Days" } },
});

@InputType({ description: "Churn-risk thresholds of the risk bands" })
export class RiskThresholdsInput {
  @Field(() => Float, { description: "Churn risk (0–1) from which a customer is `medium`" })
  medium!: number;

  @Field(() => Float, { description: "Churn risk (0–1) from which a customer is `high`" })
  high!: number;
}

@ObjectType({ description: "Churn-risk thresholds of the risk bands" })
export class RiskThresholds {
  @Field(() => Float, { description: "Churn risk (0–1) from which a customer is `medium`" })
  medium!: number;

  @Field(() => Float, { description: "Churn risk (0–1) from which a customer is `high`" })
  high!: number;
}

@InputType({ description: "What to fit a purchase model on" })
export class FitPurchaseModelInput {
  @Field(() => String, { description: "The model's key; fitting an existing key adds a version" })
  key!: string;

  @Field(() => DateScalar, { description: "Last day of the calibration period; its purchases are included" })
  calibrationEnd!: Date;

  @Field(() => String, {
    nullable: true,
    description: "IANA time zone of purchase days; the deployment's default when absent",
  })
  timezone?: string;

  @Field(() => ModelUnitEnum, { nullable: true, description: "Time unit of the parameters; WEEK by default" })
  unit?: ModelUnit;

  @Field(() => String, { nullable: true, description: "Fit on this segment's current members only" })
  segment?: string;

  @Field(() => RiskThresholdsInput, {
    nullable: true,
    description: "Risk band thresholds; 0.3 and 0.7 by default",
  })
  riskThresholds?: RiskThresholdsInput;
}

@ObjectType({
  description: "BG/NBD purchase-process parameters (Fader, Hardie & Lee 2005), fitted by maximum likelihood",
})
export class BgNbdFit {
  @Field(() => Float, { description: "Shape of the Gamma distribution of purchase rates" })
  r!: number;

  @Field(() => Float, { description: "Scale of the Gamma distribution of purchase rates, in model units" })
  alpha!: number;

  @Field(() => Float, { description: "First shape of the Beta distribution of drop-out probabilities" })
  a!: number;

  @Field(() => Float, { description: "Second shape of the Beta distribution of drop-out probabilities" })
  b!: number;

  @Field(() => Float, { description: "Log-likelihood at the estimate" })
  logLikelihood!: number;

  @Field(() => Int, { description: "Nelder–Mead iterations used" })
  iterations!: number;

  @Field(() => Boolean, { description: "Whether the optimiser converged within its iteration budget" })
  converged!: boolean;
}

@ObjectType({ description: "Gamma-Gamma spend parameters (Fader & Hardie 2013), fitted on repeat customers" })
export class GammaGammaFit {
  @Field(() => Float, { description: "Shape of each transaction value's Gamma distribution" })
  p!: number;

  @Field(() => Float, { description: "Shape of the Gamma distribution of customers' scale parameters" })
  q!: number;

  @Field(() => Float, { description: "Scale of the Gamma distribution of customers' scale parameters" })
  gamma!: number;

  @Field(() => Float, { description: "Log-likelihood at the estimate" })
  logLikelihood!: number;

  @Field(() => Int, { description: "Nelder–Mead iterations used" })
  iterations!: number;

  @Field(() => Boolean, { description: "Whether the optimiser converged within its iteration budget" })
  converged!: boolean;
}

@ObjectType({ description: "Predicted and actual repeat transactions in one holdout period" })
export class HoldoutPeriod {
  @Field(() => DateScalar, { description: "First day of the period" })
  start!: string;

  @Field(() => Float, { description: "Repeat transactions the model expected in the period" })
  predicted!: number;

  @Field(() => Int, { description: "Repeat transactions (purchase days) that happened" })
  actual!: number;
}

@ObjectType({
  description:
    "Calibration customers of one churn-risk band: predicted against actual repeat transactions over the holdout",
})
export class HoldoutRiskBand {
  @Field(() => String, { description: "`low`, `medium` or `high`, from churn risk at calibrationEnd" })
  band!: string;

  @Field(() => Int, { description: "Calibration customers in the band" })
  customers!: number;

  @Field(() => Float, { description: "Repeat transactions the model expected of them over the holdout" })
  predicted!: number;

  @Field(() => Int, { description: "Their repeat transactions (purchase days) over the holdout" })
  actual!: number;
}

@ObjectType({
  description: "The model's calibration customers after the calibration end: predicted against actual",
})
export class HoldoutComparison {
  @Field(() => [HoldoutPeriod], {
    description: "One period per model unit, from the day after calibrationEnd",
  })
  periods!: HoldoutPeriod[];

  @Field(() => Float, { description: "Predicted repeat transactions over the whole holdout" })
  predictedTotal!: number;

  @Field(() => Int, { description: "Actual repeat transactions over the whole holdout" })
  actualTotal!: number;

  @Field(() => [HoldoutRiskBand], {
    description:
      "The calibration check per churn-risk band: customers grouped by their risk at calibrationEnd (the model's thresholds), low, medium, high",
  })
  riskBands!: HoldoutRiskBand[];
}

@ObjectType({
  description: "A fitted purchase model: BG/NBD for purchases and P(alive), Gamma-Gamma for spend",
})
export class PurchaseModel {
  @Field(() => ID, { description: "The model's key" })
  key!: string;

  @Field(() => Int, { description: "Fit number of this key, from 1" })
  version!: number;

  @Field(() => DateTime, { description: "When this version was fitted" })
  fittedAt!: Date;

  @Field(() => String, { description: "The key name that fitted it" })
  fittedBy!: string;

  @Field(() => DateScalar, { description: "Last day of the calibration period" })
  calibrationEnd!: string;

  @Field(() => String, { description: "Time zone of purchase days" })
  timezone!: string;

  @Field(() => ModelUnitEnum, { description: "Time unit of the parameters" })
  unit!: ModelUnit;

  @Field(() => String, { nullable: true, description: "Segment the model was fitted on, if any" })
  segment!: string | null;

  @Field(() => Int, { description: "Customers with a counted order up to calibrationEnd" })
  customers!: number;

  @Field(() => Int, { description: "Of them, customers with at least one repeat transaction" })
  repeatCustomers!: number;

  @Field(() => BgNbdFit, { description: "Purchase-process parameters" })
  bgnbd!: BgNbdFit;

  @Field(() => GammaGammaFit, { description: "Spend parameters" })
  gammaGamma!: GammaGammaFit;

  @Field(() => RiskThresholds, { description: "Thresholds of the risk bands" })
  riskThresholds!: RiskThresholds;

  static from(record: PurchaseModelRecord): PurchaseModel {
    return Object.assign(new PurchaseModel(), record);
  }
}

@ObjectType({ description: "A customer's scores under a purchase model, from their purchases up to today" })
export class UserPrediction {
  @Field(() => String, { description: "The model's key" })
  model!: string;

  @Field(() => Float, {
    description: "Probability (0–1) that the customer is still active (BG/NBD P(alive))",
  })
  pAlive!: number;

  @Field(() => Float, { description: "1 − pAlive, from 0 to 1" })
  churnRisk!: number;

  @Field(() => String, { description: "`low`, `medium` or `high` churn risk, by the model's thresholds" })
  riskBand!: string;

  @Field(() => Float, {
    description:
      "Expected value of one of the customer's future transactions (Gamma-Gamma: their mean shrunk toward the population's), in the deployment's currency",
  })
  expectedAvgSpend!: number;
}
