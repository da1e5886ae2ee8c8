// `pnpm bench --store postgres`: the PostgreSQL store measured beside the SQLite one. The data set
// is loaded through the server's own store into a database the run creates and drops; the SQLite
// product runs in the same run as the reference the lookup target is a ratio to.
import Database from 'better-sqlite3';
import pg from 'pg';
import { startServer } from '@sbc/server';
import type { IngestLoadResult } from './children/ingest-load.js';
import { build, CACHE_DIR, type BenchDatabase } from './database.js';
import { DEFAULT_SEED, INGEST_RANGES } from './dataset.js';
import { type Figure } from './report.js';
import { startNamed, type ServerOptions } from './servers.js';
import { eventsRun, ingestRun, lookupRun, sequentialRun, type IngestPlan, type LookupRun } from './stages.js';
import { lookupPaths, numberSearchPaths, writePaths } from './workload.js';

const log = (text: string) => process.stderr.write(`${text}\n`);
const MB = 1024 * 1024;

/** Where the benchmark's database goes: the server named by the URL, a database of this name. */
export interface PostgresTarget {
  serverUrl: string;
  database: string;
}

export interface PostgresDatabase extends BenchDatabase {
  /** Bytes on disk after the build, by table (indexes and TOAST included), and the whole database's. */
  sizes: { tables: Record<string, number>; database: number };
  /** True when loaded through the store, false when copied from the SQLite build. */
  throughStore: boolean;
  drop(): Promise<void>;
}

async function onServer<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const databaseUrl = ({ serverUrl, database }: PostgresTarget): string => {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

/**
 * Creates the database (refused if it exists: it may be someone's) and fills it with the data
 * set. Through the store when `throughStore` (what a real load costs, minutes per 100,000 on
 * PostgreSQL); otherwise the server creates the schema and the SQLite build's rows, which the
 * same domain rules made, are copied over in bulk.
 */
export async function postgresDatabase(sqlite: BenchDatabase, target: PostgresTarget, throughStore: boolean): Promise<PostgresDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(target.database)) throw new Error(`--postgres-database ${target.database}: use lower-case letters, digits and _`);
  await onServer(target.serverUrl, (client) => client.query(`CREATE DATABASE ${target.database}`));
  const url = databaseUrl(target);
  const drop = () => onServer(target.serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${target.database} WITH (FORCE)`)).then(() => undefined);
  try {
    log(`data set: ${throughStore ? 'building' : 'copying'} ${sqlite.sessions} sessions into PostgreSQL database ${target.database}`);
    const built = throughStore ? await build(url, sqlite.sessions, sqlite.seed) : await copyFromSqlite(sqlite, url);
    const sizes = await onServer(url, async (client) => {
      await client.query('VACUUM ANALYZE');
      const tables = await client.query<{ name: string; bytes: string }>(
        `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY 2 DESC`,
      );
      const whole = await client.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
      return { tables: Object.fromEntries(tables.rows.map((row) => [row.name, Number(row.bytes)])), database: Number(whole.rows[0]!.bytes) };
    });
    return { ...built, path: url, fileBytes: sizes.database, cached: false, sizes, throughStore, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}

/** The tables of the data set, parents first. */
const COPIED_TABLES = ['customers', 'tokens', 'sessions', 'events', 'terminate_commands'];
const COPY_BATCH = 5000;

/**
 * The SQLite build's rows into the schema the PostgreSQL store creates: every column the two
 * tables share (ids are the database's own, given in the same order), 5,000 rows a statement
 * as one array per column.
 */
async function copyFromSqlite(sqlite: BenchDatabase, url: string): Promise<Omit<BenchDatabase, 'path' | 'fileBytes' | 'cached'>> {
  const started = performance.now();
  // The server's own migrations make the schema.
  await (await startServer({ dbPath: url, port: 0, host: '127.0.0.1', logLevel: 'silent', jobIntervalSeconds: 0 })).close();
  const source = new Database(sqlite.path, { readonly: true, fileMustExist: true });
  try {
    await onServer(url, async (client) => {
      for (const table of COPIED_TABLES) {
        const target = await client.query<{ name: string; type: string }>(
          `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
           WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attidentity = '' ORDER BY attnum`,
          [table],
        );
        const own = new Set(source.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all() as string[]);
        const columns = target.rows.filter((column) => own.has(column.name));
        const names = columns.map((c) => c.name).join(', ');
        const read = source.prepare(`SELECT rowid, ${names} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ${COPY_BATCH}`).raw();
        // Every value goes as text and is cast to its column's type (SQLite's 1 and 0 read as booleans).
        const statement = `INSERT INTO ${table} (${names}) SELECT ${columns.map((c) => `${c.name}::${c.type}`).join(', ')}
          FROM unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS t(${names})`;
        let copied = 0;
        for (let rows = read.all(0) as unknown[][]; rows.length > 0; rows = read.all(rows.at(-1)![0]) as unknown[][]) {
          await client.query(statement, columns.map((_, i) => rows.map((row) => (row[i + 1] === null ? null : String(row[i + 1])))));
          copied += rows.length;
          if (copied % 200_000 === 0) log(`  ${table}: ${copied} rows, ${((performance.now() - started) / 1000).toFixed(0)} s`);
        }
        log(`  ${table}: ${copied} rows`);
      }
      // Every node reads the customer tree again.
      await client.query('UPDATE customer_tree_version SET version = version + 1');
    });
  } finally {
    source.close();
  }
  const seconds = (performance.now() - started) / 1000;
  log(`data set: ${sqlite.sessions} sessions copied in ${seconds.toFixed(1)} s`);
  return { sessions: sqlite.sessions, seed: sqlite.seed, tokens: sqlite.tokens, load: { seconds, storeSeconds: 0, sessionsPerSecond: sqlite.sessions / seconds, batchSize: COPY_BATCH } };
}

export interface PostgresMode {
  lookup: { connections: number; warmupSeconds: number; seconds: number; rounds: number; paths: number };
  search: { numberPaths: number; numberSeconds: number; livePaths: number; liveSeconds: number };
  ingest: { batch1000: { sessions: number; maxSeconds: number } };
  events: { subscribers: number; sessions: number; maxSeconds: number };
}

/**
 * Runs the PostgreSQL stages: lookup against the SQLite product in alternating rounds, number
 * search and live page, ingest in batches of 1000 through one node and then through two
 * nodes on the same database, and event delivery. Adds its figures; returns the details.
 */
export async function postgresStages(
  sqlite: BenchDatabase,
  postgres: PostgresDatabase,
  mode: PostgresMode,
  options: ServerOptions,
  figures: Figure[],
  noteLoad: (stage: string) => void,
): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  const sessions = postgres.sessions;
  figures.push({
    name: `PostgreSQL: data set ${postgres.throughStore ? 'load through the store' : 'copied from the SQLite build'}`,
    value: postgres.load.sessionsPerSecond,
    unit: 'sessions/s',
    note: `${sessions.toLocaleString('en-US')} sessions in ${postgres.load.seconds.toFixed(1)} s, batches of ${postgres.load.batchSize}; database ${(postgres.sizes.database / MB).toFixed(0)} MB (${Object.entries(postgres.sizes.tables)
      .map(([name, bytes]) => `${name} ${(bytes / MB).toFixed(0)}`)
      .join(', ')} MB); SQLite file ${(sqlite.fileBytes / MB).toFixed(0)} MB`,
  });

  noteLoad('postgres lookup');
  const paths = writePaths(CACHE_DIR, `lookup-${sessions}`, lookupPaths(DEFAULT_SEED, sessions, mode.lookup.paths));
  const runs: LookupRun[] = [];
  for (let round = 1; round <= mode.lookup.rounds; round++) {
    for (const [label, db] of [['sqlite', sqlite], ['postgres', postgres]] as const) {
      const run = await lookupRun({ label, server: 'sbc', options, token: db.tokens.admin, pathsFile: paths }, round, db, mode.lookup);
      log(`  ${label} round ${round}: ${run.requestsPerSecond.toFixed(0)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, non-2xx ${run.non2xx}, errors ${run.errors}`);
      runs.push(run);
    }
  }
  const best = (label: string) => runs.filter((r) => r.contender === label).sort((x, y) => y.requestsPerSecond - x.requestsPerSecond)[0]!;
  const [onSqlite, onPostgres] = [best('sqlite'), best('postgres')];
  results['lookup'] = { runs, best: { sqlite: onSqlite, postgres: onPostgres } };
  const lookupNote = (run: LookupRun) => `p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms; server CPU ${run.serverCpuUsPerRequest.toFixed(0)} µs/request; non-2xx ${run.non2xx}`;
  figures.push(
    { name: 'PostgreSQL: lookup', value: onPostgres.requestsPerSecond, unit: 'req/s', note: lookupNote(onPostgres) },
    { name: 'SQLite: lookup (same run)', value: onSqlite.requestsPerSecond, unit: 'req/s', note: lookupNote(onSqlite) },
    { name: 'PostgreSQL lookup / SQLite lookup', value: onPostgres.requestsPerSecond / onSqlite.requestsPerSecond, unit: 'x', target: { op: '>=', value: 0.7 }, note: `best of ${mode.lookup.rounds} alternating rounds each, ${mode.lookup.connections} connections` },
  );

  await withNodes(postgres.path, 1, options, async ([server]) => {
    noteLoad('postgres search');
    const numberFile = writePaths(CACHE_DIR, `number-${sessions}`, numberSearchPaths(DEFAULT_SEED, sessions, mode.search.numberPaths));
    const liveFile = writePaths(CACHE_DIR, 'live', Array.from({ length: mode.search.livePaths }, () => '/sbc/session?live=true&limit=100'));
    const number = await sequentialRun(server!, postgres.tokens.admin, numberFile, mode.search.numberSeconds);
    const live = await sequentialRun(server!, postgres.tokens.admin, liveFile, mode.search.liveSeconds);
    results['search'] = { number, live };
    figures.push(
      { name: 'PostgreSQL: number substring search p50', value: number.p50Ms, unit: 'ms', note: `${number.requests} searches, one at a time, ADMIN token; non-2xx ${number.non2xx}` },
      { name: 'PostgreSQL: number substring search p95', value: number.p95Ms, unit: 'ms', target: { op: '<=', value: 25 }, note: `max ${number.maxMs.toFixed(1)} ms` },
      { name: 'PostgreSQL: live page (live=true&limit=100) p95', value: live.p95Ms, unit: 'ms', note: `p50 ${live.p50Ms.toFixed(2)} ms, ${live.requests} pages` },
    );
  });

  const plan = (firstIndex: number): IngestPlan => ({ mode: 'batch', batchSize: 1000, perNode: 1, seed: DEFAULT_SEED, firstIndex, ...mode.ingest.batch1000 });
  noteLoad('postgres ingest, one node');
  const one = await withNodes(postgres.path, 1, options, ([server]) => ingestRun(server!, postgres, plan(INGEST_RANGES.batch1000)));
  noteLoad('postgres ingest, two nodes');
  // The four SBC nodes split between the two servers: the same senders, the same batches, in a
  // range of calls of its own.
  const two = await withNodes(postgres.path, 2, options, (servers) => {
    const nodes = Object.entries(postgres.tokens.sbc);
    const half = (i: number) => ({ ...postgres, tokens: { ...postgres.tokens, sbc: Object.fromEntries(nodes.filter((_, n) => n % 2 === i)) } });
    return Promise.all(servers.map((server, i) => ingestRun(server, half(i), { ...plan(INGEST_RANGES.batch1000 + TWO_NODE_OFFSET), sessions: mode.ingest.batch1000.sessions / 2 })));
  });
  const together = combined(two);
  // One SBC node alone, one connection: if four senders get no more through than one, the
  // writes run one at a time somewhere (the event lock, see postgres-store.ts addEvent).
  noteLoad('postgres ingest, one sender');
  const [firstNode] = Object.entries(postgres.tokens.sbc);
  const alone = await withNodes(postgres.path, 1, options, ([server]) =>
    ingestRun(server!, { ...postgres, tokens: { ...postgres.tokens, sbc: Object.fromEntries([firstNode!]) } }, { ...plan(INGEST_RANGES.batch1000 + ONE_SENDER_OFFSET), sessions: mode.ingest.batch1000.sessions / 4 }),
  );
  results['ingest'] = { oneNode: one, twoNodes: two, oneSender: alone };
  const ingestNote = (run: Pick<IngestLoadResult, 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'failures' | 'firstFailure'>) =>
    `${run.requestsPerSecond.toFixed(1)} requests/s, p50 ${run.p50Ms.toFixed(0)} ms, p99 ${run.p99Ms.toFixed(0)} ms${run.failures ? `; ${run.failures} FAILED (${run.firstFailure})` : ''}`;
  figures.push(
    { name: 'PostgreSQL: ingest, batches of 1000, one node', value: one.reportsPerSecond, unit: 'reports/s', target: { op: '>=', value: 10_000 }, note: ingestNote(one) },
    { name: 'PostgreSQL: ingest, batches of 1000, two nodes', value: together.reportsPerSecond, unit: 'reports/s', note: `${two.map((run) => `${run.reportsPerSecond.toFixed(0)}`).join(' + ')} reports/s; ${ingestNote(together)}` },
    { name: 'PostgreSQL: two nodes / one node', value: together.reportsPerSecond / one.reportsPerSecond, unit: 'x', target: { op: '>=', value: 1.0 }, note: 'both nodes on this machine, with the database' },
    { name: 'PostgreSQL: ingest, batches of 1000, one sender', value: alone.reportsPerSecond, unit: 'reports/s', note: `one SBC node, one connection, one node: ${(alone.reportsPerSecond / one.reportsPerSecond).toFixed(2)}x four senders; ${ingestNote(alone)}` },
  );

  noteLoad('postgres events');
  const events = await withNodes(postgres.path, 1, options, ([server]) =>
    eventsRun(server!, postgres, mode.events.subscribers, { mode: 'batch', batchSize: 100, perNode: 1, seed: DEFAULT_SEED, firstIndex: INGEST_RANGES.events, sessions: mode.events.sessions, maxSeconds: mode.events.maxSeconds }),
  );
  results['events'] = events;
  figures.push({
    name: `PostgreSQL: events delivered to ${events.subscribers} SSE subscribers`,
    value: events.delivery.messagesPerSecond,
    unit: 'events/s',
    note: `during ingest of ${events.ingest.reportsPerSecond.toFixed(0)} reports/s (batches of 100); ${(events.deliveredShare * 100).toFixed(1)}% of ${(events.expectedPerSubscriber * events.subscribers).toLocaleString('en-US')} delivered`,
  });
  return results;
}

/** Calls of the two-node and one-sender ingest: past the one-node run's range, within the batch1000 block. */
const TWO_NODE_OFFSET = 1 << 22;
const ONE_SENDER_OFFSET = 2 << 22;

async function withNodes<T>(url: string, count: number, options: ServerOptions, body: (servers: Awaited<ReturnType<typeof startNamed>>[]) => Promise<T>): Promise<T> {
  const servers = await Promise.all(Array.from({ length: count }, () => startNamed('sbc', url, options)));
  try {
    return await body(servers);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

/** Runs that went on at the same time, as one: all their reports over the longest one's time. */
function combined(runs: IngestLoadResult[]): IngestLoadResult {
  const seconds = Math.max(...runs.map((run) => run.seconds));
  const sum = (key: 'reports' | 'requests' | 'sessionsCompleted' | 'failures') => runs.reduce((total, run) => total + run[key], 0);
  const firstFailure = runs.find((run) => run.firstFailure)?.firstFailure;
  return {
    reports: sum('reports'),
    requests: sum('requests'),
    sessionsCompleted: sum('sessionsCompleted'),
    failures: sum('failures'),
    seconds,
    reportsPerSecond: sum('reports') / seconds,
    sessionsPerSecond: sum('sessionsCompleted') / seconds,
    requestsPerSecond: sum('requests') / seconds,
    p50Ms: Math.max(...runs.map((run) => run.p50Ms)),
    p99Ms: Math.max(...runs.map((run) => run.p99Ms)),
    loadCpuUsPerReport: runs.reduce((total, run) => total + run.loadCpuUsPerReport * run.reports, 0) / Math.max(1, sum('reports')),
    ...(firstFailure !== undefined ? { firstFailure } : {}),
  };
}
