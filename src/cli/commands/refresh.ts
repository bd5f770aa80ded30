import type { Command } from "commander";
import { loadConfig } from "../../config";
import type { MaterialiseResult } from "../../rules/materialise";
import { openRuntime } from "../../server/runtime";
import { refreshAll } from "../../tags/schedule";

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

/** `stratum refresh [--tags a,b] [--segments c]`: everything (one shared pass) when no keys are given. */
export function registerRefresh(program: Command): void {
  program
    .command("refresh")
    .description("recompute rule/value tags and dynamic segments, recording entries and exits")
    .option("--tags <keys>", "only these tags (comma-separated)", keyList)
    .option("--segments <keys>", "only these segments (comma-separated)", keyList)
    .action(async (options: { tags?: string[]; segments?: string[] }) => {
      const services = await openRuntime(loadConfig());
      try {
        const started = Date.now();
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
