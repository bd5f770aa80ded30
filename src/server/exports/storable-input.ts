import type { RequestHandler } from "express";
import { badInput } from "../../errors";
import { UNSTORABLE_MESSAGES, unstorable } from "../../text";
import { sendError } from "../http-errors";

/**
 * Route parameters and query strings of the exports are judged as GraphQL variables are: text
 * PostgreSQL cannot hold (NUL, unpaired surrogates) is BAD_USER_INPUT before any statement,
 * rather than a driver error surfacing as INTERNAL.
 */
export const storableInput: RequestHandler = (req, res, next) => {
  const reason = unstorable({ params: req.params, query: req.query });
  if (!reason) {
    next();
    return;
  }
  sendError(
    res,
    badInput(`Route parameters and query parameters ${UNSTORABLE_MESSAGES[reason]}`, {
      reason: reason.toLowerCase(),
    }),
  );
};
