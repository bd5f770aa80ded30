import { PGlite } from "@electric-sql/pglite";
import { PGliteThread } from "../src/db/pglite-thread";
import { medianMs } from "./timing";

/**
 * What running PGlite in a worker thread (src/db/pglite-thread.ts) costs per statement, side
 * by side with PGlite on the calling thread, both in memory: many tiny statements (the
 * message round trip dominates), a COPY of rows through `/dev/blob`, and one scan.
 */
const TINY_STATEMENTS = 2_000;
const COPY_ROWS = 50_000;

type Client = Pick<PGlite, "query">;

async function workload(client: Client) {
  const tiny = await medianMs(async () => {
    for (let i = 0; i < TINY_STATEMENTS; i++) await client.query("select $1::int as n", [i]);
  }, 3);
  let batch = 0;
  const text = Array.from({ length: COPY_ROWS }, (_, i) => `${i}\tnote ${i}\n`).join("");
  const copy = await medianMs(async () => {
    const table = `copied_${batch++}`;
    await client.query(`create table ${table} (id int, note text)`);
    await client.query(`copy ${table} from '/dev/blob'`, [], { blob: new Blob([text]) });
  }, 3);
  const scan = await medianMs(
    () => client.query("select count(*), sum(id) from copied_0 cross join generate_series(1, 20)"),
    3,
  );
  return { tiny, copy, scan };
}

export async function run(): Promise<void> {
  const direct = await PGlite.create();
  const threaded = await PGliteThread.start(undefined);
  try {
    const onThread = await workload(direct);
    const onWorker = await workload(threaded);
    const line = (label: string, a: number, b: number) =>
      console.log(
        `${label.padEnd(34)} same thread ${a.toFixed(0).padStart(6)} ms   worker ${b.toFixed(0).padStart(6)} ms   ratio ${(b / a).toFixed(2)}`,
      );
    line(`${TINY_STATEMENTS} tiny statements`, onThread.tiny, onWorker.tiny);
    line(`COPY of ${COPY_ROWS} rows`, onThread.copy, onWorker.copy);
    line(`scan of ${COPY_ROWS * 20} rows`, onThread.scan, onWorker.scan);
    console.log(
      `per tiny statement: +${(((onWorker.tiny - onThread.tiny) / TINY_STATEMENTS) * 1000).toFixed(0)} µs for the thread hop`,
    );
  } finally {
    await direct.close();
    await threaded.close();
  }
}
