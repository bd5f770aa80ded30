import type { Command } from "commander";
import { loadConfig } from "../../config";
import type { MaterialiseResult } from "../../rules/materialise";
import { openRuntime } from "../../server/runtime";
import { refreshAll } from "../../tags/schedule";
import { type RemoteApi, type RemoteOptions, remoteApi, withRemoteOptions } from "../remote";

const keyList = (value: string): string[] =>
  value
    .split(",")
    .map((key) => key.trim())
    .filter(Boolean);

function printResults(results: MaterialiseResult[], milliseconds: number): void {
  for (const r of results) {
    console.log(
      `${r.kind.padEnd(8)} ${r.key.padEnd(32)} users ${String(r.users).padStart(9)}  +${r.entered}  -${r.exited}  ${r.milliseconds} ms`,
    );
  }
  console.log(`refreshed ${results.length} definitions in ${milliseconds} ms`);
}

interface RefreshAnswer {
  tags: Omit<MaterialiseResult, "kind">[];
  segments: Omit<MaterialiseResult, "kind">[];
}

const REFRESH_FIELDS = "key users entered exited milliseconds";

/**
 * Through a server's API: `refreshTags` then `refreshSegments` (tags first, as segment
 * rules may read them). All of them when no keys are given; purchase-model scores are not
 * rescored there (`stratum fit` or the server's scheduled refresh does that).
 */
async function refreshThrough(
  api: RemoteApi,
  options: { tags?: string[]; segments?: string[] },
): Promise<MaterialiseResult[]> {
  const everything = !options.tags && !options.segments;
  const results: MaterialiseResult[] = [];
  if (everything || options.tags) {
    const { refreshTags } = await api.request<{ refreshTags: RefreshAnswer }>(
      `mutation($keys: [String!]) { refreshTags(keys: $keys) { tags { ${REFRESH_FIELDS} } } }`,
      { keys: options.tags ?? null },
    );
    results.push(...refreshTags.tags.map((r) => ({ kind: "tag" as const, ...r })));
  }
  if (everything || options.segments) {
    const { refreshSegments } = await api.request<{ refreshSegments: RefreshAnswer }>(
      `mutation($keys: [String!]) { refreshSegments(keys: $keys) { segments { ${REFRESH_FIELDS} } } }`,
      { keys: options.segments ?? null },
    );
    results.push(...refreshSegments.segments.map((r) => ({ kind: "segment" as const, ...r })));
  }
  return results;
}

/** `stratum refresh [--tags a,b] [--segments c]`: everything (one shared pass) when no keys are given. */
export function registerRefresh(program: Command): void {
  withRemoteOptions(
    program
      .command("refresh")
      .description("recompute rule/value tags and dynamic segments, recording entries and exits")
      .option("--tags <keys>", "only these tags (comma-separated)", keyList)
      .option("--segments <keys>", "only these segments (comma-separated)", keyList),
  ).action(async (options: { tags?: string[]; segments?: string[] } & RemoteOptions) => {
    const api = remoteApi(options);
    const started = Date.now();
    if (api) {
      const results = await refreshThrough(api, options);
      printResults(results, Date.now() - started);
      return;
    }
    const services = await openRuntime(loadConfig());
    try {
      const results: MaterialiseResult[] = [];
      if (!options.tags && !options.segments) results.push(...(await refreshAll(services.db)));
      if (options.tags) results.push(...(await services.tags.refresh(options.tags)));
      if (options.segments) results.push(...(await services.segments.refresh(options.segments)));
      printResults(results, Date.now() - started);
    } finally {
      await services.db.close();
    }
  });
}
