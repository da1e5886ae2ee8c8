// `pnpm bench --store postgres`: the PostgreSQL store measured beside the SQLite one. The data set
// is loaded through the server's own store into a database the run creates and drops; the SQLite
// product runs in the same run as the reference the lookup target is a ratio to.
import pg from 'pg';
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

/** Creates the database (refused if it exists: it may be someone's), loads the data set through the store. */
export async function postgresDatabase(count: number, seed: number, target: PostgresTarget): Promise<PostgresDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(target.database)) throw new Error(`--postgres-database ${target.database}: use lower-case letters, digits and _`);
  await onServer(target.serverUrl, (client) => client.query(`CREATE DATABASE ${target.database}`));
  const url = databaseUrl(target);
  const drop = () => onServer(target.serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${target.database} WITH (FORCE)`)).then(() => undefined);
  try {
    log(`data set: building ${count} sessions into PostgreSQL database ${target.database}`);
    const built = await build(url, count, seed);
    const sizes = await onServer(url, async (client) => {
      await client.query('VACUUM ANALYZE');
      const tables = await client.query<{ name: string; bytes: string }>(
        `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY 2 DESC`,
      );
      const whole = await client.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
      return { tables: Object.fromEntries(tables.rows.map((row) => [row.name, Number(row.bytes)])), database: Number(whole.rows[0]!.bytes) };
    });
    return { ...built, path: url, fileBytes: sizes.database, cached: false, sizes, drop };
  } catch (error) {
    await drop();
    throw error;
  }
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
    name: 'PostgreSQL: data set load through the store',
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
  results['ingest'] = { oneNode: one, twoNodes: two };
  const ingestNote = (run: Pick<IngestLoadResult, 'requestsPerSecond' | 'p50Ms' | 'p99Ms' | 'failures' | 'firstFailure'>) =>
    `${run.requestsPerSecond.toFixed(1)} requests/s, p50 ${run.p50Ms.toFixed(0)} ms, p99 ${run.p99Ms.toFixed(0)} ms${run.failures ? `; ${run.failures} FAILED (${run.firstFailure})` : ''}`;
  figures.push(
    { name: 'PostgreSQL: ingest, batches of 1000, one node', value: one.reportsPerSecond, unit: 'reports/s', target: { op: '>=', value: 10_000 }, note: ingestNote(one) },
    { name: 'PostgreSQL: ingest, batches of 1000, two nodes', value: together.reportsPerSecond, unit: 'reports/s', note: `${two.map((run) => `${run.reportsPerSecond.toFixed(0)}`).join(' + ')} reports/s; ${ingestNote(together)}` },
    { name: 'PostgreSQL: two nodes / one node', value: together.reportsPerSecond / one.reportsPerSecond, unit: 'x', target: { op: '>=', value: 1.0 }, note: 'both nodes on this machine, with the database' },
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

/** Calls of the two-node ingest: past the one-node run's range, within the batch1000 block. */
const TWO_NODE_OFFSET = 1 << 23;

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
    ...(firstFailure !== undefined ? { firstFailure } : {}),
  };
}
