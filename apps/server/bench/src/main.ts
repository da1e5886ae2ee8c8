import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { benchDatabase, CACHE_DIR, type BenchDatabase } from './database.js';
import { customers, DEFAULT_SEED, INGEST_RANGES } from './dataset.js';
import { cpuMsOf, rssOf, rssPartsOf } from './processes.js';
import { postgresDatabase, postgresStages } from './postgres.js';
import { markdownTable, table, verdict, type Figure } from './report.js';
import { startNamed, type ServerName, type ServerOptions } from './servers.js';
import { eventsRun, ingestRun, lookupRun, retentionRun, sequentialRun, type Contender, type EventsRun, type LookupRun, type RetentionRun } from './stages.js';
import { lookupPaths, numberSearchPaths, writePaths } from './workload.js';

/**
 * `pnpm bench [--quick]`: builds (or reuses) the data set, measures every server in its own
 * process with the load generator in another, prints the table and writes the figures.
 */
const MODES = {
  default: {
    sessions: 1_000_000,
    lookup: { connections: 64, warmupSeconds: 2, seconds: 8, rounds: 5, paths: 20_000 },
    search: { numberPaths: 400, numberSeconds: 60, livePaths: 500, liveSeconds: 30 },
    ingest: {
      batch1000: { sessions: 60_000, maxSeconds: 45 },
      batch100: { sessions: 20_000, maxSeconds: 30 },
      patch: { sessions: 6_000, perNode: 4, maxSeconds: 30 },
    },
    events: { subscribers: 100, sessions: 10_000, maxSeconds: 20 },
    stats: { requests: 40, seconds: 60 },
    retention: { backlog: 200_000, maxSeconds: 60 },
  },
  quick: {
    sessions: 100_000,
    lookup: { connections: 64, warmupSeconds: 1, seconds: 4, rounds: 2, paths: 5_000 },
    search: { numberPaths: 150, numberSeconds: 15, livePaths: 200, liveSeconds: 10 },
    ingest: {
      batch1000: { sessions: 10_000, maxSeconds: 15 },
      batch100: { sessions: 3_000, maxSeconds: 15 },
      patch: { sessions: 1_000, perNode: 4, maxSeconds: 15 },
    },
    events: { subscribers: 100, sessions: 2_000, maxSeconds: 10 },
    stats: { requests: 15, seconds: 20 },
    retention: { backlog: 20_000, maxSeconds: 30 },
  },
} as const;

const STAGES = ['lookup', 'search', 'ingest', 'events', 'retention', 'stats'] as const;
type Stage = (typeof STAGES)[number];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    sessions: { type: 'string' },
    'log-level': { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    'postgres-url': { type: 'string', default: process.env['SBC_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'postgres-database': { type: 'string', default: 'sbc_bench' },
    'postgres-through-store': { type: 'boolean', default: false },
  },
});
if (args.store !== 'sqlite' && args.store !== 'postgres') throw new Error(`--store ${args.store}: expected sqlite or postgres`);
const postgresRun = args.store === 'postgres';
const mode = args.quick ? MODES.quick : MODES.default;
const sessions = args.sessions ? Number(args.sessions) : mode.sessions;
// A PostgreSQL run measures the PostgreSQL stages (postgres.ts) instead of SQLite's own.
const stages = postgresRun ? new Set<Stage>() : new Set<Stage>(args.only ? (args.only.split(',') as Stage[]) : STAGES);
const here = fileURLToPath(new URL('..', import.meta.url));
const resultsPath =
  args.out ?? (args.quick ? join(CACHE_DIR, postgresRun ? 'quick-postgres-results.json' : 'quick-results.json') : join(here, 'results', postgresRun ? 'postgres-latest.json' : 'latest.json'));
const profileDir = join(CACHE_DIR, 'profiles');
const serverOptions: ServerOptions = {
  ...(args['log-level'] ? { logLevel: args['log-level'] } : {}),
  ...(args.profile ? { nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
};

/** The reseller whose administrator the reseller lookup uses (its token is made with the data set). */
const RESELLER = customers()[0]?.id as string;
const log = (text: string) => process.stderr.write(`${text}\n`);
const loads: Array<{ at: string; stage: string; load1: number; load5: number }> = [];
function noteLoad(stage: string) {
  const [load1, load5] = loadavg() as [number, number];
  loads.push({ at: new Date().toISOString(), stage, load1, load5 });
  log(`[${stage}] load average ${load1.toFixed(2)} (1 min)`);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;
const MB = 1024 * 1024;

/** Counts that the read-only stages must leave as they found them (the file is the cache). */
function fingerprint(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const counts = db.prepare('SELECT (SELECT COUNT(*) FROM sessions) AS sessions, (SELECT COUNT(*) FROM events) AS events').get();
  db.close();
  return JSON.stringify(counts);
}

async function withServer<T>(name: ServerName, path: string, body: (server: Awaited<ReturnType<typeof startNamed>>) => Promise<T>) {
  const server = await startNamed(name, path, serverOptions);
  try {
    return { server, value: await body(server) };
  } finally {
    await server.stop();
  }
}

/** How much of the memory is V8's (heap in use, heap reserved) and Buffers' (external), from the server's own /metrics. */
async function heapNote(url: string, cpuSeconds: number): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const metric = (name: string) => {
    const found = new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(text);
    return found ? `${(Number(found[1]) / MB).toFixed(0)} MB` : 'n/a';
  };
  // The young generation grows with the allocation rate, the old one holds garbage until its next full GC.
  const space = (name: string) => metric(`nodejs_heap_space_size_total_bytes{space="${name}"}`);
  return `V8 heap in use ${metric('nodejs_heap_size_used_bytes')} of ${metric('nodejs_heap_size_total_bytes')} reserved (young generation ${space('new')}, old ${space('old')}), external (Buffers) ${metric('nodejs_external_memory_bytes')}; ${gcNote(text, cpuSeconds)}`;
}

/**
 * The garbage collector's time since the first scrape, from the server's own `nodejs_gc_duration_seconds`:
 * what a smaller young generation (less memory) costs in collections, read in the same run as
 * the memory it saves.
 */
function gcNote(metricsText: string, cpuSeconds: number): string {
  const seconds = (kind: string, part: 'sum' | 'count') =>
    Number(new RegExp(`^nodejs_gc_duration_seconds_${part}\\{kind="${kind}"\\} ([\\d.e+-]+)`, 'm').exec(metricsText)?.[1] ?? 0);
  const kinds = ['minor', 'major', 'incremental', 'weakcb'];
  const total = kinds.reduce((sum, kind) => sum + seconds(kind, 'sum'), 0);
  return `GC ${total.toFixed(2)} s of the server's ${cpuSeconds.toFixed(1)} s of CPU in these stages (${seconds('minor', 'count')} scavenges, ${seconds('minor', 'sum').toFixed(2)} s; ${seconds('major', 'count')} full, ${seconds('major', 'sum').toFixed(2)} s)`;
}

const runStarted = performance.now();
// What is measured: the commit, and any server edits not in it, as the run starts.
const source = {
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
  serverUncommitted: execFileSync('git', ['status', '--porcelain', '--', 'apps/server/src'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean),
};
mkdirSync(CACHE_DIR, { recursive: true });
noteLoad('start');
const db: BenchDatabase = await benchDatabase(sessions, DEFAULT_SEED);
const before = fingerprint(db.path);
const figures: Figure[] = [];
const readyTimes: number[] = [];
const rawReadyTimes: number[] = [];
const results: Record<string, unknown> = {};

figures.push({
  name: 'data set load through the store',
  value: db.load.sessionsPerSecond,
  unit: 'sessions/s',
  note: `${db.sessions.toLocaleString('en-US')} sessions in ${db.load.seconds.toFixed(1)} s (${db.load.storeSeconds.toFixed(1)} s in applyReports, batches of ${db.load.batchSize})${db.cached ? ', measured when the cache was built' : ''}${db.migratedFrom ? ' (under an earlier schema, then migrated by the server)' : ''}; file ${(db.fileBytes / MB).toFixed(0)} MB`,
});

if (stages.has('lookup')) {
  noteLoad('lookup');
  const pathsFile = writePaths(CACHE_DIR, `lookup-${sessions}`, lookupPaths(DEFAULT_SEED, sessions, mode.lookup.paths));
  const resellerFile = writePaths(CACHE_DIR, `lookup-reseller-${sessions}`, lookupPaths(DEFAULT_SEED, sessions, mode.lookup.paths, RESELLER));
  const admin = { token: db.tokens.admin, pathsFile };
  const contenders: Contender[] = [
    { label: 'raw', server: 'raw', options: {}, ...admin },
    { label: 'koa', server: 'koa', options: {}, ...admin },
    { label: 'sbc', server: 'sbc', options: serverOptions, ...admin },
    // The product without its per-request access log line: what logging costs, measured.
    { label: 'sbc-quiet', server: 'sbc', options: { ...serverOptions, logLevel: 'warn' }, ...admin },
    // A reseller's administrator, the seed's own user: the scope check on every lookup.
    { label: 'sbc-reseller', server: 'sbc', options: serverOptions, token: db.tokens.resellerAdmin, pathsFile: resellerFile },
  ];
  const runs: LookupRun[] = [];
  for (let round = 1; round <= mode.lookup.rounds; round++) {
    for (const contender of contenders) {
      const run = await lookupRun(contender, round, db, mode.lookup);
      if (contender.label === 'sbc') readyTimes.push(run.readyMs);
      if (contender.label === 'raw') rawReadyTimes.push(run.readyMs);
      log(`  ${contender.label} round ${round}: ${run.requestsPerSecond.toFixed(0)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, non-2xx ${run.non2xx}, errors ${run.errors}`);
      runs.push(run);
    }
  }
  // Each server's best round: the one least disturbed by whatever else the machine was doing.
  const best = (label: string) => runs.filter((r) => r.contender === label).sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0] as LookupRun;
  const [sbc, raw, koa, quiet, reseller] = [best('sbc'), best('raw'), best('koa'), best('sbc-quiet'), best('sbc-reseller')];
  const bad = runs.filter((r) => r.non2xx > 0 || r.errors > 0);
  const note = (run: LookupRun) => `p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms; server CPU ${run.serverCpuUsPerRequest.toFixed(0)} µs/request`;
  // CPU per request, the median over rounds: the figure least moved by other work on the machine.
  const cpu = (label: string) => median(runs.filter((r) => r.contender === label).map((r) => r.serverCpuUsPerRequest));
  const cpuCost = { sbc: cpu('sbc'), raw: cpu('raw'), koa: cpu('koa'), quiet: cpu('sbc-quiet'), reseller: cpu('sbc-reseller') };
  // The same ratios round by round (neighbours in time), as a check on the best-of figures.
  const roundRatio = (label: string, to: (r: LookupRun) => number) =>
    median(Array.from({ length: mode.lookup.rounds }, (_, i) => {
      const inRound = (l: string) => runs.find((r) => r.contender === l && r.round === i + 1) as LookupRun;
      return to(inRound('sbc')) / to(inRound(label));
    }));
  const rps = (r: LookupRun) => r.requestsPerSecond;
  const medianRatios = { rawRps: roundRatio('raw', rps), koaRps: roundRatio('koa', rps), rawP99: roundRatio('raw', (r) => r.p99Ms) };
  results['lookup'] = { connections: mode.lookup.connections, seconds: mode.lookup.seconds, rounds: mode.lookup.rounds, runs, best: { sbc, raw, koa, quiet, reseller }, medianRatios, cpuUsPerRequest: cpuCost };
  figures.push(
    { name: 'lookup: SBC session API', value: sbc.requestsPerSecond, unit: 'req/s', note: note(sbc) },
    { name: 'lookup: raw node:http baseline', value: raw.requestsPerSecond, unit: 'req/s', note: note(raw) },
    { name: 'lookup: bare Koa baseline', value: koa.requestsPerSecond, unit: 'req/s', note: note(koa) },
    { name: 'lookup: SBC session API, LOG_LEVEL=warn', value: quiet.requestsPerSecond, unit: 'req/s', note: `${note(quiet)}; no access log line per request: ${(quiet.requestsPerSecond / sbc.requestsPerSecond).toFixed(2)}x the default` },
    { name: 'lookup: SBC session API, RESELLER_ADMIN', value: reseller.requestsPerSecond, unit: 'req/s', note: `${note(reseller)}; sessions of the reseller's own customers: ${(reseller.requestsPerSecond / sbc.requestsPerSecond).toFixed(2)}x ADMIN` },
    { name: 'lookup throughput / raw', value: sbc.requestsPerSecond / raw.requestsPerSecond, unit: 'x', note: `best rounds; median of the per-round ratios ${medianRatios.rawRps.toFixed(2)}x` },
    { name: 'lookup throughput / Koa', value: sbc.requestsPerSecond / koa.requestsPerSecond, unit: 'x', target: { op: '>=', value: 0.9 }, note: `best rounds; median of the per-round ratios ${medianRatios.koaRps.toFixed(2)}x` },
    { name: 'lookup CPU efficiency / raw', value: cpuCost.raw / cpuCost.sbc, unit: 'x', note: `server CPU per request, median of rounds: ${cpuCost.sbc.toFixed(0)} µs vs ${cpuCost.raw.toFixed(0)} µs (what throughput / raw would be with a core to itself)` },
    { name: 'lookup server CPU per request / Koa', value: cpuCost.sbc / cpuCost.koa, unit: 'x', target: { op: '<=', value: 1.1 }, note: `median of rounds: ${cpuCost.sbc.toFixed(0)} µs vs ${cpuCost.koa.toFixed(0)} µs; LOG_LEVEL=warn ${cpuCost.quiet.toFixed(0)} µs, RESELLER_ADMIN ${cpuCost.reseller.toFixed(0)} µs` },
    { name: 'lookup p99 / raw p99', value: raw.p99Ms > 0 ? sbc.p99Ms / raw.p99Ms : null, unit: 'x', target: { op: '<=', value: 2.0 }, note: `${sbc.p99Ms} ms vs ${raw.p99Ms} ms (autocannon: whole ms); median per round ${medianRatios.rawP99.toFixed(2)}x` },
    { name: 'RSS after loading the data set', value: sbc.rssReadyBytes / MB, unit: 'MB', target: { op: '<=', value: 200 }, note: `baselines: raw ${(raw.rssReadyBytes / MB).toFixed(0)} MB, Koa ${(koa.rssReadyBytes / MB).toFixed(0)} MB` },
    { name: 'RSS after the lookup load', value: sbc.rssAfterBytes / MB, unit: 'MB', target: { op: '<=', value: 200 }, note: `baselines: raw ${(raw.rssAfterBytes / MB).toFixed(0)} MB, Koa ${(koa.rssAfterBytes / MB).toFixed(0)} MB` },
  );
  if (bad.length > 0) log(`WARNING: ${bad.length} lookup runs had non-2xx answers or errors: their figures are not comparable`);
}

if (stages.has('search')) {
  noteLoad('search');
  const numberFile = writePaths(CACHE_DIR, `number-${sessions}`, numberSearchPaths(DEFAULT_SEED, sessions, mode.search.numberPaths));
  const liveFile = writePaths(CACHE_DIR, 'live', Array.from({ length: mode.search.livePaths }, () => '/sbc/session?live=true&limit=100'));
  const { server, value } = await withServer('sbc', db.path, async (server) => ({
    number: await sequentialRun(server, db.tokens.admin, numberFile, mode.search.numberSeconds),
    live: await sequentialRun(server, db.tokens.admin, liveFile, mode.search.liveSeconds),
  }));
  readyTimes.push(server.readyMs);
  results['search'] = value;
  figures.push(
    { name: 'number substring search p50', value: value.number.p50Ms, unit: 'ms', note: `${value.number.requests} searches, one at a time, ADMIN token` },
    { name: 'number substring search p95', value: value.number.p95Ms, unit: 'ms', target: { op: '<=', value: 15 } },
    { name: 'number substring search p99', value: value.number.p99Ms, unit: 'ms', target: { op: '<=', value: 40 }, note: `max ${value.number.maxMs.toFixed(1)} ms` },
    { name: 'live page (live=true&limit=100) p50', value: value.live.p50Ms, unit: 'ms', note: `${value.live.requests} pages, one at a time` },
    { name: 'live page (live=true&limit=100) p95', value: value.live.p95Ms, unit: 'ms', target: { op: '<=', value: 5 }, note: `max ${value.live.maxMs.toFixed(1)} ms` },
  );
  if (value.number.non2xx + value.live.non2xx > 0) log('WARNING: some searches were not answered 2xx');
}

if (stages.has('stats')) {
  noteLoad('stats');
  // The data set's calls arrive evenly over its day: an hour's window holds 1/24 of them.
  const repeat = (path: string) => Array.from({ length: mode.stats.requests }, () => path);
  // Each request a question of its own (its own `top`): the server keeps an answer for 5 s, and a
  // repeated question would measure that, not the count.
  const distinct = (path: string) => Array.from({ length: mode.stats.requests }, (_, i) => `${path}${path.includes('?') ? '&' : '?'}top=${1 + (i % 100)}`);
  const hourFile = writePaths(CACHE_DIR, 'stats-hour', distinct('/sbc/stats'));
  const dayFile = writePaths(CACHE_DIR, 'stats-day', distinct('/sbc/stats?window=1440'));
  // The baseline, in the same server and minute: a page of live calls, the cheapest list read.
  const livePageFile = writePaths(CACHE_DIR, 'stats-live-page', repeat('/sbc/session?live=true&limit=100'));
  // With the server's CPU time per request: the figure least moved by other work on the machine.
  const measured = async (server: Awaited<ReturnType<typeof startNamed>>, token: string, file: string) => {
    const before = cpuMsOf(server.pid);
    const run = await sequentialRun(server, token, file, mode.stats.seconds);
    return { ...run, serverCpuMsPerRequest: (cpuMsOf(server.pid) - before) / Math.max(1, run.requests) };
  };
  const { server, value } = await withServer('sbc', db.path, async (server) => ({
    livePage: await measured(server, db.tokens.admin, livePageFile),
    hour: await measured(server, db.tokens.admin, hourFile),
    resellerHour: await measured(server, db.tokens.resellerAdmin, hourFile),
    day: await measured(server, db.tokens.admin, dayFile),
    // Pages of live calls while days are counted: how long the count holds other requests up.
    livePageDuringDay: (
      await Promise.all([
        sequentialRun(server, db.tokens.admin, livePageFile, mode.stats.seconds / 3, true),
        sequentialRun(server, db.tokens.admin, dayFile, mode.stats.seconds / 3),
      ])
    )[0],
  }));
  readyTimes.push(server.readyMs);
  results['stats'] = value;
  const note = (run: typeof value.hour, who: string) =>
    `${run.requests} requests one at a time, ${who}; max ${run.maxMs.toFixed(1)} ms; server CPU ${run.serverCpuMsPerRequest.toFixed(1)} ms/request`;
  figures.push(
    { name: 'traffic stats, last hour (ADMIN) p50', value: value.hour.p50Ms, unit: 'ms', note: note(value.hour, 'ADMIN token') },
    { name: 'traffic stats, last hour (ADMIN) p95', value: value.hour.p95Ms, unit: 'ms', note: 'live calls by node, direction, top customers and peers, and 60 minutes of series' },
    { name: 'traffic stats, last hour / live page, server CPU', value: value.hour.serverCpuMsPerRequest / value.livePage.serverCpuMsPerRequest, unit: 'x', note: `server CPU per request ${value.hour.serverCpuMsPerRequest.toFixed(1)} ms vs ${value.livePage.serverCpuMsPerRequest.toFixed(2)} ms for a page of 100 live calls (p50 ${value.livePage.p50Ms.toFixed(1)} ms)` },
    { name: 'traffic stats, last hour (RESELLER_ADMIN) p95', value: value.resellerHour.p95Ms, unit: 'ms', note: note(value.resellerHour, "a reseller's own tree") },
    { name: 'traffic stats, last 24 hours (ADMIN) p95', value: value.day.p95Ms, unit: 'ms', note: `${note(value.day, 'ADMIN token')}: every call of the data set` },
    {
      name: 'live page during 24-hour stats / alone, p95',
      value: value.livePageDuringDay.p95Ms / value.livePage.p95Ms,
      unit: 'x',
      note: `p95 ${value.livePageDuringDay.p95Ms.toFixed(1)} ms, max ${value.livePageDuringDay.maxMs.toFixed(1)} ms while 24-hour stats are counted one after another (alone: p95 ${value.livePage.p95Ms.toFixed(1)} ms)`,
    },
  );
  if (value.hour.non2xx + value.resellerHour.non2xx + value.day.non2xx > 0) log('WARNING: some traffic statistics were not answered 2xx');
}

if (readyTimes.length > 0) {
  figures.push({ name: 'start to /readyz answering', value: median(readyTimes), unit: 'ms', target: { op: '<=', value: 1000 }, note: `median of ${readyTimes.length} starts on the data set, max ${Math.max(...readyTimes).toFixed(0)} ms${rawReadyTimes.length ? `; the raw baseline (node + better-sqlite3 only) starts in ${median(rawReadyTimes).toFixed(0)} ms` : ''}` });
}
const after = fingerprint(db.path);
if (after !== before) {
  log(`WARNING: the read-only stages changed the cached database (${before} -> ${after}); it is removed so the next run rebuilds it`);
  rmSync(db.path, { force: true });
}

if (stages.has('ingest') || stages.has('events') || stages.has('retention')) {
  // Writes go to a copy: the cached data set stays as it was built.
  const work = join(CACHE_DIR, `work-${process.pid}.db`);
  copyFileSync(db.path, work);
  try {
    if (stages.has('ingest') || stages.has('events')) {
      await withServer('sbc', work, async (server) => {
        const ingest: Record<string, unknown> = {};
        // The server counts its GC from its first scrape, as under a Prometheus: scraped here, the count covers these stages.
        await fetch(`${server.url}/metrics`).then((response) => response.text());
        const serverCpuMsBeforeStages = cpuMsOf(server.pid);
        if (stages.has('ingest')) {
          const plans = [
            ['batch1000', { mode: 'batch', batchSize: 1000, perNode: 1, seed: DEFAULT_SEED, firstIndex: INGEST_RANGES.batch1000, ...mode.ingest.batch1000 }],
            ['batch100', { mode: 'batch', batchSize: 100, perNode: 1, seed: DEFAULT_SEED, firstIndex: INGEST_RANGES.batch100, ...mode.ingest.batch100 }],
            ['patch', { mode: 'patch', batchSize: 1, seed: DEFAULT_SEED, firstIndex: INGEST_RANGES.patch, ...mode.ingest.patch }],
          ] as const;
          for (const [name, plan] of plans) {
            noteLoad(`ingest ${name}`);
            const serverCpuBefore = cpuMsOf(server.pid);
            const run = await ingestRun(server, db, plan);
            // Both processes share the machine's cores: what each spent per report says which one bounds the rate.
            const serverCpuUsPerReport = run.reports === 0 ? 0 : ((cpuMsOf(server.pid) - serverCpuBefore) * 1000) / run.reports;
            ingest[name] = { ...run, serverCpuUsPerReport };
            log(`  ${name}: ${run.reportsPerSecond.toFixed(0)} reports/s, ${run.sessionsPerSecond.toFixed(0)} lifecycles/s, p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms, CPU per report ${serverCpuUsPerReport.toFixed(0)} µs server, ${run.loadCpuUsPerReport.toFixed(0)} µs load generator, failures ${run.failures}${run.firstFailure ? ` (${run.firstFailure})` : ''}`);
            const note = `${run.sessionsPerSecond.toFixed(0)} whole calls/s (start, answer, end); ${run.requestsPerSecond.toFixed(1)} requests/s, p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms; CPU per report ${serverCpuUsPerReport.toFixed(0)} µs in the server, ${run.loadCpuUsPerReport.toFixed(0)} µs in the load generator${run.failures ? `; ${run.failures} FAILED` : ''}`;
            if (name === 'batch1000') figures.push({ name: 'ingest, batches of 1000', value: run.reportsPerSecond, unit: 'reports/s', target: { op: '>=', value: 20_000 }, note });
            if (name === 'batch100') figures.push({ name: 'ingest, batches of 100', value: run.reportsPerSecond, unit: 'reports/s', note });
            if (name === 'patch') figures.push({ name: 'ingest, single PATCHes', value: run.reportsPerSecond, unit: 'PATCH/s', target: { op: '>=', value: 3_000 }, note: `${plan.perNode * 4} connections; ${note}` });
          }
          results['ingest'] = ingest;
        }
        if (stages.has('events')) {
          noteLoad('events');
          const run: EventsRun = await eventsRun(server, db, mode.events.subscribers, {
            mode: 'batch',
            batchSize: 100,
            perNode: 1,
            seed: DEFAULT_SEED,
            firstIndex: INGEST_RANGES.events,
            sessions: mode.events.sessions,
            maxSeconds: mode.events.maxSeconds,
          });
          results['events'] = run;
          log(`  events: ${run.delivery.messagesPerSecond.toFixed(0)} messages/s to ${run.subscribers} subscribers, ${(run.deliveredShare * 100).toFixed(1)}% delivered, ${run.delivery.disconnected} disconnected`);
          figures.push({
            name: `events delivered to ${run.subscribers} SSE subscribers`,
            value: run.delivery.messagesPerSecond,
            unit: 'events/s',
            note: `during ingest of ${run.ingest.reportsPerSecond.toFixed(0)} reports/s (batches of 100); ${(run.deliveredShare * 100).toFixed(1)}% of ${(run.expectedPerSubscriber * run.subscribers).toLocaleString('en-US')} delivered, ${run.delivery.disconnected} disconnected`,
          });
        }
        const parts = rssPartsOf(server.pid);
        const split = `anonymous ${(parts.anon / MB).toFixed(0)} MB, file-backed ${(parts.file / MB).toFixed(0)} MB, shared ${(parts.shmem / MB).toFixed(0)} MB`;
        figures.push({ name: 'RSS after ingest and events', value: rssOf(server.pid) / MB, unit: 'MB', target: { op: '<=', value: 200 }, note: `${split}; ${await heapNote(server.url, (cpuMsOf(server.pid) - serverCpuMsBeforeStages) / 1000)}` });
      });
    }
    if (stages.has('retention')) {
      noteLoad('retention');
      const backlog = Math.min(mode.retention.backlog, Math.floor(sessions / 5));
      const healthzFile = writePaths(CACHE_DIR, 'healthz', ['/healthz']);
      const run: RetentionRun = await retentionRun(work, healthzFile, backlog, mode.retention.maxSeconds, serverOptions);
      results['retention'] = run;
      const { healthz } = run;
      log(`  retention: ${run.deletedSessions} of ${run.backlog} deleted, drained in ${run.drainSeconds?.toFixed(1) ?? '-'} s; /healthz p50 ${healthz.p50Ms.toFixed(1)} ms, p99 ${healthz.p99Ms.toFixed(1)} ms, max ${healthz.maxMs.toFixed(1)} ms`);
      const drained = run.drainSeconds === null ? `not drained in ${mode.retention.maxSeconds} s: ${run.deletedSessions.toLocaleString('en-US')} deleted` : `drained in ${run.drainSeconds.toFixed(1)} s`;
      const idle = run.healthzIdle;
      const note = `${healthz.requests} requests one at a time while ${run.backlog.toLocaleString('en-US')} ended sessions past retention are deleted (${drained}); p50 ${healthz.p50Ms.toFixed(2)} ms; with nothing to delete p50 ${idle.p50Ms.toFixed(2)}, p99 ${idle.p99Ms.toFixed(1)}, max ${idle.maxMs.toFixed(1)} ms`;
      figures.push(
        { name: '/healthz p99 while the retention backlog drains', value: healthz.p99Ms, unit: 'ms', target: { op: '<=', value: 50 }, note },
        { name: '/healthz max while the retention backlog drains', value: healthz.maxMs, unit: 'ms', target: { op: '<=', value: 50 }, note: `${(run.deletedSessions / (run.drainSeconds ?? mode.retention.maxSeconds)).toFixed(0)} sessions deleted per second` },
      );
    }
  } finally {
    for (const suffix of ['', '-wal', '-shm', '.lock', '.lock-journal']) rmSync(work + suffix, { force: true });
  }
}

if (postgresRun) {
  const postgres = await postgresDatabase(db, { serverUrl: args['postgres-url'], database: args['postgres-database'] }, args['postgres-through-store']);
  try {
    results['postgres'] = { sizes: postgres.sizes, ...(await postgresStages(db, postgres, mode, serverOptions, figures, noteLoad)) };
  } finally {
    await postgres.drop();
  }
}

noteLoad('end');
const machine = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 1024 ** 3),
  uptime: execFileSync('uptime', { encoding: 'utf8' }).trim(),
  ...source,
};
// The tokens are the benchmark's own, for a throw-away database: not worth keeping.
const { tokens: _tokens, ...dataset } = db;
const output = {
  mode: args.quick ? 'quick' : 'default',
  sessions,
  machine,
  loadAverages: loads,
  durationSeconds: (performance.now() - runStarted) / 1000,
  dataset,
  figures: figures.map((f) => ({ ...f, verdict: verdict(f) })),
  details: results,
};
mkdirSync(join(resultsPath, '..'), { recursive: true });
writeFileSync(resultsPath, JSON.stringify(output, null, 2) + '\n');
writeFileSync(join(CACHE_DIR, 'last-table.md'), markdownTable(figures) + '\n');

process.stdout.write(`\nSBC session API benchmark (${output.mode}, ${sessions.toLocaleString('en-US')} sessions) on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}\n`);
process.stdout.write(`load average at start ${loads[0]?.load1.toFixed(2)}, at end ${loads.at(-1)?.load1.toFixed(2)} (other work shares these cores: ratios to baselines measured in the same run are the robust figures)\n\n`);
process.stdout.write(table(figures) + '\n\n');
process.stdout.write(`figures written to ${resultsPath} (${output.durationSeconds.toFixed(0)} s in all)\n`);
