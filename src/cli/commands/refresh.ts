import type { Command } from "commander";
import { loadConfig } from "../../config";
import type { RecommendationRefresh } from "../../personalisation/recommendations";
import type { MaterialiseReport, MaterialiseResult } from "../../rules/materialise";
import { openRuntime } from "../../server/runtime";
import { refreshAll } from "../../tags/schedule";
import { type RemoteApi, type RemoteOptions, remoteApi, withRemoteOptions } from "../remote";

const keyList = (value: string): string[] =>
  value
    .split(",")
    .map((key) => key.trim())
    .filter(Boolean);

function printRecommendations(
  refresh: Pick<RecommendationRefresh, "products" | "pairs" | "milliseconds">,
): void {
  console.log(
    `${"recs".padEnd(8)} ${"product similarities".padEnd(32)} products ${String(refresh.products).padStart(6)}  pairs ${refresh.pairs}  ${refresh.milliseconds} ms`,
  );
}

function printResults(reports: MaterialiseReport[], milliseconds: number): void {
  const refreshed = reports.flatMap((report) => report.refreshed);
  const failed = reports.flatMap((report) => report.failed);
  for (const r of refreshed) {
    console.log(
      `${r.kind.padEnd(8)} ${r.key.padEnd(32)} users ${String(r.users).padStart(9)}  +${r.entered}  -${r.exited}  ${r.milliseconds} ms`,
    );
  }
  for (const f of failed)
    console.log(`${f.kind.padEnd(8)} ${f.key.padEnd(32)} FAILED ${f.code}: ${f.message}`);
  console.log(
    `refreshed ${refreshed.length} definitions in ${milliseconds} ms${failed.length ? `; ${failed.length} failed` : ""}`,
  );
}

interface RefreshAnswer {
  tags: Omit<MaterialiseResult, "kind">[];
  segments: Omit<MaterialiseResult, "kind">[];
  failed: MaterialiseReport["failed"];
}

const REFRESH_FIELDS = "key users entered exited milliseconds";
const FAILED_FIELDS = "failed { kind key code message }";

/**
 * Through a server's API: `refreshTags` then `refreshSegments` (tags first, as segment
 * rules may read them). All of them when no keys are given; purchase-model scores are not
 * rescored there (`stratum fit` or the server's scheduled refresh does that).
 */
async function refreshThrough(
  api: RemoteApi,
  options: { tags?: string[]; segments?: string[] },
): Promise<MaterialiseReport> {
  const everything = !options.tags && !options.segments;
  const results: MaterialiseResult[] = [];
  const failed: MaterialiseReport["failed"] = [];
  // Tags first: segment rules may read them.
  const kinds = [
    { kind: "tag", mutation: "refreshTags", list: "tags", keys: options.tags },
    { kind: "segment", mutation: "refreshSegments", list: "segments", keys: options.segments },
  ] as const;
  for (const { kind, mutation, list, keys } of kinds) {
    if (!everything && !keys) continue;
    const answer = await api.request<Record<string, RefreshAnswer>>(
      `mutation($keys: [String!]) { ${mutation}(keys: $keys) { ${list} { ${REFRESH_FIELDS} } ${FAILED_FIELDS} } }`,
      { keys: keys ?? null },
    );
    results.push(...answer[mutation][list].map((r) => ({ kind, ...r })));
    failed.push(...answer[mutation].failed);
  }
  return { refreshed: results, failed };
}

/**
 * `stratum refresh [--tags a,b] [--segments c]`: everything (one shared pass, then the
 * recommendations) when no keys are given.
 */
export function registerRefresh(program: Command): void {
  withRemoteOptions(
    program
      .command("refresh")
      .description(
        "recompute rule/value tags and dynamic segments (recording entries and exits), then recommendations",
      )
      .option("--tags <keys>", "only these tags (comma-separated)", keyList)
      .option("--segments <keys>", "only these segments (comma-separated)", keyList),
  ).action(async (options: { tags?: string[]; segments?: string[] } & RemoteOptions) => {
    const api = remoteApi(options);
    const started = Date.now();
    const reports: MaterialiseReport[] = [];
    const everything = !options.tags && !options.segments;
    if (api) {
      reports.push(await refreshThrough(api, options));
      if (everything) {
        const answer = await api.request<{ refreshRecommendations: RecommendationRefresh }>(
          "mutation { refreshRecommendations { products pairs milliseconds } }",
        );
        printRecommendations(answer.refreshRecommendations);
      }
    } else {
      const services = await openRuntime(loadConfig());
      try {
        if (everything) {
          const report = await refreshAll(services.db, new Date(), services.sendTime.model);
          reports.push(report);
          printRecommendations(report.recommendations);
        }
        if (options.tags) reports.push(await services.tags.refresh(options.tags));
        if (options.segments) reports.push(await services.segments.refresh(options.segments));
      } finally {
        await services.db.close();
      }
    }
    printResults(reports, Date.now() - started);
    if (reports.some((report) => report.failed.length > 0)) process.exitCode = 1;
  });
}
