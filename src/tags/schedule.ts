import type { Database } from "../db/client";
import { logger } from "../logger";
import { type RecommendationRefresh, RecommendationService } from "../personalisation/recommendations";
import { PredictionService } from "../prediction/service";
import { type MaterialiseReport, refreshDefinitions } from "../rules/materialise";
import type { SendTimeModel } from "../semantic/send-time";
import type { Telemetry } from "../server/telemetry";

/**
 * Every active RULE/VALUE tag and DYNAMIC segment, in shared passes over the facts, then the
 * recommendations (product similarities and popularity, with the last refresh's settings);
 * `sendTime` is the configured model `send_time.*` terms read.
 */
export async function refreshAll(
  db: Database,
  now: Date = new Date(),
  sendTime?: SendTimeModel,
): Promise<MaterialiseReport & { recommendations: RecommendationRefresh }> {
  // Purchase-model scores first: `predict.*` rules and the risk_band dimension read them.
  await new PredictionService(db, "UTC").rescoreAll();
  const report = await refreshDefinitions(db, {}, now, sendTime);
  // After the segments: each segment's popular products are read from its new members.
  const recommendations = await new RecommendationService(db).refresh({ name: "system" }, {}, now);
  return { ...report, recommendations };
}

/**
 * Refreshes everything every `config.refreshIntervalSeconds` (0 disables it). Runs never
 * overlap: a run that is still going when the next is due makes that one skip.
 * Returns a function that stops the schedule.
 */
export function startRefreshSchedule(services: {
  db: Database;
  config: { refreshIntervalSeconds: number };
  sendTime: { model: SendTimeModel };
  telemetry: Pick<Telemetry, "timeRefresh">;
}): () => void {
  const seconds = services.config.refreshIntervalSeconds;
  if (!(seconds > 0)) return () => {};
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    const started = Date.now();
    try {
      const report = await services.telemetry.timeRefresh("all", () =>
        refreshAll(services.db, new Date(), services.sendTime.model),
      );
      logger.info(
        { definitions: report.refreshed.length, milliseconds: Date.now() - started },
        "scheduled refresh",
      );
      if (report.failed.length > 0)
        logger.warn({ failed: report.failed }, "scheduled refresh skipped definitions");
    } catch (err) {
      logger.error({ err }, "scheduled refresh failed");
    } finally {
      running = false;
    }
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
