import { loadConfig } from "../../src/config";
import type { Database } from "../../src/db/client";
import { createServer, type StratumServer } from "../../src/server/app";
import { createServices, type Services } from "../../src/server/services";

export const TEST_ADMIN_KEY = "test-admin-key-0123456789";

export interface TestApi {
  services: Services;
  server: StratumServer;
  url: string;
  /** POSTs a GraphQL request with the given key (the admin key by default). */
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string | null,
  ): Promise<GqlResponse<T>>;
  close(): Promise<void>;
}

export interface GqlResponse<T> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, any>; path?: unknown[] }>;
}

/** A live HTTP server on an ephemeral loopback port over the given database. */
export async function startTestApi(db: Database, env: Record<string, string> = {}): Promise<TestApi> {
  const config = loadConfig({ STRATUM_ADMIN_KEY: TEST_ADMIN_KEY, ...env });
  const services = createServices(db, config);
  const server = await createServer(services);
  const port = await server.listen(0);
  const url = `http://127.0.0.1:${port}/graphql`;
  return {
    services,
    server,
    url,
    async gql(query, variables, key = TEST_ADMIN_KEY) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as GqlResponse<any>;
      return { status: response.status, data: body.data, errors: body.errors };
    },
    async close() {
      await server.stop();
    },
  };
}
