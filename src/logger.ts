import pino from "pino";
import { defaultLogLevel, LOG_LEVELS, type LogLevel } from "./config";

// Built at import, before `loadConfig` runs: an unknown LOG_LEVEL must not throw here (pino
// would, with a stack); the default stands in and `loadConfig` reports the variable.
const requested = process.env.LOG_LEVEL as LogLevel | undefined;

/** Structured JSON logs on stdout. */
export const logger = pino({
  level: requested && LOG_LEVELS.includes(requested) ? requested : defaultLogLevel(process.env.NODE_ENV),
  base: { service: "stratum" },
});
export type Logger = typeof logger;
