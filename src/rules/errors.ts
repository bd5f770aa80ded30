import { ErrorCode, StratumError } from "../errors";
import type { Position } from "./ast";

/** A rule that cannot be accepted: RULE_INVALID with the line and column it points at. */
export function ruleInvalid(message: string, at?: Position): StratumError {
  const line = at?.line ?? 1;
  const column = at?.column ?? 1;
  return new StratumError(ErrorCode.RULE_INVALID, `${message} (line ${line}, column ${column})`, {
    line,
    column,
    reason: message,
  });
}
