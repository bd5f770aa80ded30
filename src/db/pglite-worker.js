// The PGlite engine of `pglite-thread.ts`, run in a worker thread so a long statement holds
// this thread, not the server's event loop. Plain CommonJS: a worker boots without the
// TypeScript loader of its parent (tsx, vitest), and this file only relays messages.
//
// Requests, answered in the order they come (PGlite runs one statement at a time):
//   { id, kind: "query", sql, params, rowMode, rawTypes, paramTypes, blob } → { id, result }
//   { id, kind: "exec", sql } → { id, result: Results[] }
//   { id, kind: "close" } → { id, result: null }, then the thread ends
// A failed statement answers { id, error } with the PostgreSQL error fields (code, detail, …).
const { parentPort, workerData } = require("node:worker_threads");
const { PGlite } = require("@electric-sql/pglite");

/** Types whose text the caller parses itself (its parsers are functions, which cannot cross threads). */
const leaveAsText = (types) => Object.fromEntries((types ?? []).map((type) => [type, (text) => text]));

/** A blob crosses threads as bytes: the parent sends an ArrayBuffer, we answer one. */
async function resultOf(result) {
  if (!result.blob) return result;
  return { ...result, blob: await result.blob.arrayBuffer() };
}

function errorFields(error) {
  const fields = { message: error instanceof Error ? error.message : String(error) };
  if (error && typeof error === "object") {
    for (const [key, value] of Object.entries(error)) {
      if (key === "queryOptions" || key === "params") continue;
      if (value === null || ["string", "number", "boolean"].includes(typeof value)) fields[key] = value;
    }
  }
  return fields;
}

async function run(pg, request) {
  if (request.kind === "query") {
    const result = await pg.query(request.sql, request.params, {
      rowMode: request.rowMode,
      parsers: leaveAsText(request.rawTypes),
      paramTypes: request.paramTypes,
      blob: request.blob ? new Blob([request.blob]) : undefined,
    });
    return resultOf(result);
  }
  if (request.kind === "exec") return Promise.all((await pg.exec(request.sql)).map(resultOf));
  throw new Error(`unknown request ${request.kind}`);
}

async function main() {
  let pg;
  try {
    pg = await PGlite.create(workerData.dataDir);
  } catch (error) {
    parentPort.postMessage({ id: 0, error: errorFields(error) });
    return;
  }
  parentPort.postMessage({ id: 0, result: null });
  let queue = Promise.resolve();
  parentPort.on("message", (request) => {
    queue = queue.then(async () => {
      if (request.kind === "close") {
        await pg.close();
        parentPort.postMessage({ id: request.id, result: null });
        parentPort.close();
        return;
      }
      try {
        const result = await run(pg, request);
        const transfer = result.blob ? [result.blob] : [];
        parentPort.postMessage({ id: request.id, result }, transfer);
      } catch (error) {
        parentPort.postMessage({ id: request.id, error: errorFields(error) });
      }
    });
  });
}

main();
