import express, { type Request, type Response } from "express";
import { Permission } from "../access/permissions";
import { badInput, notFound, StratumError } from "../errors";
import { TRACKING_CALL_TYPES, type TrackingCallType } from "../ingest/tracking";
import type { TrackingOptions } from "../ingest/tracking-service";
import { requirePermissionOf, trackingToken } from "./auth";
import { MAX_INGEST_BODY_BYTES } from "./body-limit";
import { requestIdOf } from "./context";
import { sendError } from "./http-errors";
import type { Services } from "./services";

/** Segment's browser library sends its JSON as text/plain (no CORS preflight); both are JSON here. */
const JSON_TYPES = ["application/json", "text/plain"];

function bodyObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw badInput("the request body must be a JSON object (Content-Type: application/json)", {
      argument: "body",
    });
  return body as Record<string, unknown>;
}

function optionsOf(req: Request, res: Response, routeType: TrackingCallType | null): TrackingOptions {
  return {
    actor: res.locals.principal?.name ?? "anonymous",
    requestId: requestIdOf(req.headers["x-request-id"]),
    routeType,
    receivedAt: new Date(),
  };
}

/** Runs a handler; coded errors become their status and JSON body, anything else goes to the error handler. */
const guarded =
  (handler: (req: Request, res: Response) => Promise<void>) =>
  async (req: Request, res: Response, next: (error: unknown) => void) => {
    try {
      await handler(req, res);
    } catch (error) {
      if (error instanceof StratumError) sendError(res, error);
      else next(error);
    }
  };

/**
 * The Segment-compatible tracking API, mounted at `/v1`: `POST /v1/{track,identify,page,
 * screen,alias}` answer `{ success: true }` or a coded error (400, with the item's reject
 * code as `reason`); `POST /v1/batch` answers each call in order. Keys as for GraphQL
 * (a key with the `ingest` permission), as a bearer token or as the Basic auth username.
 * Bodies use the ingestion body limit; malformed JSON is BAD_USER_INPUT (`jsonErrorHandler`).
 */
export function trackingRoutes(services: Services): express.Router {
  const router = express.Router();
  router.use(requirePermissionOf(trackingToken, services, Permission.INGEST));
  router.use(express.json({ limit: MAX_INGEST_BODY_BYTES, type: JSON_TYPES }));

  router.post(
    "/batch",
    guarded(async (req, res) => {
      const body = bodyObject(req);
      const results = await services.tracking.ingestCalls(body.batch, {
        ...optionsOf(req, res, null),
        batchContext: body.context ?? {},
      });
      res.json({ success: results.every((result) => result.status === "accepted"), results });
    }),
  );

  for (const type of TRACKING_CALL_TYPES) {
    router.post(
      `/${type}`,
      guarded(async (req, res) => {
        const body = bodyObject(req);
        const [result] = await services.tracking.ingestCalls([body], optionsOf(req, res, type));
        if (result.status === "rejected")
          throw badInput(result.message, { reason: result.code, messageId: result.messageId });
        res.json({ success: true });
      }),
    );
  }

  router.use((req, res) => {
    sendError(
      res,
      notFound(`${req.method} /v1${req.path} is not a tracking call`, {
        routes: ["batch", ...TRACKING_CALL_TYPES].map((name) => `POST /v1/${name}`),
      }),
    );
  });
  return router;
}
