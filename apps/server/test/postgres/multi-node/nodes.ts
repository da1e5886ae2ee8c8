// Two (or more) real server processes on one PostgreSQL database: the built dist/main.js, as it
// ships. Every process this module starts is killed when the test process exits, however it exits.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const dist = join(import.meta.dirname, '..', '..', '..', 'dist');
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The server nodes' settings: maintenance every second, so that tests need not wait for it. */
const nodeEnv = {
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'info',
  JOB_INTERVAL_SECONDS: '1',
  RATE_LIMIT_PER_SECOND: '0',
  MAX_STREAMS_PER_TOKEN: '100',
  SHUTDOWN_TIMEOUT_SECONDS: '2',
};

export class ServerNode {
  private output = '';
  url = '';
  readonly exited: Promise<unknown>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    running.add(child);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.exited = once(child, 'exit').finally(() => running.delete(child));
  }

  /** What the process printed on stdout and stderr so far. */
  stdout(): string {
    return this.output;
  }

  /** Kills the process at once, as a crash would (no shutdown, no goodbye to its streams). */
  async crash(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Waits for the log line that gives the address, then for /readyz to answer 200 (the event feed up). */
  async ready(deadlineMs = 30_000): Promise<this> {
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`node ${this.name} exited with ${this.child.exitCode}:\n${this.output}`);
      this.url ||= /"msg":"listening"/.test(this.output) ? (/"url":"([^"]+)"/.exec(this.output)?.[1] ?? '') : '';
      if (this.url && (await readyz(this.url)) === 200) return this;
      await sleep(50);
    }
    throw new Error(`node ${this.name} was not ready within ${deadlineMs} ms:\n${this.output}`);
  }
}

async function readyz(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) })).status;
  } catch {
    return 0;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 20 ms until it holds; fails after `ms`, saying what was awaited. */
export async function eventually(what: string, condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

/** Starts dist/main.js on this database (not yet ready: call ready()). */
export function startNode(name: string, databaseUrl: string, env: Record<string, string> = {}): ServerNode {
  const main = join(dist, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build the server first (pnpm build)`);
  const child = spawn(process.execPath, [main], { env: { ...process.env, ...nodeEnv, ...env, SBC_DB: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new ServerNode(name, child);
}

/** Runs the admin command line (dist/admin.js) on this database; its last line of output. */
export async function admin(databaseUrl: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(dist, 'admin.js'), ...args], {
    env: { ...process.env, SBC_DB: databaseUrl },
    timeout: 30_000,
  });
  return stdout.trim().split('\n').at(-1) ?? '';
}

/** A database of its own on the test server, dropped (with whatever is connected) by drop(). */
export async function scratchDatabase(baseUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  await onServer(baseUrl, `CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => void (await onServer(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

/**
 * Transactions the database has rolled back so far, as PostgreSQL's statistics count them (a
 * backend reports them within seconds): on this suite's own database, the nodes' retries.
 */
export async function rollbacks(databaseUrl: string): Promise<number> {
  return Number(await onServer(databaseUrl, 'SELECT xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()'));
}

async function onServer(url: string, sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ n: unknown }>(sql)).rows[0]?.n;
  } finally {
    await client.end();
  }
}
