import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContract } from '@sbc/contract';
import { startServer } from '@sbc/server';
import Database from 'better-sqlite3';
import { customers, DATASET_NOW, DATASET_VERSION, dayOf, lifecycle, SBC_NODES, session } from './dataset.js';
import { BENCH_SETTINGS } from './settings.js';

export const CACHE_DIR = fileURLToPath(new URL('../.cache/', import.meta.url));

/** A SQLite file holding the data set, written by the server's own store, and what it took. */
export interface BenchDatabase {
  path: string;
  sessions: number;
  seed: number;
  fileBytes: number;
  tokens: {
    admin: string;
    resellerAdmin: string;
    /** Machine token of each SBC node, by its address. */
    sbc: Record<string, string>;
  };
  load: {
    /** Wall time of the whole build: generating, storing, committing. */
    seconds: number;
    /** Time spent inside the store's applyReports. */
    storeSeconds: number;
    sessionsPerSecond: number;
    batchSize: number;
  };
  /** False when this run built the file, true when it came from the cache. */
  cached: boolean;
  /** The earlier build this one was migrated from, when the schema changed since it was built. */
  migratedFrom?: string;
}

const LOAD_BATCH = 5000;
const log = (text: string) => process.stderr.write(`${text}\n`);

async function openStore(path: string) {
  return startServer({
    dbPath: path,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    now: () => new Date(DATASET_NOW),
    // No maintenance while loading: nothing in the data set is due for it.
    jobIntervalSeconds: 0,
    ...BENCH_SETTINGS,
  });
}

const removeDatabase = (path: string) => {
  for (const suffix of ['', '-wal', '-shm', '.lock']) rmSync(path + suffix, { force: true });
};

/** A database's schema as SQLite reports it. */
function fingerprintOf(path: string): string {
  const db = new Database(path, { readonly: true });
  const sql = (db.prepare('SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name').pluck().all() as string[]).join('\n');
  db.close();
  return createHash('sha256').update(sql).digest('hex').slice(0, 12);
}

/** The schema this server creates: a cached file under another schema is not reused as it is. */
async function schemaFingerprint(): Promise<string> {
  const probe = join(CACHE_DIR, `schema-probe-${process.pid}.db`);
  await (await openStore(probe)).close();
  const fingerprint = fingerprintOf(probe);
  removeDatabase(probe);
  return fingerprint;
}

/**
 * An earlier build of the same data set under an older schema, brought up to date by the
 * server's own migrations (as a deployed database would be): minutes faster than a rebuild.
 */
async function migrateEarlierBuild(prefix: string, path: string, fingerprint: string): Promise<BenchDatabase | undefined> {
  const earlier = readdirSync(CACHE_DIR).find((file) => file.startsWith(prefix) && file.endsWith('.db') && existsSync(join(CACHE_DIR, file.replace(/\.db$/, '.json'))));
  if (!earlier) return undefined;
  const building = `${path}.building`;
  removeDatabase(building);
  log(`data set: migrating the earlier build ${earlier}`);
  copyFileSync(join(CACHE_DIR, earlier), building);
  await (await openStore(building)).close();
  if (fingerprintOf(building) !== fingerprint) {
    log('data set: the migrated schema differs from a new database\'s; rebuilding instead');
    removeDatabase(building);
    return undefined;
  }
  renameSync(building, path);
  removeDatabase(building);
  const meta = JSON.parse(readFileSync(join(CACHE_DIR, earlier.replace(/\.db$/, '.json')), 'utf8')) as BenchDatabase;
  // The old build is superseded; it is gigabytes at the default size.
  removeDatabase(join(CACHE_DIR, earlier));
  rmSync(join(CACHE_DIR, earlier.replace(/\.db$/, '.json')), { force: true });
  return { ...meta, path, fileBytes: statSync(path).size, migratedFrom: earlier };
}

/** The data set's database: from the cache when one was built for this size, seed and schema. */
export async function benchDatabase(count: number, seed: number): Promise<BenchDatabase> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const prefix = `sessions-${count}-seed${seed}-v${DATASET_VERSION}-`;
  const fingerprint = await schemaFingerprint();
  const path = join(CACHE_DIR, `${prefix}${fingerprint}.db`);
  const metaPath = path.replace(/\.db$/, '.json');
  if (existsSync(path) && existsSync(metaPath)) {
    log(`data set: cached ${path}`);
    return { ...(JSON.parse(readFileSync(metaPath, 'utf8')) as BenchDatabase), path, cached: true };
  }
  const migrated = await migrateEarlierBuild(prefix, path, fingerprint);
  if (migrated) {
    writeFileSync(metaPath, JSON.stringify(migrated, null, 2));
    return { ...migrated, cached: true };
  }
  const building = `${path}.building`;
  removeDatabase(building);
  log(`data set: building ${count} sessions into ${path}`);
  const built = await build(building, count, seed);
  renameSync(building, path);
  removeDatabase(building);
  const meta: BenchDatabase = { ...built, path, fileBytes: statSync(path).size, cached: false };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  return meta;
}

/** The generator's output is checked against the contract before anything is stored. */
function checkAgainstContract(seed: number, count: number): void {
  const validate = loadContract().schema('IngestReport');
  for (let index = 0; index < Math.min(count, CONTRACT_CHECKED); index++) {
    const call = session(seed, index, dayOf(count));
    for (const report of [call, ...lifecycle(call)]) {
      const issue = validate(report);
      if (issue) throw new Error(`generated report ${index} breaks the contract: ${issue.description} in ${JSON.stringify(report)}`);
    }
  }
}
const CONTRACT_CHECKED = 2000;

async function build(path: string, count: number, seed: number): Promise<Omit<BenchDatabase, 'path' | 'fileBytes' | 'cached'>> {
  checkAgainstContract(seed, count);
  const started = performance.now();
  const server = await openStore(path);
  const { store } = server;
  const now = new Date(DATASET_NOW);
  for (const customer of customers()) await store.putCustomer({ features: [], ...customer });
  let storeMs = 0;
  for (let first = 0; first < count; first += LOAD_BATCH) {
    const reports = [];
    for (let index = first; index < Math.min(count, first + LOAD_BATCH); index++) {
      const report = session(seed, index, dayOf(count));
      reports.push({ callId: report.callId, report });
    }
    const applyStarted = performance.now();
    const { outcomes } = await store.applyReports(reports, {}, now);
    storeMs += performance.now() - applyStarted;
    const refused = outcomes.find((outcome) => outcome.result === 'rejected');
    if (refused) throw new Error(`the store refused a generated session: ${JSON.stringify(refused)}`);
    if ((first / LOAD_BATCH) % 20 === 19) log(`  ${first + LOAD_BATCH} sessions, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const [reseller] = customers();
  const admin = await store.createToken({ level: 'ADMIN', name: 'bench admin' }, now);
  const resellerAdmin = await store.createToken({ level: 'RESELLER_ADMIN', customerId: reseller?.id, name: 'bench reseller admin' }, now);
  const sbc: Record<string, string> = {};
  for (const node of SBC_NODES) sbc[node] = (await store.createToken({ level: 'SBC', sbcServer: node, name: `bench ${node}` }, now)).token;
  await server.close();
  // The cached file must stand alone: fold the write-ahead log into it.
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const seconds = (performance.now() - started) / 1000;
  log(`data set: ${count} sessions stored in ${seconds.toFixed(1)} s (${(storeMs / 1000).toFixed(1)} s in the store)`);
  return {
    sessions: count,
    seed,
    tokens: { admin: admin.token, resellerAdmin: resellerAdmin.token, sbc },
    load: { seconds, storeSeconds: storeMs / 1000, sessionsPerSecond: count / seconds, batchSize: LOAD_BATCH },
  };
}
