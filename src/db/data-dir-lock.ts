import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { conflict } from "../errors";

/**
 * One process at a time on a PGlite directory. PGlite is PostgreSQL in this process's
 * memory: two processes on one directory each keep their own view and overwrite each
 * other's files (a key created by one is unknown to the other, writes are lost).
 *
 * The lock is a file in the directory holding the owner's pid, created atomically (a
 * complete file is hard-linked into place, which fails when one exists). A lock whose pid
 * is dead (or, on Linux, is now another process: its start time differs) is stale and taken over; the takeover itself runs under a short-lived guard
 * directory so that two processes finding the same stale lock cannot both win.
 */
export const LOCK_FILE = "stratum.lock";

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file (only if it is still this lock); idempotent. */
  release(): void;
}

interface LockOwner {
  pid: number;
  /** What the owner runs, for the message of whoever is refused. */
  command: string;
  /** Linux: the owner's start time, so a pid reused by another process is not taken for the owner. */
  started?: string;
  /** Tells this lock apart from an earlier one of the same pid (a restarted container's pid 1). */
  token: string;
}

/** Locks held by this process, by lock file path: a second open in-process is refused too. */
const held = new Map<string, DataDirLock>();
let exitHookInstalled = false;

/** A takeover guard older than this was left by a process that died mid-takeover. */
const GUARD_STALE_MS = 10_000;

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.resolve(dataDir, LOCK_FILE);
  const owner: LockOwner = {
    pid: process.pid,
    command: [path.basename(process.argv[1] ?? "node"), ...process.argv.slice(2)].join(" "),
    started: startTime(process.pid),
    token: randomBytes(8).toString("hex"),
  };
  const content = `${JSON.stringify(owner)}\n`;
  // Rounds: each creates the lock, refuses, or removes a stale lock (or waits while another
  // process does) and tries again.
  for (let attempt = 0; attempt < 50; attempt++) {
    if (tryCreate(file, content)) return remember(file, content);
    const found = readLock(file);
    if (!found) continue;
    if (found.owner && isHeldElsewhere(file, found.owner)) throw inUse(dataDir, file, found.owner);
    if (!takeOverStale(file, found.text)) sleep(20);
  }
  throw inUse(dataDir, file, readLock(file)?.owner);
}

function tryCreate(file: string, content: string): boolean {
  const draft = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(draft, content, { mode: 0o644 });
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    unlinkSync(draft);
  }
}

/** The lock file's text and, when it parses, its owner; undefined when there is none. */
function readLock(file: string): { text: string; owner?: LockOwner } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return Number.isInteger(owner.pid) && owner.pid > 0 ? { text, owner } : { text };
  } catch {
    // Not written by a Stratum lock (files are linked into place complete): nobody holds it.
    return { text };
  }
}

function isHeldElsewhere(file: string, holder: LockOwner): boolean {
  // Our own pid: held by this process (refuse), or left by an earlier process that had our pid.
  if (holder.pid === process.pid) return held.has(file);
  return isAlive(holder);
}

function isAlive(holder: LockOwner): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // After a crash or a reboot the pid may belong to an unrelated process by now.
  const started = startTime(holder.pid);
  return !(holder.started && started && started !== holder.started);
}

/** When a process started, in clock ticks since boot (`/proc/<pid>/stat`); undefined off Linux. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22; fields after the parenthesised command name start at field 3.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * Removes `file` if it still holds the stale text that was read, under the takeover guard.
 * False when another process holds the guard (it is taking over right now).
 */
function takeOverStale(file: string, staleText: string): boolean {
  const guard = `${file}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (Date.now() - statMtime(guard) <= GUARD_STALE_MS) return false;
    rmSync(guard, { recursive: true, force: true });
    return true;
  }
  try {
    if (readLock(file)?.text === staleText) unlinkSync(file);
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
  return true;
}

/** `lockDataDir` is synchronous (it runs once, before PGlite starts), so its wait is too. */
function sleep(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

function statMtime(target: string): number {
  try {
    return statSync(target).mtimeMs;
  } catch {
    return Date.now();
  }
}

function remember(file: string, content: string): DataDirLock {
  const lock: DataDirLock = {
    file,
    release() {
      if (held.get(file) !== lock) return;
      held.delete(file);
      try {
        if (readFileSync(file, "utf8") === content) unlinkSync(file);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
  held.set(file, lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Also on process.exit() without close; a killed process leaves a stale lock, taken over later.
    process.on("exit", () => {
      for (const open of [...held.values()]) open.release();
    });
  }
  return lock;
}

function inUse(dataDir: string, file: string, holder: LockOwner | undefined) {
  const who = holder ? `process ${holder.pid} (${holder.command})` : "another Stratum process";
  return conflict(
    `A server or another stratum command is using ${dataDir}: ${who} holds ${file}. ` +
      "Use the running server's API (the CLI takes --url <server> --key <key>), or DATABASE_URL " +
      "(PostgreSQL) to share one database between processes",
    { dataDir, lockFile: file, pid: holder?.pid },
  );
}
