import "reflect-metadata";
import { Command } from "commander";
import { StratumError } from "../errors";
import { registerDeliver } from "./commands/deliver";
import { registerErase } from "./commands/erase";
import { registerFit } from "./commands/fit";
import { registerKeys } from "./commands/keys";
import { registerLoad } from "./commands/load";
import { registerMetrics } from "./commands/metrics";
import { registerMigrate } from "./commands/migrate";
import { registerRefresh } from "./commands/refresh";
import { registerRollups } from "./commands/rollups";
import { registerSchema } from "./commands/schema";
import { registerSeed } from "./commands/seed";
import { registerServe } from "./commands/serve";
import { registerStart } from "./commands/start";
import { registerViews } from "./commands/views";

const program = new Command()
  .name("stratum")
  .description("Stratum: GraphQL semantic layer over an e-commerce customer data platform")
  .showHelpAfterError();

registerStart(program);
registerServe(program);
registerMigrate(program);
registerSchema(program);
registerSeed(program);
registerLoad(program);
registerKeys(program);
registerViews(program);
registerRefresh(program);
registerRollups(program);
registerFit(program);
registerMetrics(program);
registerErase(program);
registerDeliver(program);

// A message, never a stack: a coded error (bad configuration, a locked data directory, an API
// answer) says what to fix; its code comes first so scripts can tell them apart.
program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof StratumError) console.error(`${error.code}: ${error.message}`);
  else console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
