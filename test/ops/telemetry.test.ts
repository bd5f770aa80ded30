import "reflect-metadata";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createServer, type StratumServer } from "../../src/server/app";
import { createServices, type Services } from "../../src/server/services";
import { describeEachDatabase } from "../helpers/db";
import { TEST_ADMIN_KEY } from "../helpers/graphql";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (no escaped quotes occur in these labels). */
function parseExposition(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The value of the sample with exactly these labels, or undefined. */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels);
  return samples.find(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === wanted.length &&
      wanted.every(([k, v]) => s.labels[k] === v),
  )?.value;
}

const TRACK = `mutation Send($events: [EventInput!]!) { track(events: $events) { accepted duplicates rejected { code } } }`;
const event = (messageId: string, name = "product_view") => ({
  messageId,
  event: name,
  timestamp: "2026-02-01T09:30:00Z",
  anonymousId: "telemetry-anon",
});

describeEachDatabase("GET /metrics and request logs", (db, kind) => {
  let server: StratumServer;
  let services: Services;
  let base: string;
  const logLines: string[] = [];

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TEST_ADMIN_KEY}`, ...headers },
      body: JSON.stringify(body),
    }).then(async (response) => ({ response, body: (await response.json()) as any }));

  beforeAll(async () => {
    services = createServices(db(), loadConfig({ STRATUM_ADMIN_KEY: TEST_ADMIN_KEY }));
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    server = await createServer(services, { logger: pino({ level: "info" }, sink) });
    base = `http://127.0.0.1:${await server.listen(0)}`;
  });
  afterAll(() => server.stop());

  it("needs a READ key unless STRATUM_METRICS_PUBLIC=1", async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const ingestOnly = await post({
      query: `mutation { createApiKey(input: { name: "ingest-only", role: INGEST }) { key } }`,
    });
    const ingestKey = ingestOnly.body.data.createApiKey.key as string;
    const forbidden = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ingestKey}` } });
    expect(forbidden.status).toBe(403);

    const publicServices = createServices(
      db(),
      loadConfig({ STRATUM_ADMIN_KEY: TEST_ADMIN_KEY, STRATUM_METRICS_PUBLIC: "1" }),
    );
    const publicServer = await createServer(publicServices, { logger: pino({ level: "silent" }) });
    try {
      const open = await fetch(`http://127.0.0.1:${await publicServer.listen(0)}/metrics`);
      expect(open.status).toBe(200);
      expect(open.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    } finally {
      await publicServer.stop();
    }
  });

  it("counts GraphQL operations, HTTP routes and ingestion outcomes with their labels", async () => {
    const query = await post({ query: "query Visitors { users(first: 1) { totalCount } }" });
    expect(query.body.errors).toBeUndefined();
    const first = await post({
      query: TRACK,
      variables: { events: [event("tm-1"), event("tm-2"), event("tm-3", "Not Snake")] },
    });
    expect(first.body.data.track).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [{ code: "INVALID_EVENT_NAME" }],
    });
    const again = await post({ query: TRACK, variables: { events: [event("tm-1")] } });
    expect(again.body.data.track).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    const link = await post({
      query: `mutation Link { identify(input: { userId: "telemetry-user-1" }) { id } }`,
    });
    expect(link.body.errors).toBeUndefined();
    const unauthenticated = await post(
      { query: "query Visitors { users(first: 1) { totalCount } }" },
      {
        authorization: "",
      },
    );
    expect(unauthenticated.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect(
      (
        await fetch(`${base}/export/segments/no-such-segment.csv`, {
          headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
        })
      ).status,
    ).toBe(404);
    expect((await fetch(`${base}/no-such-page`)).status).toBe(404);

    // Refreshing no tags is still a timed refresh (of nothing).
    await services.tags.refresh([]);

    const scrape = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    expect(scrape.status).toBe(200);
    const samples = parseExposition(await scrape.text());
    const op = (operation_name: string, operation_type: string, outcome: string) =>
      sampleValue(samples, "stratum_graphql_operations_total", { operation_name, operation_type, outcome });
    expect(op("Visitors", "query", "ok")).toBe(1);
    expect(op("Visitors", "query", "error")).toBe(1);
    expect(op("Send", "mutation", "ok")).toBe(2);
    expect(op("Link", "mutation", "ok")).toBe(1);
    expect(
      sampleValue(samples, "stratum_graphql_operation_duration_seconds_count", {
        operation_name: "Send",
        operation_type: "mutation",
      }),
    ).toBe(2);

    const items = (kind: string, outcome: string) =>
      sampleValue(samples, "stratum_ingested_items_total", { kind, outcome });
    expect(items("events", "accepted")).toBe(2);
    expect(items("events", "duplicate")).toBe(1);
    expect(items("events", "rejected")).toBe(1);
    expect(items("events", "updated")).toBe(0);
    // identify resolves through identifyMany: one new profile, counted once.
    expect(items("identities", "accepted")).toBe(1);

    const http = (method: string, route: string, status: string) =>
      sampleValue(samples, "stratum_http_requests_total", { method, route, status });
    // createApiKey, Visitors, Send twice and Link; the unauthenticated Visitors is a 401.
    expect(http("POST", "/graphql", "200")).toBe(5);
    expect(http("POST", "/graphql", "401")).toBe(1);
    expect(http("GET", "/metrics", "401")).toBe(1);
    expect(http("GET", "/metrics", "403")).toBe(1);
    expect(http("GET", "/export/segments/:key.csv", "404")).toBe(1);
    expect(http("GET", "unmatched", "404")).toBe(1);
    expect(
      sampleValue(samples, "stratum_http_request_duration_seconds_count", {
        method: "POST",
        route: "/graphql",
        status: "200",
      }),
    ).toBe(5);

    expect(sampleValue(samples, "stratum_refresh_duration_seconds_count", { scope: "tags" })).toBe(1);
    expect(sampleValue(samples, "stratum_refresh_duration_seconds_count", { scope: "segments" })).toBe(
      undefined,
    );
    expect(samples.some((s) => s.name === "process_cpu_user_seconds_total")).toBe(true);
    expect(samples.some((s) => s.name === "nodejs_heap_size_used_bytes")).toBe(true);
    if (kind === "postgres") {
      // The scrape's own pg_stat_activity read is the one active Stratum connection to this database.
      expect(sampleValue(samples, "stratum_db_connections", { state: "active" })).toBe(1);
    }
  });

  it("logs one line per request with its id, never the key, headers or body", async () => {
    logLines.length = 0;
    const { response } = await post(
      { query: "query Secretive { users(first: 1) { totalCount } }", variables: { probe: "body-marker-77" } },
      { "x-request-id": "req-telemetry-1", cookie: "session=cookie-marker-88" },
    );
    expect(response.headers.get("x-request-id")).toBe("req-telemetry-1");
    await new Promise((resolve) => setImmediate(resolve));
    const lines = logLines.map((line) => JSON.parse(line));
    const line = lines.find((l) => l.req?.id === "req-telemetry-1");
    expect(line).toMatchObject({
      level: 30,
      msg: "request completed",
      req: { method: "POST", path: "/graphql" },
      res: { statusCode: 200 },
    });
    expect(typeof line.responseTime).toBe("number");
    const text = logLines.join("\n");
    expect(text).not.toContain(TEST_ADMIN_KEY);
    expect(text.toLowerCase()).not.toContain("authorization");
    expect(text).not.toContain("cookie-marker-88");
    expect(text).not.toContain("body-marker-77");
    expect(text).not.toContain("Secretive");
  });
});
