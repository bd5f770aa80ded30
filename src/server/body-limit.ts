import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import { Kind, parse } from "graphql";
import { ErrorCode } from "../errors";
import { logger } from "../logger";
import { errorBody } from "./http-errors";

/** Request body limits: ingestion batches may be larger than anything else. */
export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_INGEST_BODY_BYTES = 10 * 1024 * 1024;

type SizedRequest = express.Request & { bodyBytes?: number };

/** True when the body's operation is a mutation whose root fields are all ingestion mutations. */
function isIngestionRequest(body: unknown, ingestionMutations: ReadonlySet<string>): boolean {
  const { query, operationName } = (body ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== "string") return false;
  try {
    const operations = parse(query, { noLocation: true }).definitions.filter(
      (definition) => definition.kind === Kind.OPERATION_DEFINITION,
    );
    const operation =
      typeof operationName === "string"
        ? operations.find((candidate) => candidate.name?.value === operationName)
        : operations.length === 1
          ? operations[0]
          : undefined;
    if (operation?.operation !== "mutation") return false;
    const roots = operation.selectionSet.selections.filter(
      (selection) => !(selection.kind === Kind.FIELD && selection.name.value === "__typename"),
    );
    return (
      roots.length > 0 &&
      roots.every(
        (selection) => selection.kind === Kind.FIELD && ingestionMutations.has(selection.name.value),
      )
    );
  } catch {
    return false;
  }
}

/**
 * JSON body parsing with the two size limits: everything up to 10 MB is parsed (the
 * stream is cut beyond that), then bodies over 1 MB are refused unless they only run
 * ingestion mutations. Both refusals are HTTP 413 with LIMIT_EXCEEDED.
 */
export function jsonBodyWithLimits(ingestionMutations: () => ReadonlySet<string>): RequestHandler[] {
  return [
    express.json({
      limit: MAX_INGEST_BODY_BYTES,
      verify: (req, _res, buffer) => {
        (req as SizedRequest).bodyBytes = buffer.length;
      },
    }),
    (req: SizedRequest, res, next) => {
      // Apollo answers bodiless or non-JSON requests itself (GET queries, 400/415 errors).
      if (!("body" in req) || req.body === undefined) req.body = {};
      if ((req.bodyBytes ?? 0) <= MAX_BODY_BYTES || isIngestionRequest(req.body, ingestionMutations())) {
        next();
        return;
      }
      res
        .status(413)
        .json(
          errorBody(
            ErrorCode.LIMIT_EXCEEDED,
            `Request body of ${req.bodyBytes} bytes exceeds ${MAX_BODY_BYTES} bytes (ingestion mutations may send up to ${MAX_INGEST_BODY_BYTES})`,
            { limit: "body", max: MAX_BODY_BYTES },
          ),
        );
    },
  ];
}

/**
 * Turns body-parser failures (and anything else thrown before Apollo) into coded JSON
 * errors instead of Express's HTML page with a stack trace.
 */
export const jsonErrorHandler: ErrorRequestHandler = (error, _req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const status =
    typeof error?.status === "number" && error.status >= 400 && error.status < 500 ? error.status : 500;
  if (status === 413) {
    res.status(413).json(
      errorBody(ErrorCode.LIMIT_EXCEEDED, `Request body exceeds ${MAX_INGEST_BODY_BYTES} bytes`, {
        limit: "body",
        max: MAX_INGEST_BODY_BYTES,
      }),
    );
  } else if (status < 500) {
    const message =
      error?.type === "entity.parse.failed" ? "Request body is not valid JSON" : "Malformed request";
    res.status(status).json(errorBody(ErrorCode.BAD_USER_INPUT, message));
  } else {
    const requestId = randomUUID();
    logger.error({ err: error, requestId }, "request failed before GraphQL");
    res
      .status(500)
      .json(errorBody(ErrorCode.INTERNAL, `Internal error (request ${requestId})`, { requestId }));
  }
};
