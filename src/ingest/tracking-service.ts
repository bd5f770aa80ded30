import { badInput, limitExceeded } from "../errors";
import { type IngestResult, MAX_BATCH_SIZE } from "./contract";
import type { IngestOptions, IngestService } from "./service";
import { type TrackingCallType, type TranslatedCall, translateCall } from "./tracking";
import { ItemRejection } from "./validate";

/** The answer for one call, in input order. */
export type TrackingItemResult =
  | { messageId: string | null; status: "accepted" }
  | { messageId: string | null; status: "rejected"; code: string; message: string };

export interface TrackingOptions extends IngestOptions {
  /** The type of a single-call route (`/v1/track` …); null for `/v1/batch`, where each call names its own. */
  routeType?: TrackingCallType | null;
  /** The `context` of a `/v1/batch` body, merged under each call's own. */
  batchContext?: unknown;
  /** When the request arrived (Segment's `receivedAt`); defaults to now. */
  receivedAt?: Date;
}

/**
 * Segment-compatible tracking calls written through `IngestService` (no path of its own):
 * each call is translated (`tracking.ts`), then consecutive calls of one kind go to
 * `track`, `identifyMany` or `recordOrders` as one batch, so a batch keeps its order
 * (an identify before a track links the track's anonymous id first) and costs one
 * transaction per run of calls of one kind.
 */
export class TrackingService {
  constructor(private readonly ingest: IngestService) {}

  async ingestCalls(calls: unknown, options: TrackingOptions = {}): Promise<TrackingItemResult[]> {
    if (!Array.isArray(calls)) throw badInput("batch must be a list of calls", { argument: "batch" });
    if (calls.length > MAX_BATCH_SIZE)
      throw limitExceeded(`batch holds ${calls.length} calls; at most ${MAX_BATCH_SIZE} are taken`, {
        argument: "batch",
        max: MAX_BATCH_SIZE,
      });
    const { routeType = null, batchContext = {}, receivedAt = new Date(), ...ingestOptions } = options;
    if (batchContext === null || typeof batchContext !== "object" || Array.isArray(batchContext))
      throw badInput("context must be a JSON object", { argument: "context" });
    const results: TrackingItemResult[] = [];
    const runs: Array<{ kind: TranslatedCall["kind"]; indexes: number[]; calls: TranslatedCall[] }> = [];
    for (const [index, call] of calls.entries()) {
      try {
        const translated = translateCall(
          call,
          routeType,
          receivedAt,
          batchContext as Record<string, unknown>,
        );
        results.push({ messageId: translated.messageId, status: "accepted" });
        const last = runs.at(-1);
        const run = last?.kind === translated.kind ? last : { kind: translated.kind, indexes: [], calls: [] };
        if (run !== last) runs.push(run);
        run.indexes.push(index);
        run.calls.push(translated);
      } catch (error) {
        if (!(error instanceof ItemRejection)) throw error;
        const given = (call as { messageId?: unknown } | null)?.messageId;
        results.push({
          messageId: typeof given === "string" ? given : null,
          status: "rejected",
          code: error.code,
          message: error.message,
        });
      }
    }
    for (const run of runs) {
      const outcome = await this.write(run.kind, run.calls, ingestOptions);
      for (const rejection of outcome.rejected) {
        const index = run.indexes[rejection.index];
        results[index] = {
          messageId: results[index].messageId,
          status: "rejected",
          code: rejection.code,
          message: rejection.message,
        };
      }
    }
    return results;
  }

  private write(
    kind: TranslatedCall["kind"],
    calls: TranslatedCall[],
    options: IngestOptions,
  ): Promise<IngestResult> {
    if (kind === "event")
      return this.ingest.track(
        calls.flatMap((call) => (call.kind === "event" ? [call.input] : [])),
        options,
      );
    if (kind === "identify")
      return this.ingest.identifyMany(
        calls.flatMap((call) => (call.kind === "identify" ? [call.input] : [])),
        options,
      );
    return this.ingest.recordOrders(
      calls.flatMap((call) => (call.kind === "order" ? [call.input] : [])),
      options,
    );
  }
}
