import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const cli = path.resolve(__dirname, "../../bin/stratum.js");

it("runs from a folder outside the project (decorators need the project's tsconfig)", async () => {
  const { TSX_TSCONFIG_PATH: _, ...env } = process.env;
  const { stdout } = await run(process.execPath, [cli, "schema"], { cwd: tmpdir(), env });
  expect(stdout).toContain("type Query {");
  expect(stdout).toMatch(/^ {2}users\(/m);
}, 60_000);
