import type { PredictionService, UserPrediction } from "./service";

export interface PredictionRequest {
  /** Model key; the most recently fitted model when null. */
  model: string | null;
  userId: number;
}

/** What `User.prediction` resolves to: the scores, and the functions behind fields with arguments. */
export interface ResolvedPrediction {
  model: string;
  pAlive: number;
  churnRisk: number;
  riskBand: string;
  expectedAvgSpend: number;
  scores: UserPrediction;
}

/**
 * The batch function of the per-request prediction loader: one model lookup and one
 * summary statement per distinct model asked for, whatever the number of users.
 */
export function predictionLoader(service: PredictionService) {
  return async (requests: readonly PredictionRequest[]): Promise<(ResolvedPrediction | null | Error)[]> => {
    const byModel = new Map<string | null, number[]>();
    for (const r of requests) byModel.set(r.model, [...(byModel.get(r.model) ?? []), r.userId]);
    const answers = new Map<string, ResolvedPrediction | null | Error>();
    for (const [key, userIds] of byModel) {
      try {
        const model = await service.require(key);
        const predictions = await service.predictionsOf(model, userIds);
        userIds.forEach((userId, i) => {
          const p = predictions[i];
          answers.set(
            `${key ?? ""}\u0000${userId}`,
            p && {
              model: model.key,
              pAlive: p.pAlive,
              churnRisk: p.churnRisk,
              riskBand: p.riskBand,
              expectedAvgSpend: p.expectedAvgSpend,
              scores: p,
            },
          );
        });
      } catch (error) {
        for (const userId of userIds) answers.set(`${key ?? ""}\u0000${userId}`, error as Error);
      }
    }
    return requests.map((r) => answers.get(`${r.model ?? ""}\u0000${r.userId}`) ?? null);
  };
}
