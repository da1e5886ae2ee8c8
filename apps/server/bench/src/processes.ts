import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A server under test, running in its own process so that its memory is its own. */
export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** Milliseconds from spawning the process to its first 200 on the ready path. */
  readyMs: number;
  stop(): Promise<void>;
}

export const children = (name: string) => fileURLToPath(new URL(`./children/${name}.js`, import.meta.url));

/** A port that was free a moment ago, so that the parent knows where to poll before the child says anything. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One line of /proc/PID/status, in bytes. */
function statusBytes(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** Resident set size of a process, in bytes, as the kernel counts it. */
export const rssOf = (pid: number): number => statusBytes(pid, 'VmRSS');

/** The resident memory split by kind: anonymous (heaps, caches), file-backed (code), shared (SQLite's WAL index). */
export const rssPartsOf = (pid: number) => ({
  anon: statusBytes(pid, 'RssAnon'),
  file: statusBytes(pid, 'RssFile'),
  shmem: statusBytes(pid, 'RssShmem'),
});

/** CPU time (user + system) a process has used so far, in milliseconds. */
export function cpuMsOf(pid: number): number {
  // Fields after the command name (which may hold spaces) start at the state, field 3.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}
/** USER_HZ, 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitReady(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(5);
  }
  throw new Error(`${url} did not answer 200 within ${deadlineMs} ms`);
}

export interface SpawnOptions {
  name: string;
  /** The script to run (a runner in children/). */
  script: string;
  args?: string[];
  env?: Record<string, string>;
  /** Path that answers 200 once the server can serve. */
  readyPath: string;
  nodeOptions?: string[];
  /** Where the server's own output goes: its log lines are not the benchmark's. */
  stdio?: 'ignore' | 'inherit';
  /** A command that runs node in turn (valgrind and its options), and how long its slower start may take. */
  wrapper?: { command: string[]; readyTimeoutMs: number };
  /** The working directory, for the files a wrapped node leaves behind. */
  cwd?: string;
}

/** Servers started and not yet exited: a run that ends on an error leaves none of them running. */
const runningServers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of runningServers) child.kill('SIGKILL');
});

/** Starts a server process on a free loopback port and waits until it is ready. */
export async function startServerProcess(options: SpawnOptions): Promise<ServerProcess> {
  const port = await freePort();
  const started = performance.now();
  const node = [process.execPath, ...(options.nodeOptions ?? []), options.script, ...(options.args ?? [])];
  const [command, ...args] = [...(options.wrapper?.command ?? []), ...node] as [string, ...string[]];
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', options.stdio ?? 'ignore', 'inherit'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const url = `http://127.0.0.1:${port}`;
  runningServers.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      runningServers.delete(child);
      resolve();
    }),
  );
  try {
    await waitReady(url + options.readyPath, child, options.wrapper?.readyTimeoutMs ?? 120_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const readyMs = performance.now() - started;
  return {
    name: options.name,
    url,
    pid: child.pid as number,
    readyMs,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a child script to completion and returns the JSON it prints last on stdout. */
export async function runJsonChild<T>(script: string, input: unknown, timeoutMs: number): Promise<T> {
  const child = spawn(process.execPath, [script, JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${script} exited with code ${code}`);
  const lastLine = out.trim().split('\n').pop() ?? '';
  return JSON.parse(lastLine) as T;
}
