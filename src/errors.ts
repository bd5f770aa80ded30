/** The closed list of error codes; every failure a client sees carries one. */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  RULE_INVALID: "RULE_INVALID",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  LIMIT_EXCEEDED: "LIMIT_EXCEEDED",
  INTERNAL: "INTERNAL",
  /** A bad environment variable: the process refuses to start (never reaches a client). */
  CONFIG_INVALID: "CONFIG_INVALID",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const httpStatus: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  RULE_INVALID: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  LIMIT_EXCEEDED: 400,
  INTERNAL: 500,
  CONFIG_INVALID: 500,
};

/**
 * The one error type of Stratum: a plain Error with a code and details (`argument` names the
 * offending input). Compilers and services throw it knowing nothing of GraphQL or HTTP; the
 * server maps it (`src/server/graphql-errors.ts` to GraphQL `extensions`, the HTTP routes to a
 * status and JSON body).
 */
export class StratumError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
    this.name = "StratumError";
  }

  get httpStatus(): number {
    return httpStatus[this.code];
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new StratumError(ErrorCode.BAD_USER_INPUT, message, details);
export const notFound = (message: string, details?: Record<string, unknown>) =>
  new StratumError(ErrorCode.NOT_FOUND, message, details);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new StratumError(ErrorCode.CONFLICT, message, details);
export const limitExceeded = (message: string, details?: Record<string, unknown>) =>
  new StratumError(ErrorCode.LIMIT_EXCEEDED, message, details);
export const configInvalid = (message: string, details?: Record<string, unknown>) =>
  new StratumError(ErrorCode.CONFIG_INVALID, message, details);
