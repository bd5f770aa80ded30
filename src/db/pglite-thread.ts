import { AsyncLocalStorage } from "node:async_hooks";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { Mutex, type QueryOptions, type Results, TransactionAbortedError } from "@electric-sql/pglite";

/**
 * PGlite run in a worker thread, with the slice of PGlite's client API that drizzle's PGlite
 * driver and `copyRows` use (`query`, `transaction`, `close`). A statement runs on the
 * worker, so the server's event loop keeps answering while it does; and a statement
 * sent under `withinBudget` that outlasts its budget is stopped by terminating the thread
 * (WebAssembly cannot be interrupted any other way: PGlite ignores `statement_timeout`
 * and has no cancel call) and answers SQLSTATE 57014, like a PostgreSQL statement timeout.
 *
 * Terminating the thread is a crash of that PostgreSQL: what was committed is in the data
 * directory's WAL (each write is a system call into the OS, which outlives the thread;
 * PGlite's `-F` only skips fsync, which matters for an OS crash, not a process one), and
 * the next thread opens the directory with crash recovery, rolling back what was not. So
 * only a thread on a data directory can be stopped; in memory (`dataDir` undefined) the
 * data lives in the thread, and a statement runs to its end whatever its budget.
 */
export class PGliteThread {
  /** Whether a statement over its budget is stopped (a data directory) or runs to its end (in memory). */
  readonly canStop: boolean;
  /** The current thread; null while a stopped one is being replaced. */
  private worker: Worker | null = null;
  /** Bumped at each new thread: a transaction begun on an earlier one is gone. */
  private generation = 0;
  /** A thread being started; every request waits for it. */
  private starting: Promise<void>;
  /** Set once closed, or once a thread in memory is lost: every request fails with it. */
  private stopped: Error | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Like PGlite's own: a statement outside a transaction waits for an open transaction to end. */
  private readonly exclusive = new Mutex();

  private constructor(private readonly dataDir: string | undefined) {
    this.canStop = dataDir !== undefined;
    this.starting = this.spawn();
  }

  /** Opens PGlite on `dataDir` (in memory when undefined) in a thread of its own. */
  static async start(dataDir: string | undefined): Promise<PGliteThread> {
    const thread = new PGliteThread(dataDir);
    await thread.starting;
    return thread;
  }

  query<T>(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<Results<T>> {
    return this.exclusive.runExclusive(() => this.send(queryRequest(sql, params, options), options));
  }

  async transaction<T>(fn: (tx: PGliteThreadTransaction) => Promise<T>): Promise<T> {
    return this.exclusive.runExclusive(async () => {
      await this.send({ kind: "exec", sql: "BEGIN" });
      const generation = this.generation;
      let closed = false;
      const usable = () => {
        if (closed) throw new Error("Transaction is closed");
        // The thread that held this transaction was stopped: its statements were rolled
        // back, and anything sent now would run outside any transaction.
        if (generation !== this.generation) throw threadRestarted();
      };
      const tx: PGliteThreadTransaction = {
        query: async <R>(sql: string, params: unknown[] = [], options: QueryOptions = {}) => {
          usable();
          return this.send<Results<R>>(queryRequest(sql, params, options), options);
        },
        rollback: async () => {
          usable();
          await this.send({ kind: "exec", sql: "ROLLBACK" });
          closed = true;
        },
        get closed() {
          return closed;
        },
      };
      try {
        const result = await fn(tx);
        if (!closed) {
          closed = true;
          if (generation !== this.generation) throw threadRestarted();
          const [commit] = await this.send<Results[]>({ kind: "exec", sql: "COMMIT" });
          if (commit?.command === "ROLLBACK") throw new TransactionAbortedError();
        }
        return result;
      } catch (error) {
        if (!closed) {
          closed = true;
          if (generation === this.generation) await this.send({ kind: "exec", sql: "ROLLBACK" });
        }
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.exclusive.runExclusive(async () => {
      if (this.stopped) return;
      await this.starting;
      // From here the thread's exit is expected, not a crash to recover from.
      this.stopped = new Error("The embedded database is closed");
      const worker = this.worker!;
      await this.post(worker, { kind: "close" });
      await worker.terminate();
    });
  }

  private spawn(): Promise<void> {
    const worker = new Worker(path.join(__dirname, "pglite-worker.js"), {
      workerData: { dataDir: this.dataDir },
    });
    this.worker = worker;
    this.generation++;
    let opened = false;
    const ready = new Promise<void>((resolve, reject) => this.pending.set(0, { resolve, reject })).then(
      () => {
        opened = true;
      },
    );
    worker.on("message", (message: Answer) => this.answer(worker, message));
    const lost = (error: Error) => {
      // Ours to recover only if it is the current thread, it had opened, and nobody closed it.
      if (worker !== this.worker || this.stopped) return;
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
      if (opened && this.canStop) this.starting = this.restart();
      else this.stopped = error;
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`the embedded database thread exited (${code})`)));
    return ready;
  }

  private answer(worker: Worker, { id, result, error }: Answer): void {
    if (worker !== this.worker) return;
    const call = this.pending.get(id);
    if (!call) return;
    this.pending.delete(id);
    if (this.pending.size === 0) worker.unref();
    if (error) call.reject(Object.assign(new Error(error.message), error));
    else call.resolve(result);
  }

  private async send<R>(request: Request, options: QueryOptions = {}): Promise<R> {
    if (request.kind === "query" && options.blob) request.blob = await options.blob.arrayBuffer();
    await this.starting;
    if (this.stopped) throw this.stopped;
    const budgetMs = statementBudget.getStore();
    const result = (await this.post(this.worker!, request, this.canStop ? budgetMs : undefined)) as any;
    return (request.kind === "query" ? withCallerParsers(result, options) : result) as R;
  }

  private async post(worker: Worker, request: Request, budgetMs?: number): Promise<unknown> {
    const id = this.nextId++;
    const answered = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    worker.ref();
    worker.postMessage({ ...request, id }, request.kind === "query" && request.blob ? [request.blob] : []);
    const timer = budgetMs === undefined ? null : setTimeout(() => this.stop(id, budgetMs), budgetMs);
    try {
      return await answered;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** Statement `id` outlasted its budget: end its thread, answer 57014, open a new thread. */
  private stop(id: number, budgetMs: number): void {
    const worker = this.worker;
    if (!this.pending.has(id) || this.stopped || !worker) return;
    const held = [...this.pending.entries()];
    this.pending.clear();
    // Detached first, so the exit of the terminated thread is not taken for a crash.
    this.worker = null;
    this.starting = worker.terminate().then(() => {
      for (const [other, call] of held)
        call.reject(other === id ? statementTimeout(budgetMs) : threadRestarted());
      return this.restart();
    });
  }

  /** A new thread on the same data directory; if it cannot open, every later request fails with why. */
  private restart(): Promise<void> {
    return this.spawn().catch((error: Error) => {
      this.stopped = error;
    });
  }
}

/** What a transaction of `PGliteThread.transaction` hands to its callback. */
export interface PGliteThreadTransaction {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  rollback(): Promise<void>;
  readonly closed: boolean;
}

const statementBudget = new AsyncLocalStorage<number>();

/**
 * Runs `fn` with a time budget for each statement it sends to a `PGliteThread` on a data
 * directory: a statement still running after `budgetMs` is stopped (SQLSTATE 57014).
 */
export function withinBudget<T>(budgetMs: number, fn: () => Promise<T>): Promise<T> {
  return statementBudget.run(budgetMs, fn);
}

type Request =
  | {
      kind: "query";
      sql: string;
      params: unknown[];
      rowMode?: "array" | "object";
      rawTypes: number[];
      paramTypes?: number[];
      blob?: ArrayBuffer;
    }
  | { kind: "exec"; sql: string }
  | { kind: "close" };

type Answer = { id: number; result?: unknown; error?: { message: string } & Record<string, unknown> };
type Pending = { resolve: (value: any) => void; reject: (error: Error) => void };

function queryRequest(sql: string, params: unknown[], options: QueryOptions): Request {
  if (options.serializers || options.onNotice) {
    throw new Error("PGliteThread: serializers and onNotice do not cross the thread boundary");
  }
  return {
    kind: "query",
    sql,
    params,
    rowMode: options.rowMode,
    rawTypes: Object.keys(options.parsers ?? {}).map(Number),
    paramTypes: options.paramTypes,
  };
}

/** The worker left the caller's parser types as text: parse them here, as PGlite would have. */
function withCallerParsers(result: any, options: QueryOptions): Results<unknown> {
  const out = result.blob ? { ...result, blob: new Blob([result.blob]) } : result;
  const parsers = options.parsers;
  if (!parsers || !out.fields) return out;
  const parsed = (out.fields as Array<{ name: string; dataTypeID: number }>)
    .map((field, index) => ({
      key: options.rowMode === "array" ? index : field.name,
      type: field.dataTypeID,
    }))
    .filter(({ type }) => parsers[type]);
  if (parsed.length === 0) return out;
  for (const row of out.rows) {
    for (const { key, type } of parsed) {
      const value = row[key];
      if (value !== null && value !== undefined) row[key] = parsers[type](value);
    }
  }
  return out;
}

function statementTimeout(budgetMs: number): Error {
  return Object.assign(new Error(`canceling statement due to statement timeout (${budgetMs} ms)`), {
    code: "57014",
    severity: "ERROR",
  });
}

function threadRestarted(): Error {
  return Object.assign(
    new Error("terminating connection: the embedded database thread was restarted after a statement timeout"),
    { code: "57P01", severity: "FATAL" },
  );
}
