import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import type { HttpLoadResult } from './children/http-load.js';
import type { IngestLoadInput, IngestLoadResult } from './children/ingest-load.js';
import type { SequentialGetResult } from './children/sequential-get.js';
import type { SseResult } from './children/sse-subscribers.js';
import type { BenchDatabase } from './database.js';
import { DATASET_NOW } from './dataset.js';
import { children, cpuMsOf, rssOf, runJsonChild, type ServerProcess } from './processes.js';
import { startNamed, type ServerName, type ServerOptions } from './servers.js';

/** A server in the lookup comparison: which one, and how it is started. */
export interface Contender {
  label: string;
  server: ServerName;
  options: ServerOptions;
  /** Who asks, and for which sessions (paths in a file, for the load generator). */
  token: string;
  pathsFile: string;
}

export interface LookupRun extends HttpLoadResult {
  contender: string;
  round: number;
  readyMs: number;
  rssReadyBytes: number;
  rssAfterBytes: number;
  /** CPU time the server spent per answered request: what contention on the machine does not change much. */
  serverCpuUsPerRequest: number;
}

/** One server's lookup run: start it, warm it up, load it, note its memory, stop it. */
export async function lookupRun(
  contender: Contender,
  round: number,
  db: BenchDatabase,
  load: { connections: number; warmupSeconds: number; seconds: number },
): Promise<LookupRun> {
  const server = await startNamed(contender.server, db.path, contender.options);
  try {
    const rssReadyBytes = rssOf(server.pid);
    const input = { url: server.url, token: contender.token, pathsFile: contender.pathsFile, connections: load.connections };
    await runJsonChild<HttpLoadResult>(children('http-load'), { ...input, seconds: load.warmupSeconds }, 120_000);
    const cpuBefore = cpuMsOf(server.pid);
    const result = await runJsonChild<HttpLoadResult>(children('http-load'), { ...input, seconds: load.seconds }, 300_000);
    const serverCpuUsPerRequest = ((cpuMsOf(server.pid) - cpuBefore) * 1000) / Math.max(1, result.requests);
    return { contender: contender.label, round, readyMs: server.readyMs, rssReadyBytes, rssAfterBytes: rssOf(server.pid), serverCpuUsPerRequest, ...result };
  } finally {
    await server.stop();
  }
}

/** Latency of one kind of request, one at a time, against a running server. */
export function sequentialRun(server: ServerProcess, token: string, pathsFile: string, maxSeconds: number, repeat = false): Promise<SequentialGetResult> {
  return runJsonChild<SequentialGetResult>(children('sequential-get'), { url: server.url, token, pathsFile, maxSeconds, repeat }, (maxSeconds + 120) * 1000);
}

export type IngestPlan = Omit<IngestLoadInput, 'url' | 'tokens'>;

export function ingestRun(server: ServerProcess, db: BenchDatabase, plan: IngestPlan): Promise<IngestLoadResult> {
  return runJsonChild<IngestLoadResult>(children('ingest-load'), { url: server.url, tokens: db.tokens.sbc, ...plan }, (plan.maxSeconds + 300) * 1000);
}

export interface EventsRun {
  subscribers: number;
  ingest: IngestLoadResult;
  delivery: SseResult;
  /** Messages each subscriber should have had: one per applied report. */
  expectedPerSubscriber: number;
  deliveredShare: number;
}

/** Subscribers connect, ingest runs, and the subscribers count what reached them. */
export async function eventsRun(server: ServerProcess, db: BenchDatabase, subscribers: number, plan: IngestPlan): Promise<EventsRun> {
  const child = spawn(process.execPath, [children('sse-subscribers'), JSON.stringify({ url: server.url, token: db.tokens.admin, subscribers })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), (plan.maxSeconds + 600) * 1000);
  try {
    const lines = createInterface({ input: child.stdout });
    const next = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const onExit = () => reject(new Error('the subscribers process ended early'));
        child.once('exit', onExit);
        lines.once('line', (line) => {
          child.off('exit', onExit);
          resolve(line);
        });
      });
    await next();
    const ingest = await ingestRun(server, db, plan);
    // Let the last events reach every subscriber before counting.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    child.stdin.write('stop\n');
    const delivery = JSON.parse(await next()) as SseResult;
    return {
      subscribers,
      ingest,
      delivery,
      expectedPerSubscriber: ingest.reports,
      deliveredShare: ingest.reports === 0 ? 0 : delivery.messages / (ingest.reports * subscribers),
    };
  } finally {
    clearTimeout(guard);
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}

export interface RetentionRun {
  /** Ended sessions past retention when the server started. */
  backlog: number;
  retentionHours: number;
  deletedSessions: number;
  /** Seconds from the server being ready to the backlog gone; null when it was not gone in time. */
  drainSeconds: number | null;
  /** /healthz one at a time, all the while. */
  healthz: SequentialGetResult;
  /** The same before, from the same server on the same file with nothing to delete: what the machine gives anyway. */
  healthzIdle: SequentialGetResult;
}

/**
 * A server starts with `backlog` ended sessions past its retention (as after downtime, or a
 * shorter RETENTION_HOURS) and its job every second; /healthz is asked one request at a time
 * (the paths in `healthzFile`) until the backlog is gone or the time runs out; and for
 * `idleSeconds` before, with nothing to delete. Deletes from the file at `path`.
 */
const idleSeconds = 10;

export async function retentionRun(path: string, healthzFile: string, backlog: number, maxSeconds: number, options: ServerOptions): Promise<RetentionRun> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const sessions = db.prepare('SELECT COUNT(*) FROM sessions').pluck();
  try {
    // The ended time of the backlog's newest session: retention is set so that it is just past it.
    const cutoff = db.prepare('SELECT ended FROM sessions WHERE ended IS NOT NULL ORDER BY ended LIMIT 1 OFFSET ?').pluck().get(backlog - 1) as string;
    const pastRetention = db.prepare('SELECT COUNT(*) FROM sessions WHERE ended IS NOT NULL AND ended <= ?').pluck();
    const retentionHours = (DATASET_NOW - Date.parse(cutoff)) / 3_600_000;
    const before = sessions.get() as number;
    const idle = await startNamed('sbc', path, options);
    let healthzIdle: SequentialGetResult;
    try {
      healthzIdle = await sequentialRun(idle, '', healthzFile, idleSeconds, true);
    } finally {
      await idle.stop();
    }
    const server = await startNamed('sbc', path, { ...options, env: { RETENTION_HOURS: retentionHours.toFixed(6), JOB_INTERVAL_SECONDS: '1' } });
    const ready = performance.now();
    let drainSeconds: number | null = null;
    let healthz: SequentialGetResult;
    try {
      const child = spawn(process.execPath, [children('sequential-get'), JSON.stringify({ url: server.url, token: '', pathsFile: healthzFile, maxSeconds, repeat: true })], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      while (child.exitCode === null && performance.now() - ready < maxSeconds * 1000) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (pastRetention.get(cutoff) === 0) {
          drainSeconds = (performance.now() - ready) / 1000;
          break;
        }
      }
      // The child also stops by itself after maxSeconds: when it already has, its stdin is closed
      // and the write fails with EPIPE, which is no failure of the stage (its result is printed).
      child.stdin.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
      });
      child.stdin.end('stop\n');
      await exited;
      healthz = JSON.parse(out.trim().split('\n').pop() ?? '') as SequentialGetResult;
    } finally {
      await server.stop();
    }
    return { backlog, retentionHours, deletedSessions: before - (sessions.get() as number), drainSeconds, healthz, healthzIdle };
  } finally {
    db.close();
  }
}
