import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect, type Database, sql } from "../../src/db/client";
import { LOCK_FILE } from "../../src/db/data-dir-lock";
import { StratumError } from "../../src/errors";

const ROOT = path.join(__dirname, "../..");
const CLI = path.join(ROOT, "bin/stratum.js");

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.once("exit", resolve));
  if (!child.pid) throw new Error("no pid");
  return child.pid;
}

describe("PGlite data directory lock", () => {
  let root: string;
  let dataDir: string;
  const open: Database[] = [];
  // One directory for the file: PGlite's first open (initdb) costs seconds, later opens less.
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "stratum-lock-"));
    dataDir = path.join(root, "data");
    await (await connect({ dataDir })).close();
  });
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
    await rm(lockFile(), { force: true });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const lockFile = () => path.join(dataDir, LOCK_FILE);
  const lockOwner = async () => JSON.parse(await readFile(lockFile(), "utf8")) as { pid: number };

  it("refuses a second open in the same process with CONFLICT, and allows it after close", async () => {
    const first = await connect({ dataDir });
    open.push(first);
    expect(await lockOwner()).toMatchObject({ pid: process.pid });
    const second = await connect({ dataDir }).then(
      () => new Error("the second open succeeded"),
      (error: unknown) => error,
    );
    expect(second).toBeInstanceOf(StratumError);
    expect((second as StratumError).code).toBe("CONFLICT");
    expect((second as StratumError).details).toMatchObject({ dataDir, pid: process.pid });
    expect((second as StratumError).message).toContain(`using ${dataDir}: process ${process.pid}`);
    expect((second as StratumError).message).toContain("--url");
    expect((second as StratumError).message).toContain("DATABASE_URL");

    await open.pop()?.close();
    expect(existsSync(lockFile())).toBe(false);
    const again = await connect({ dataDir });
    open.push(again);
    expect(await again.query<{ one: number }>(sql`select 1 as one`)).toEqual([{ one: 1 }]);
  });

  it("refuses a stratum command in another process: coded message naming the pid, no stack, exit 1", async () => {
    open.push(await connect({ dataDir }));
    const result = spawnSync(process.execPath, [CLI, "keys", "list"], {
      env: { ...process.env, STRATUM_DATA_DIR: dataDir, DATABASE_URL: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^CONFLICT: A server or another stratum command is using ${dataDir}: process ${process.pid} `,
      ),
    );
    expect(result.stderr).toContain("--url <server> --key <key>");
    expect(result.stderr).not.toMatch(/^\s+at /m);
    // The holder's lock is untouched.
    expect(await lockOwner()).toMatchObject({ pid: process.pid });
  });

  it("takes over the lock of a process that died without releasing it", async () => {
    const dead = await deadPid();
    await writeFile(lockFile(), JSON.stringify({ pid: dead, command: "stratum.js serve", token: "t" }));
    const db = await connect({ dataDir });
    open.push(db);
    expect(await lockOwner()).toMatchObject({ pid: process.pid });
  });

  it("takes over a lock whose pid now belongs to another process (started at another time)", async () => {
    // The parent process is alive, but it is not the process that wrote this lock.
    const reused = { pid: process.ppid, command: "stratum.js serve", started: "1", token: "t" };
    await writeFile(lockFile(), JSON.stringify(reused));
    open.push(await connect({ dataDir }));
    expect(await lockOwner()).toMatchObject({ pid: process.pid });
  });

  it("takes over a lock file that no Stratum process wrote (unreadable)", async () => {
    await writeFile(lockFile(), "garbage");
    open.push(await connect({ dataDir }));
    expect(await lockOwner()).toMatchObject({ pid: process.pid });
  });

  it("removes a takeover guard left by a process that died mid-takeover", async () => {
    await writeFile(
      lockFile(),
      JSON.stringify({ pid: await deadPid(), command: "stratum.js seed", token: "t" }),
    );
    const guard = `${lockFile()}.takeover`;
    await mkdir(guard);
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(guard, minuteAgo, minuteAgo);
    open.push(await connect({ dataDir }));
    expect(await lockOwner()).toMatchObject({ pid: process.pid });
    expect(existsSync(guard)).toBe(false);
  });

  it("two processes finding the same stale lock: exactly one takes it", async () => {
    await writeFile(
      lockFile(),
      JSON.stringify({ pid: await deadPid(), command: "stratum.js seed", token: "t" }),
    );
    // Each child opens the directory, says whether it got it, and holds it for a moment.
    const script = `require("tsx/cjs");
      require("./src/db/client.ts").connect({ dataDir: process.argv[1] }).then(
        (db) => { console.log("locked"); setTimeout(() => db.close(), 3000); },
        (error) => { console.log(error.code); },
      );`;
    const child = () =>
      new Promise<string>((resolve) => {
        const proc = spawn(process.execPath, ["-e", script, dataDir], { cwd: ROOT });
        let out = "";
        proc.stdout.on("data", (chunk) => {
          out += chunk;
        });
        proc.once("close", () => resolve(out.trim()));
      });
    const answers = await Promise.all([child(), child()]);
    expect(answers.sort()).toEqual(["CONFLICT", "locked"]);
  });

  it("a server stopped with SIGTERM closes the database and releases the lock", async () => {
    // Not NODE_ENV=test: Apollo listens for termination signals everywhere else.
    const server = spawn(process.execPath, [CLI, "serve"], {
      env: {
        ...process.env,
        STRATUM_DATA_DIR: dataDir,
        DATABASE_URL: "",
        PORT: "0",
        NODE_ENV: "development",
      },
    });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      server.stdout.on("data", (chunk) => {
        out += chunk;
        if (out.includes("Stratum is serving at")) resolve();
      });
      server.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    expect(await lockOwner()).toMatchObject({ pid: server.pid });
    const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(existsSync(lockFile())).toBe(false);
  });

  it("releases the lock when a process exits without closing the database", async () => {
    const script = `require("tsx/cjs");
      require("./src/db/client.ts").connect({ dataDir: process.argv[1] }).then(() => {
        require("node:fs").accessSync(process.argv[1] + "/${LOCK_FILE}");
        process.exit(0);
      });`;
    const result = spawnSync(process.execPath, ["-e", script, dataDir], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(existsSync(lockFile())).toBe(false);
  });
});
