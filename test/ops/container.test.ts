import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import net from "node:net";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const compose = parse(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"));
const stratum = compose.services.stratum;

/** Dockerfile instructions, continuation lines joined, comments dropped. */
const instructions = readFileSync(path.join(ROOT, "Dockerfile"), "utf8")
  .replace(/\\\n\s*/g, "")
  .split("\n")
  .filter((line) => line.trim() && !line.startsWith("#"))
  .map((line) => {
    const [, keyword, rest] = /^(\w+)\s+(.*)$/.exec(line.trim()) ?? [];
    return { keyword, rest };
  });
const instruction = (keyword: string) => instructions.filter((i) => i.keyword === keyword).map((i) => i.rest);

describe("docker-compose.yml", () => {
  it("runs Stratum after PostgreSQL 15 is healthy, wired to it", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["postgres", "stratum"]);
    const pg = compose.services.postgres;
    expect(pg.image).toBe("postgres:15");
    expect(pg.healthcheck.test).toEqual(["CMD-SHELL", "pg_isready -U stratum -d stratum"]);
    expect(pg.environment.POSTGRES_USER).toBe("stratum");
    expect(pg.environment.POSTGRES_DB).toBe("stratum");

    expect(stratum.build).toBe(".");
    expect(stratum.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    // The same user, password variable, database and the service's host name.
    // Compose interpolates `${VAR:-default}` from the caller's environment.
    const password = `$\{POSTGRES_PASSWORD:-stratum}`;
    expect(pg.environment.POSTGRES_PASSWORD).toBe(password);
    expect(stratum.environment.DATABASE_URL).toBe(`postgres://stratum:${password}@postgres:5432/stratum`);
    // The admin key comes from the caller's environment and is required, never a default.
    expect(stratum.environment.STRATUM_ADMIN_KEY).toMatch(/^\$\{STRATUM_ADMIN_KEY:\?[^}]+\}$/);
    expect(stratum.environment.PORT).toBe("4000");
    expect(stratum.ports).toEqual(["4000:4000"]);
  });

  it("migrates, then serves with the image's CMD", () => {
    const cmd = JSON.parse(instruction("CMD")[0]) as string[];
    expect(cmd).toEqual(["node", "bin/stratum.js", "serve"]);
    expect(stratum.command).toEqual(["sh", "-c", `node bin/stratum.js migrate && exec ${cmd.join(" ")}`]);
  });
});

describe("Dockerfile", () => {
  it("builds on node:20-slim with production dependencies, as a non-root user, health-checked on /healthz", () => {
    expect(instruction("FROM")).toEqual(["node:20-slim"]);
    expect(instruction("RUN").some((run) => run.startsWith("npm ci --omit=dev"))).toBe(true);
    expect(instruction("USER")).toEqual(["node"]);
    const [healthcheck] = instruction("HEALTHCHECK");
    expect(healthcheck).toContain("/healthz");
    const copied = instruction("COPY").flatMap((copy) => copy.split(/\s+/).slice(0, -1));
    for (const needed of ["package.json", "package-lock.json", "tsconfig.json", "bin", "drizzle", "src"]) {
      expect(copied).toContain(needed);
    }
  });

  it("needs no dev dependency at run time: src and bin import only dependencies and Node built-ins", () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const allowed = new Set([...Object.keys(manifest.dependencies), ...builtinModules]);
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const file = path.join(dir, name);
        return statSync(file).isDirectory() ? files(file) : /\.(ts|js)$/.test(name) ? [file] : [];
      });
    const missing = new Set<string>();
    for (const file of [...files(path.join(ROOT, "src")), ...files(path.join(ROOT, "bin"))]) {
      const text = readFileSync(file, "utf8");
      // Type-only imports vanish when tsx strips the types.
      const specifiers = [
        ...[...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+["']([^"']+)["']/gms)].map(
          (m) => m[1],
        ),
        ...[...text.matchAll(/\brequire\(["']([^"']+)["']\)/g)].map((m) => m[1]),
        ...[...text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)].map((m) => m[1]),
      ];
      for (const specifier of specifiers) {
        if (specifier.startsWith(".")) continue;
        const bare = specifier.replace(/^node:/, "");
        const name = bare.startsWith("@") ? bare.split("/").slice(0, 2).join("/") : bare.split("/")[0];
        if (!allowed.has(name)) missing.add(`${name} (${path.relative(ROOT, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

const run = (command: string, args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<number>((resolve) => {
    execFile(command, args, { env, timeout: 10_000 }, (error) =>
      resolve(error ? Number((error as { code?: number }).code ?? 1) : 0),
    );
  });

describe.runIf(inject("postgresUrl") !== null)("the compose command, without an image [postgres]", () => {
  const adminUrl = inject("postgresUrl") as string;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const name = `stratum_test_${randomBytes(6).toString("hex")}`;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 1 });
  });

  it("migrates an empty database, answers /healthz and the HEALTHCHECK, and stops on SIGTERM", async () => {
    await admin.unsafe(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      DATABASE_URL: url.toString(),
      STRATUM_ADMIN_KEY: "compose-smoke-key",
      PORT: String(port),
    };
    const [command, ...args] = stratum.command as string[];
    child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));

    let health: Response | undefined;
    for (let attempt = 0; attempt < 120 && child.exitCode === null; attempt++) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (health) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(health?.status, output).toBe(200);
    expect(await health?.json()).toEqual({ status: "ok" });
    expect(output).toContain("migrated (postgres)");
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const [tables] = await postgres(url.toString(), { max: 1 }).begin(async (sql) => {
      const rows = await sql`select count(*)::int as n from information_schema.tables
        where table_schema = 'public' and table_name in ('events', 'orders', 'users')`;
      return [rows[0].n as number];
    });
    expect(tables).toBe(3);

    // The image's HEALTHCHECK command, run as Docker would (shell form, the container's env).
    const healthcheck = instruction("HEALTHCHECK")[0].replace(/^.*?\bCMD\s+/, "");
    expect(await run("sh", ["-c", healthcheck], env)).toBe(0);
    expect(await run("sh", ["-c", healthcheck], { ...env, PORT: String(await freePort()) })).toBe(1);

    // `exec` makes the server the process the signal reaches: it drains and exits 0.
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});
