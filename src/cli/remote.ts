import type { Command } from "commander";
import { ErrorCode, StratumError } from "../errors";

/** `--url` / `--key` of the commands that a running server can do for them. */
export interface RemoteOptions {
  url?: string;
  key?: string;
}

/** A running Stratum server's GraphQL API, as the command's key sees it. */
export interface RemoteApi {
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

/**
 * Adds `--url <server>` and `--key <key>`: the command then asks that server through its
 * GraphQL API instead of opening the database, which a server on the embedded PGlite
 * directory holds (one process per directory).
 */
export function withRemoteOptions(command: Command): Command {
  return command
    .option(
      "--url <server>",
      "a running server's GraphQL URL (http://host:4000/graphql): ask it, not the database",
    )
    .option("--key <key>", "API key for --url (default: STRATUM_API_KEY)");
}

/** The server named by `--url`, or undefined when the command should open the database itself. */
export function remoteApi(
  options: RemoteOptions,
  env: NodeJS.ProcessEnv = process.env,
): RemoteApi | undefined {
  if (!options.url) return undefined;
  const url = options.url;
  const key = options.key || env.STRATUM_API_KEY;
  if (!key) throw new Error("--url needs an API key: pass --key <key> or set STRATUM_API_KEY");
  return {
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify({ query, variables }),
        });
      } catch (error) {
        const reason = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
        throw new Error(`Cannot reach the server at ${url} (${reason})`);
      }
      const body = (await response.json().catch(() => undefined)) as
        | { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }
        | undefined;
      if (!body) throw new Error(`${url} answered HTTP ${response.status} without a GraphQL response`);
      const [first] = body.errors ?? [];
      if (first) {
        const { code, http: _status, ...details } = first.extensions ?? {};
        // The server's own code (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND …) is the answer's.
        const known = Object.values(ErrorCode).includes(code as ErrorCode);
        throw new StratumError(known ? (code as ErrorCode) : ErrorCode.INTERNAL, first.message, details);
      }
      return body.data as T;
    },
  };
}
