import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * A second connection to the database file, in a worker thread: for writes that may read many
 * pages from disk (deleting what outlived its retention) and the WAL checkpoints that follow
 * them, and for reads that walk many index entries (traffic statistics over a day). better-sqlite3
 * answers synchronously, so on the server's own connection a page that is not in memory, or a
 * walk over a million entries, holds every request until it is done; here only the worker waits.
 * The caller still runs one write at a time (SQLite has one writer): it awaits the worker
 * instead of blocking on it.
 */
export class BackgroundConnection {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  /** Why the worker is gone, once it is: later calls fail at once. */
  private ended: Error | undefined;

  /** `statements`: the SQL the worker may run, by name (the store owns its SQL). */
  constructor(path: string, statements: Record<string, string>) {
    this.worker = new Worker(workerSource, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, statements, nice: 10 },
    });
    this.worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: { message: string; code?: string } }) => {
      const call = this.pending.get(id);
      this.pending.delete(id);
      // The worker's SQLite errors arrive as the server's own would: a full disk is told apart.
      if (error) call?.reject(error.code ? new Database.SqliteError(error.message, error.code) : new Error(error.message));
      else call?.resolve(result);
      if (this.pending.size === 0) this.worker.unref();
    });
    this.worker.on('error', (error) => this.end(error));
    this.worker.on('exit', () => this.end(new Error('the background database connection ended')));
    // An idle worker does not keep the process alive; one with work to answer does.
    this.worker.unref();
  }

  /** Runs the named statements in order in one transaction; the rows each changed. */
  run(steps: Array<{ statement: string; params: unknown[] }>): Promise<number[]> {
    return this.call('run', steps) as Promise<number[]>;
  }

  /** Runs the named statements in order in one read transaction (one snapshot); the rows of each. */
  read(steps: Array<{ statement: string; params: unknown[] }>): Promise<unknown[][]> {
    return this.call('read', steps) as Promise<unknown[][]>;
  }

  /** Copies what the WAL holds into the database file, as far as no reader still needs it (never waits for the writer). */
  checkpoint(): Promise<void> {
    return this.call('checkpoint', []) as Promise<void>;
  }

  async close(): Promise<void> {
    if (this.ended) return;
    try {
      await this.call('close', []);
    } finally {
      await this.worker.terminate();
    }
  }

  private call(op: string, args: unknown): Promise<unknown> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, op, args });
    });
  }

  private end(error: Error): void {
    this.ended ??= error;
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}

// Plain JavaScript, run with eval so that it works from the TypeScript sources (tests) and the
// build alike. Its commits are not flushed on their own (what it deletes, a later run deletes
// again); SQLite's automatic checkpoint runs on the connection that commits, so here, off the
// event loop.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
// Below the server's own thread for the CPU (Linux: a thread has its own nice value): on a busy
// machine its rounds wait, not the requests.
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(tid, workerData.nice);
} catch {}
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const statements = new Map(Object.entries(workerData.statements).map(([name, sql]) => [name, db.prepare(sql)]));
const run = db.transaction((steps) => steps.map((step) => statements.get(step.statement).run(...step.params).changes));
const read = db.transaction((steps) => steps.map((step) => statements.get(step.statement).all(...step.params)));
parentPort.on('message', ({ id, op, args }) => {
  try {
    if (op === 'run') parentPort.postMessage({ id, result: run.immediate(args) });
    else if (op === 'read') parentPort.postMessage({ id, result: read.deferred(args) });
    else if (op === 'checkpoint') {
      db.pragma('wal_checkpoint(PASSIVE)');
      parentPort.postMessage({ id });
    } else if (op === 'close') {
      db.close();
      parentPort.postMessage({ id });
    }
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, code: error.code } });
  }
});
`;
