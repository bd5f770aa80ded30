import { Presets, SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../../config";
import { LOAD_KINDS, type LoadKind, type LoadSummary, loadFile } from "../../ingest/load";
import { openRuntime } from "../../server/runtime";

function kindOf(value: string): LoadKind {
  if (!(LOAD_KINDS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${LOAD_KINDS.join(", ")}`);
  return value as LoadKind;
}

export function formatSummary(summary: LoadSummary): string {
  const rate = summary.seconds > 0 ? Math.round(summary.records / summary.seconds) : summary.records;
  return [
    `loaded ${summary.kind} from ${summary.file} in ${summary.seconds.toFixed(1)} s (${rate.toLocaleString("en")} records/s)`,
    `  records    ${summary.records}`,
    `  accepted   ${summary.accepted}`,
    `  updated    ${summary.updated}`,
    `  duplicates ${summary.duplicates}`,
    `  rejected   ${summary.rejected}${summary.rejectsFile ? ` (line and reason in ${summary.rejectsFile})` : ""}`,
  ].join("\n");
}

export function registerLoad(program: Command): void {
  program
    .command("load")
    .description("load an NDJSON or CSV file of events, orders, users or products (idempotent)")
    .argument("<kind>", LOAD_KINDS.join(" | "), kindOf)
    .argument("<file>", "a .ndjson (.jsonl) or .csv file")
    .option("--no-progress", "do not draw a progress bar")
    .action(async (kind: LoadKind, file: string, options: { progress: boolean }) => {
      const services = await openRuntime(loadConfig());
      const bar = new SingleBar(
        {
          format: `loading ${kind} |{bar}| {percentage}% | {value}/{total} MB | {duration_formatted}`,
          stream: process.stderr,
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
      let started = false;
      try {
        const summary = await loadFile(services.ingest, kind, file, {
          onProgress: options.progress
            ? (read, total) => {
                if (!started) bar.start(mb(total), 0);
                started = true;
                bar.update(mb(read));
              }
            : undefined,
        });
        bar.stop();
        console.log(formatSummary(summary));
        if (summary.rejected > 0) process.exitCode = 2;
      } finally {
        bar.stop();
        await services.db.close();
      }
    });
}
