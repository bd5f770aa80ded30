import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layer rule of the house, checked over the import statements of every file under src:
 * compilers and declarations know nothing of services, HTTP or GraphQL; services know
 * nothing of the server or the resolvers; the error type knows nothing of GraphQL.
 */
const root = path.resolve(__dirname, "../..");
const src = path.join(root, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith(".ts") ? [full] : [];
  });
}

/** A project module as `src/...` without extension (`src/segments/index` for a folder), else the package name. */
function resolveImport(fromFile: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [`${base}.ts`, path.join(base, "index.ts")];
  const found = candidates.find((candidate) => {
    try {
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
  return path
    .relative(root, found ?? base)
    .replace(/\\/g, "/")
    .replace(/\.ts$/, "");
}

const IMPORT = /(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\s+"([^"]+)"/g;

const imports = new Map(
  sourceFiles(src).map((file) => {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(IMPORT)].map((m) => resolveImport(file, m[1] ?? m[2]));
    return [path.relative(root, file).replace(/\\/g, "/").replace(/\.ts$/, ""), targets] as const;
  }),
);

const GRAPHQL_OR_HTTP = /^(graphql|type-graphql|@apollo\/.*|express|@as-integrations\/.*)(\/.*)?$/;
const isService = (module: string) => /^src\/.+\/service$/.test(module);
const isServerOrResolver = (module: string) => /^src\/(server|resolvers)\//.test(module);

const RULE_COMPILER = /^src\/rules\/(ast|parser|checker|compiler|json|catalog|errors)$/;
const isCompilerOrDeclaration = (module: string) =>
  module.startsWith("src/semantic/") ||
  module.startsWith("src/analytics/compile/") ||
  RULE_COMPILER.test(module) ||
  (module.startsWith("src/metrics/") && !isService(module));

function violations(select: (module: string) => boolean, forbidden: (target: string) => boolean): string[] {
  return [...imports]
    .filter(([module]) => select(module))
    .flatMap(([module, targets]) => targets.filter(forbidden).map((target) => `${module} imports ${target}`));
}

describe("layers", () => {
  it("finds the modules and their imports", () => {
    // A resolver that silently matched nothing would make every assertion below vacuous.
    expect(imports.get("src/semantic/metrics/compile")).toContain("src/semantic/facts");
    expect(imports.get("src/analytics/service")).toContain("src/db/client");
    expect(imports.get("src/server/app")).toContain("express");
  });

  it("compilers and declarations import no service, server, resolver, GraphQL or HTTP module", () => {
    expect(
      violations(
        isCompilerOrDeclaration,
        (target) => isService(target) || isServerOrResolver(target) || GRAPHQL_OR_HTTP.test(target),
      ),
    ).toEqual([]);
  });

  it("compilers and declarations import only compilers, declarations and foundation modules", () => {
    const allowed = (target: string) =>
      !target.startsWith("src/") ||
      isCompilerOrDeclaration(target) ||
      ["src/errors", "src/dates", "src/text", "src/pagination", "src/db/client", "src/db/columns"].includes(
        target,
      ) ||
      target.startsWith("src/db/schema");
    expect(violations(isCompilerOrDeclaration, (target) => !allowed(target))).toEqual([]);
  });

  it("services import no server or resolver module", () => {
    expect(violations(isService, isServerOrResolver)).toEqual([]);
  });

  it("the error type imports no GraphQL", () => {
    expect(imports.get("src/errors")?.filter((target) => GRAPHQL_OR_HTTP.test(target))).toEqual([]);
  });
});
