import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { printSchema } from "graphql";
import { buildStratumSchema } from "../../server/schema";

export function registerSchema(program: Command): void {
  program
    .command("schema")
    .description("print the GraphQL schema (SDL), or check a checked-in copy is current")
    .option("--check <file>", "fail when FILE differs from the schema the code builds")
    .action((options: { check?: string }) => {
      const sdl = `${printSchema(buildStratumSchema())}\n`;
      if (!options.check) {
        process.stdout.write(sdl);
        return;
      }
      if (readFileSync(options.check, "utf8") !== sdl) {
        console.error(`${options.check} is stale: run \`npm run codegen\` and commit the result`);
        process.exit(1);
      }
      console.log(`${options.check} is current`);
    });
}
