import type { Command } from "commander";
import { loadConfig } from "../../config";
import type { MaterialiseReport } from "../../rules/materialise";
import { openRuntime } from "../../server/runtime";
import { refreshAll } from "../../tags/schedule";

const keyList = (value: string): string[] =>
  value
    .split(",")
    .map((key) => key.trim())
    .filter(Boolean);

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
        const reports: MaterialiseReport[] = [];
        if (!options.tags && !options.segments) reports.push(await refreshAll(services.db));
        if (options.tags) reports.push(await services.tags.refresh(options.tags));
        if (options.segments) reports.push(await services.segments.refresh(options.segments));
        printResults(reports, Date.now() - started);
        if (reports.some((report) => report.failed.length > 0)) process.exitCode = 1;
      } finally {
        await services.db.close();
      }
    });
}
