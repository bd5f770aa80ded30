import type { Command } from "commander";
import { SYSTEM_PRINCIPAL } from "../../access/permissions";
import { loadConfig } from "../../config";
import type { FitStage, ModelUnit } from "../../prediction/service";
import { openRuntime } from "../../server/runtime";
import { type RemoteOptions, remoteApi, withRemoteOptions } from "../remote";

const STAGES: Record<FitStage, string> = {
  summarise: "summarising customers' counted orders",
  bgnbd: "fitting BG/NBD",
  gamma_gamma: "fitting Gamma-Gamma",
  score: "scoring every customer",
};

interface FittedModel {
  key: string;
  version: number;
  customers: number;
  repeatCustomers: number;
  bgnbd: {
    r: number;
    alpha: number;
    a: number;
    b: number;
    logLikelihood: number;
    iterations: number;
    converged: boolean;
  };
  gammaGamma: {
    p: number;
    q: number;
    gamma: number;
    logLikelihood: number;
    iterations: number;
    converged: boolean;
  };
}

const FIT_MUTATION = `mutation($input: FitPurchaseModelInput!) { fitPurchaseModel(input: $input) {
  key version customers repeatCustomers
  bgnbd { r alpha a b logLikelihood iterations converged }
  gammaGamma { p q gamma logLikelihood iterations converged } } }`;

function printModel(model: FittedModel, started: number): void {
  const { bgnbd: b, gammaGamma: g } = model;
  console.log(
    `model ${model.key} v${model.version}: ${model.customers} customers, ${model.repeatCustomers} repeat`,
  );
  console.log(
    `  BG/NBD      r=${b.r.toFixed(4)} alpha=${b.alpha.toFixed(4)} a=${b.a.toFixed(4)} b=${b.b.toFixed(4)}  LL=${b.logLikelihood.toFixed(2)}  ${b.iterations} iterations${b.converged ? "" : " (NOT converged)"}`,
  );
  console.log(
    `  Gamma-Gamma p=${g.p.toFixed(4)} q=${g.q.toFixed(4)} gamma=${g.gamma.toFixed(4)}  LL=${g.logLikelihood.toFixed(2)}  ${g.iterations} iterations${g.converged ? "" : " (NOT converged)"}`,
  );
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * `stratum fit KEY --calibration-end YYYY-MM-DD`: fits a purchase model and scores every
 * customer; with `--url` the running server does it (`fitPurchaseModel`).
 */
export function registerFit(program: Command): void {
  withRemoteOptions(
    program
      .command("fit")
      .description("fit a BG/NBD + Gamma-Gamma purchase model (churn risk, expected purchases, CLV)")
      .argument("<key>", "the model's key (fitting it again adds a version)")
      .requiredOption("--calibration-end <date>", "last day of the calibration period (YYYY-MM-DD)")
      .option("--timezone <zone>", "IANA time zone of purchase days")
      .option("--unit <unit>", "WEEK or DAY", "WEEK")
      .option("--segment <key>", "fit on this segment's members only"),
  ).action(
    async (
      key: string,
      options: { calibrationEnd: string; timezone?: string; unit: string; segment?: string } & RemoteOptions,
    ) => {
      const unit = options.unit.toUpperCase();
      if (unit !== "WEEK" && unit !== "DAY") throw new Error("--unit must be WEEK or DAY");
      const input = {
        key,
        calibrationEnd: options.calibrationEnd,
        timezone: options.timezone,
        unit: unit as ModelUnit,
        segment: options.segment,
      };
      const started = Date.now();
      const api = remoteApi(options);
      if (api) {
        const { fitPurchaseModel } = await api.request<{ fitPurchaseModel: FittedModel }>(FIT_MUTATION, {
          input,
        });
        printModel(fitPurchaseModel, started);
        return;
      }
      const services = await openRuntime(loadConfig());
      try {
        const model = await services.prediction.fit(input, { name: SYSTEM_PRINCIPAL.name }, (stage, detail) =>
          console.log(
            `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${STAGES[stage]}${detail ? ` (${detail})` : ""}`,
          ),
        );
        printModel(model, started);
      } finally {
        await services.db.close();
      }
    },
  );
}
