import type { RequestHandler } from "express";
import { ErrorCode } from "../../errors";
import { UNSTORABLE_MESSAGES, unstorable } from "../../text";

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
  res.status(400).json({
    errors: [
      {
        message: `Route parameters and query parameters ${UNSTORABLE_MESSAGES[reason]}`,
        extensions: { code: ErrorCode.BAD_USER_INPUT, reason: reason.toLowerCase() },
      },
    ],
  });
};
