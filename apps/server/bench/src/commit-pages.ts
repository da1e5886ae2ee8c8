import { copyFileSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { CACHE_DIR } from './database.js';
import { DATASET_NOW, DEFAULT_SEED, INGEST_RANGES } from './dataset.js';
import { ingestCalls, reportOrder } from './workload.js';
import { toolArgs } from './tool-args.js';

/**
 * `node apps/server/bench/dist/commit-pages.js DB [BUILD] [--batch N] [--batches N]`: what a
 * group commit of ingest reports costs in the store itself, with no HTTP: the bench's ingest
 * reports (in the order one node of `ingest-load` sends them, every node's calls together) applied in groups of `--batch` to a
 * copy of DB by a server build's store (default: this checkout's), after 10 groups to warm up.
 * Prints the CPU and the time in BEGIN/COMMIT per report, the WAL frames each report wrote, and
 * which b-trees the pages of each commit belong to (SQLite's dbstat): where a commit's writes go.
 */

interface Backend {
  db: Database.Database;
  checkpointsInBackground: boolean;
  close(): Promise<void>;
}
interface Service {
  applyReports(reports: Array<{ callId: string; report: object }>, reporter: object, now: Date): Promise<{ outcomes: Array<{ result: string }> }>;
}

const { positional: args, option } = toolArgs();
const groupSize = option('--batch', 1000);
const measured = option('--batches', 20);
const warmUp = 10;
const [source, build = resolve(import.meta.dirname, '../../dist')] = args;
if (!source) {
  process.stderr.write('usage: commit-pages DB [BUILD] [--batch N] [--batches N]\n');
  process.exit(2);
}

const path = join(CACHE_DIR, `commit-pages-${process.pid}.db`);
copyFileSync(source, path);
const { SqliteStore } = (await import(pathToFileURL(resolve(build, 'store/sqlite-store.js')).href)) as { SqliteStore: new (path: string) => Backend };
const { SessionService } = (await import(pathToFileURL(resolve(build, 'domain/session-service.js')).href)) as { SessionService: new (backend: Backend) => Service };
const backend = new SqliteStore(path);
try {
  // Every frame of the measured commits stays in the WAL, to be read back below.
  backend.checkpointsInBackground = false;
  backend.db.pragma('wal_autocheckpoint = 0');
  let transactionMs = 0;
  const exec = backend.db.exec.bind(backend.db);
  backend.db.exec = (sql: string) => {
    if (sql !== 'BEGIN IMMEDIATE' && sql !== 'COMMIT') return exec(sql);
    const start = performance.now();
    const result = exec(sql);
    transactionMs += performance.now() - start;
    return result;
  };
  const store = new SessionService(backend);

  const groups = warmUp + measured;
  const calls = ingestCalls(DEFAULT_SEED, INGEST_RANGES.commitPages, Math.ceil((groups * groupSize) / 3) + groupSize);
  const reports = reportOrder(calls, groupSize);
  const walPath = `${path}-wal`;
  const started = Date.now();
  let cpu = process.cpuUsage();
  let count = 0;
  for (let group = 0; group < groups; group++) {
    if (group === warmUp) {
      backend.db.pragma('wal_checkpoint(TRUNCATE)');
      transactionMs = 0;
      count = 0;
      cpu = process.cpuUsage();
    }
    const batch = reports.slice(group * groupSize, (group + 1) * groupSize).map((report) => ({ callId: report.callId, report }));
    const { outcomes } = await store.applyReports(batch, {}, new Date(DATASET_NOW + Date.now() - started));
    const refused = outcomes.find((o) => o.result === 'rejected');
    if (refused) throw new Error(`a report was refused: ${JSON.stringify(refused)}`);
    count += batch.length;
  }
  const used = process.cpuUsage(cpu);
  const perReport = (micros: number) => (micros / count).toFixed(1);

  // The WAL: a 32-byte header, then frames of a 24-byte header (page number, and the file's size
  // in pages on a commit's last frame) and the page.
  const wal = readFileSync(walPath);
  const pageSize = wal.readUInt32BE(8);
  const commits: number[][] = [];
  let pages: number[] = [];
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    pages.push(wal.readUInt32BE(at));
    if (wal.readUInt32BE(at + 4) !== 0) {
      commits.push(pages);
      pages = [];
    }
  }
  const frames = commits.reduce((sum, commit) => sum + commit.length, 0);
  const owner = new Map<number, string>();
  for (const { name, pageno } of backend.db.prepare('SELECT name, pageno FROM dbstat').iterate() as Iterable<{ name: string; pageno: number }>) owner.set(pageno, name);
  const byTree = new Map<string, number>();
  for (const commit of commits) {
    for (const page of new Set(commit)) {
      const tree = owner.get(page) ?? '(free or new)';
      byTree.set(tree, (byTree.get(tree) ?? 0) + 1);
    }
  }

  const out = process.stdout;
  out.write(`${count} reports in ${commits.length} commits of ${groupSize} (after ${warmUp} to warm up), build ${build}\n`);
  out.write(`CPU per report ${perReport(used.user + used.system)} µs (system ${perReport(used.system)} µs); BEGIN IMMEDIATE and COMMIT ${perReport(transactionMs * 1000)} µs\n`);
  out.write(`WAL frames per report ${(frames / count).toFixed(2)} (${statSync(walPath).size} bytes of WAL; pages of ${pageSize} bytes)\n`);
  out.write('pages a commit writes, by b-tree:\n');
  for (const [tree, total] of [...byTree].sort((a, b) => b[1] - a[1])) out.write(`${(total / commits.length).toFixed(1).padStart(9)}  ${tree}\n`);
} finally {
  await backend.close();
  for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
}
