import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { badInput } from "../errors";
import type { EventInput, IdentifyInput, IngestResult, OrderInput, ProductInput } from "./contract";
import { MAX_BATCH_SIZE } from "./contract";
import { csvHeader, LineError, ndjsonRecord, splitCsvLine } from "./formats";
import { type IngestService, MAX_BULK_CHUNK } from "./service";
import { RejectCode } from "./validate";

export const LOAD_KINDS = ["events", "orders", "users", "products"] as const;
export type LoadKind = (typeof LOAD_KINDS)[number];

export interface LoadOptions {
  /** Items per service call: ≤ 1000, or ≤ `MAX_BULK_CHUNK` for events (default `EVENT_CHUNK`). */
  batchSize?: number;
  /** Batches written at once; default: 2 for events on PostgreSQL, else 1 (orders and profiles apply in order). */
  concurrency?: number;
  /** Called after each batch with the bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface LoadSummary {
  kind: LoadKind;
  file: string;
  /** Records read (data lines, without the CSV header and blank lines). */
  records: number;
  accepted: number;
  updated: number;
  duplicates: number;
  rejected: number;
  /** Where rejected lines were written (null when none were). */
  rejectsFile: string | null;
  seconds: number;
}

interface SourceRecord {
  line: number;
  /** The parsed item, or why the line could not be read. */
  item?: unknown;
  error?: { code: string; message: string };
}

const emptyToNull = (value: unknown) => (value === "" || value === undefined ? null : value);

function parseJsonCell(value: unknown, column: string): Record<string, unknown> | null {
  const text = emptyToNull(value);
  if (text === null) return null;
  try {
    return JSON.parse(String(text));
  } catch {
    throw new LineError(`${column} is not valid JSON`, RejectCode.INVALID_JSON);
  }
}

/** CSV rows (snake_case or camelCase headers, docs/loading.md) → the service's inputs. */
const fromCsv: Record<LoadKind, (row: Record<string, string>) => unknown> = {
  events: (r): EventInput => ({
    messageId: r.message_id,
    event: r.event,
    timestamp: r.timestamp,
    userId: emptyToNull(r.user_id) as string | null,
    anonymousId: emptyToNull(r.anonymous_id) as string | null,
    sessionId: emptyToNull(r.session_id) as string | null,
    channel: emptyToNull(r.channel) as string | null,
    platform: emptyToNull(r.platform) as string | null,
    utm: {
      source: emptyToNull(r.utm_source) as string | null,
      medium: emptyToNull(r.utm_medium) as string | null,
      campaign: emptyToNull(r.utm_campaign) as string | null,
    },
    properties: parseJsonCell(r.properties, "properties"),
  }),
  orders: (r): OrderInput =>
    ({
      orderId: r.order_id,
      userId: emptyToNull(r.user_id),
      anonymousId: emptyToNull(r.anonymous_id),
      placedAt: r.placed_at,
      status: r.status,
      totalAmount: emptyToNull(r.total_amount),
      refundedAmount: emptyToNull(r.refunded_amount),
      channel: emptyToNull(r.channel),
      platform: emptyToNull(r.platform),
      couponCode: emptyToNull(r.coupon_code),
      campaignId: emptyToNull(r.campaign_id),
    }) as OrderInput,
  users: (r): IdentifyInput => ({
    userId: emptyToNull(r.user_id) as string | null,
    anonymousId: emptyToNull(r.anonymous_id) as string | null,
    identities: [
      ...(emptyToNull(r.email) === null ? [] : [{ type: "email", value: r.email }]),
      ...(emptyToNull(r.phone) === null ? [] : [{ type: "phone", value: r.phone }]),
    ],
    traits: parseJsonCell(r.traits, "traits"),
  }),
  products: (r): ProductInput =>
    ({
      productId: r.product_id,
      name: r.name,
      category: emptyToNull(r.category),
      brand: emptyToNull(r.brand),
      price: emptyToNull(r.price),
    }) as ProductInput,
};

/** The lines of one read of a file: `lines[i]` is line number `first + i`. */
interface LineBatch {
  first: number;
  lines: string[];
}

/** Bytes per read: a batch of a few thousand lines per step of the loop instead of one. */
const READ_SIZE = 1 << 20;

/**
 * Lines of a text file (split at \n or \r\n), a read at a time, counting the bytes read;
 * a UTF-8 BOM is dropped and a last line without its newline still counts.
 */
async function* lineBatches(file: string, counter: { bytes: number }): AsyncGenerator<LineBatch> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let next = 1;
  const batch = (text: string, last: boolean): LineBatch => {
    const lines = text.split("\n");
    rest = last ? "" : (lines.pop() as string);
    for (let i = 0; i < lines.length; i++) if (lines[i].endsWith("\r")) lines[i] = lines[i].slice(0, -1);
    if (next === 1 && lines.length > 0 && lines[0].startsWith("\uFEFF")) lines[0] = lines[0].slice(1);
    const first = next;
    next += lines.length;
    return { first, lines };
  };
  for await (const chunk of createReadStream(file, { highWaterMark: READ_SIZE }) as AsyncIterable<Buffer>) {
    counter.bytes += chunk.length;
    const read = batch(rest + decoder.write(chunk), false);
    if (read.lines.length > 0) yield read;
  }
  const tail = rest + decoder.end();
  if (tail !== "") yield batch(tail, true);
}

/** One NDJSON line as a record, or why it cannot be read. */
function ndjsonLine(line: number, text: string): SourceRecord | null {
  if (text.trim() === "") return null;
  let item: unknown;
  try {
    item = JSON.parse(text);
  } catch {
    return { line, error: { code: RejectCode.INVALID_JSON, message: "the line is not valid JSON" } };
  }
  if (!item || typeof item !== "object" || Array.isArray(item))
    return { line, error: { code: RejectCode.INVALID_JSON, message: "a line must hold one JSON object" } };
  try {
    return { line, item: ndjsonRecord(item as Record<string, unknown>) };
  } catch (error) {
    if (!(error instanceof LineError)) throw error;
    return { line, error: { code: error.code, message: error.message } };
  }
}

async function* readNdjson(file: string, counter: { bytes: number }): AsyncGenerator<SourceRecord[]> {
  for await (const { first, lines } of lineBatches(file, counter)) {
    const records: SourceRecord[] = [];
    for (let i = 0; i < lines.length; i++) {
      const record = ndjsonLine(first + i, lines[i]);
      if (record) records.push(record);
    }
    yield records;
  }
}

/**
 * CSV, one record per line (see `splitCsvLine`): the first non-blank line is the header;
 * a line that cannot be read (open quote, wrong number of fields, bad JSON cell) is
 * rejected with its number and the lines after it still load.
 */
async function* readCsv(
  file: string,
  kind: LoadKind,
  counter: { bytes: number },
): AsyncGenerator<SourceRecord[]> {
  let columns: string[] | null = null;
  for await (const { first, lines } of lineBatches(file, counter)) {
    const records: SourceRecord[] = [];
    for (const [index, text] of lines.entries()) {
      const line = first + index;
      if (text.trim() === "") continue;
      try {
        const fields = splitCsvLine(text);
        if (!columns) {
          columns = csvHeader(kind, fields);
          continue;
        }
        if (fields.length !== columns.length)
          throw new LineError(`the line has ${fields.length} fields; the header has ${columns.length}`);
        const row: Record<string, string> = {};
        for (const [field, column] of columns.entries()) row[column] = fields[field];
        records.push({ line, item: fromCsv[kind](row) });
      } catch (error) {
        if (!(error instanceof LineError)) throw error;
        if (!columns) throw badInput(`${kind} CSV: the header line ${error.message}`, { argument: "file" });
        records.push({ line, error: { code: error.code, message: error.message } });
      }
    }
    yield records;
  }
}

/**
 * Events are order-free and idempotent, so on PostgreSQL two batches are written at once
 * (Node prepares one while the server writes the other). Orders, users and products apply
 * in file order; PGlite is one connection.
 */
function defaultConcurrency(kind: LoadKind, ingest: IngestService): number {
  return kind === "events" && ingest.driver === "postgres" ? 2 : 1;
}

/**
 * Events per loader chunk. Each chunk costs a fixed handful of statements (known message
 * ids, identity lookup, insert, one profile update per distinct user), so larger chunks
 * spread that cost over more events; 10k keeps a chunk's JSON parameter a few MB.
 */
export const EVENT_CHUNK = 10_000;

/** Loads are idempotent replays: a batch may commit without waiting for the WAL flush. */
const LOAD_OPTIONS = { actor: "stratum load", asyncCommit: true };

function send(ingest: IngestService, kind: LoadKind, items: unknown[]): Promise<IngestResult> {
  switch (kind) {
    case "events":
      return ingest.trackBulk(items as EventInput[], LOAD_OPTIONS);
    case "orders":
      return ingest.recordOrders(items as OrderInput[], LOAD_OPTIONS);
    case "users":
      return ingest.identifyMany(items as IdentifyInput[], LOAD_OPTIONS);
    case "products":
      return ingest.upsertProducts(items as ProductInput[]);
  }
}

/**
 * `stratum load`: streams an NDJSON or CSV file through the ingestion service in batches
 * (constant memory; one batch in flight while the next is parsed), writes each rejected
 * line with its number and reason to `FILE.rejects` (NDJSON), and sums the outcomes.
 * Loading the same file again only counts duplicates.
 */
export async function loadFile(
  ingest: IngestService,
  kind: LoadKind,
  file: string,
  options: LoadOptions = {},
): Promise<LoadSummary> {
  const started = Date.now();
  const limit = kind === "events" ? MAX_BULK_CHUNK : MAX_BATCH_SIZE;
  const batchSize = Math.min(options.batchSize ?? (kind === "events" ? EVENT_CHUNK : MAX_BATCH_SIZE), limit);
  const extension = path.extname(file).toLowerCase();
  const counter = { bytes: 0 };
  const records =
    extension === ".csv"
      ? readCsv(file, kind, counter)
      : extension === ".ndjson" || extension === ".jsonl"
        ? readNdjson(file, counter)
        : null;
  if (!records) throw new Error(`${file}: expected a .ndjson, .jsonl or .csv file`);
  const totalBytes = (await stat(file)).size;
  const rejectsFile = `${file}.rejects`;
  await rm(rejectsFile, { force: true });
  let rejects: WriteStream | null = null;
  const summary: LoadSummary = {
    kind,
    file,
    records: 0,
    accepted: 0,
    updated: 0,
    duplicates: 0,
    rejected: 0,
    rejectsFile: null,
    seconds: 0,
  };
  const writeReject = async (line: number, code: string, message: string, id?: string | null) => {
    summary.rejected++;
    if (!rejects) {
      rejects = createWriteStream(rejectsFile);
      summary.rejectsFile = rejectsFile;
    }
    if (!rejects.write(`${JSON.stringify({ line, code, message, id: id ?? null })}\n`))
      await once(rejects, "drain");
  };
  // Batches may be written concurrently, but their answers are counted and their rejected
  // lines written strictly in file order (unreadable lines wait for their batch's answer).
  const report = async (batch: SourceRecord[], unreadable: SourceRecord[], result: IngestResult) => {
    summary.accepted += result.accepted;
    summary.updated += result.updated;
    summary.duplicates += result.duplicates;
    const rejected = [
      ...unreadable.map((record) => ({
        line: record.line,
        ...record.error!,
        id: null as string | null | undefined,
      })),
      ...result.rejected.map((r) => ({
        line: batch[r.index].line,
        code: r.code,
        message: r.message,
        id: r.id,
      })),
    ].sort((a, b) => a.line - b.line);
    for (const reject of rejected) await writeReject(reject.line, reject.code, reject.message, reject.id);
    options.onProgress?.(counter.bytes, totalBytes);
  };
  const parallelism = Math.max(1, options.concurrency ?? defaultConcurrency(kind, ingest));
  const answers: Array<Promise<unknown>> = [];
  const reported: Array<Promise<void>> = [];
  let lastReported: Promise<void> = Promise.resolve();
  const dispatch = (batch: SourceRecord[], unreadable: SourceRecord[]) => {
    const answer = batch.length
      ? send(
          ingest,
          kind,
          batch.map((record) => record.item),
        )
      : Promise.resolve<IngestResult>({ accepted: 0, updated: 0, duplicates: 0, rejected: [] });
    answers.push(answer.catch(() => {}));
    lastReported = lastReported.then(async () => report(batch, unreadable, await answer));
    // Handled here so a failing batch is not an unhandled rejection while the next one is parsed.
    lastReported.catch(() => {});
    reported.push(lastReported);
  };
  let batch: SourceRecord[] = [];
  let unreadable: SourceRecord[] = [];
  try {
    for await (const read of records)
      for (const record of read) {
        summary.records++;
        if (record.error) unreadable.push(record);
        else batch.push(record);
        if (batch.length >= batchSize) {
          while (reported.length >= parallelism) await reported.shift();
          dispatch(batch, unreadable);
          batch = [];
          unreadable = [];
        }
      }
    if (batch.length || unreadable.length) dispatch(batch, unreadable);
    while (reported.length) await reported.shift();
  } finally {
    await Promise.all(answers);
    const open = rejects as WriteStream | null;
    if (open) await new Promise((resolve) => open.end(resolve));
  }
  options.onProgress?.(totalBytes, totalBytes);
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}
