import postgres from "postgres";

/**
 * Databases on a Citus cluster (the coordinator of `../shared/citus/cluster.sh`): Citus 12.1
 * does not propagate `create database`, so a database is created on every worker and on the
 * coordinator, `create extension citus` runs in each, and the workers are registered in the new
 * database. The Citus layout itself (`distributeForCitus`) is applied after the migrations.
 */

interface CitusNode {
  host: string;
  port: number;
}

/** Advisory lock key (in the coordinator's maintenance database) of worker registration. */
const REGISTRATION_LOCK = 0x5354_4354; // "STCT"

const quiet = (url: string) => postgres(url, { max: 1, onnotice: () => {} });

/** `url` pointing at another node or database of the same server credentials. */
function nodeUrl(base: string, node: CitusNode | null, database?: string): string {
  const url = new URL(base);
  if (node) {
    url.hostname = node.host;
    url.port = String(node.port);
  }
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

async function run(url: string, statement: string): Promise<void> {
  const client = quiet(url);
  try {
    await client.unsafe(statement);
  } finally {
    await client.end({ timeout: 1 });
  }
}

/** The primary workers registered in the coordinator's database at `adminUrl`. */
export async function citusWorkers(adminUrl: string): Promise<CitusNode[]> {
  const admin = quiet(adminUrl);
  try {
    return await admin<CitusNode[]>`
      select nodename as host, nodeport as port from pg_dist_node
      where noderole = 'primary' and groupid <> 0 order by nodeport`;
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/**
 * Creates the empty database `name` on the cluster whose coordinator `adminUrl` reaches (its
 * maintenance database, where the workers are registered); answers the new database's URL.
 */
export async function createCitusDatabase(adminUrl: string, name: string): Promise<string> {
  const workers = await citusWorkers(adminUrl);
  // Workers first: registering a worker in the new database connects to its copy there.
  for (const worker of workers) {
    await run(nodeUrl(adminUrl, worker), `create database ${name}`);
    await run(nodeUrl(adminUrl, worker, name), "create extension citus");
  }
  await run(adminUrl, `create database ${name}`);
  const url = nodeUrl(adminUrl, null, name);
  const coordinator = quiet(url);
  // Registering a worker copies the roles to it, and roles are shared by all of the worker's
  // databases: two databases registering at once (test files, or two databases of one test)
  // update the same role row there and one fails ("tuple concurrently updated"). A session lock
  // in the coordinator's maintenance database, which every caller names, takes them in turn.
  const admin = quiet(adminUrl);
  try {
    const host = new URL(url);
    await coordinator`create extension citus`;
    await admin`select pg_advisory_lock(${REGISTRATION_LOCK})`;
    await coordinator`select citus_set_coordinator_host(${host.hostname}, ${Number(host.port)})`;
    for (const worker of workers) await coordinator`select citus_add_node(${worker.host}, ${worker.port})`;
  } finally {
    await coordinator.end({ timeout: 1 });
    // Ending the session releases its lock.
    await admin.end({ timeout: 1 });
  }
  return url;
}

/** Drops the database `name` (if it exists) on the coordinator and on every worker. */
export async function dropCitusDatabase(adminUrl: string, name: string): Promise<void> {
  const workers = await citusWorkers(adminUrl);
  await run(adminUrl, `drop database if exists ${name} with (force)`);
  for (const worker of workers)
    await run(nodeUrl(adminUrl, worker), `drop database if exists ${name} with (force)`);
}
