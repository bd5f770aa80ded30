#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so a fresh clone needs no build step.
// tsx reads tsconfig.json from the working directory; point it at the project's own, so
// decorators compile whichever folder the CLI is started from.
const path = require("node:path");
process.env.TSX_TSCONFIG_PATH ??= path.join(__dirname, "..", "tsconfig.json");
require("tsx/cjs");
require("../src/cli/main.ts");
