import type { Response } from "express";
import type { ErrorCode, StratumError } from "../errors";

/** The JSON body of a refusal outside GraphQL, shaped like a GraphQL error answer. */
export const errorBody = (code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) => ({
  errors: [{ message, extensions: { code, ...extensions } }],
});

/** Answers an HTTP route (exports, tracking, auth) with a coded error: its status, code and details. */
export function sendError(res: Response, error: StratumError): void {
  res.status(error.httpStatus).json(errorBody(error.code, error.message, error.details));
}
