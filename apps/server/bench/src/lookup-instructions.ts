import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { benchDatabase, CACHE_DIR } from './database.js';
import { DEFAULT_SEED } from './dataset.js';
import { runJsonChild, children } from './processes.js';
import { SERVERS, startNamed, type ServerName } from './servers.js';
import type { SequentialGetResult } from './children/sequential-get.js';
import { lookupPaths, writePaths } from './workload.js';
import { toolArgs } from './tool-args.js';

/**
 * `node apps/server/bench/dist/lookup-instructions.js [SERVER ...] [--warm N] [--requests N] [--top N] [--inclusive] [--keep] [--node-flag ...]`:
 * the machine instructions a lookup costs each server (`sbc`, `koa`, `raw`; default `sbc koa`),
 * counted by valgrind's callgrind rather than timed. A count does not move with whatever else the
 * machine is doing, where CPU time moves by 10 % between rounds. It does move with V8: the
 * garbage collections that fall in it (a few thousand instructions), and code that its optimising
 * compiler, on another thread slowed by valgrind, has not yet replaced (Baseline and CompileLazy
 * builtins among the largest costs; one process of bare Koa counted 35,000 more than another).
 * Compare runs whose top functions agree. Each server runs under callgrind on the 1M file; after
 * `--warm` lookups (enough for V8 to have optimised the request path) its counters are zeroed,
 * `--requests` lookups are made one at a time, and the counts are read per thread and, on the
 * main thread, per function, with JavaScript functions named from V8's `--perf-basic-prof` map.
 * A count leaves out what the kernel does (system calls, page faults) and what a cache miss costs.
 */

const { positional: args, option } = toolArgs();
const warm = option('--warm', 10_000);
const requests = option('--requests', 4_500);
const top = option('--top', 40);
// Each function with what it calls (callgrind_annotate --inclusive=yes): what a step of the request path costs in all.
const inclusive = args.includes('--inclusive');
if (inclusive) args.splice(args.indexOf('--inclusive'), 1);
// Keeps each server's callgrind files and V8 map, for callgrind_annotate --tree=caller: who calls a costly function.
const keep = args.includes('--keep');
if (keep) args.splice(args.indexOf('--keep'), 1);
// Any other `--flag` goes to each server's node, such as a V8 flag that changes when code is optimised.
const nodeFlags = args.filter((arg) => arg.startsWith('--'));
const servers = args.filter((arg) => !arg.startsWith('--'));
const names = (servers.length > 0 ? servers : ['sbc', 'koa']) as ServerName[];
for (const name of names) {
  if (!(name in SERVERS)) {
    process.stderr.write(`usage: lookup-instructions [${Object.keys(SERVERS).join('|')} ...] [--warm N] [--requests N] [--top N] [--inclusive] [--keep] [--node-flag ...]\n`);
    process.exit(2);
  }
}

interface Counts {
  /** Instructions per lookup on the main thread, and on all threads. */
  mainThread: number;
  allThreads: number;
  /** Instructions per lookup on the main thread, by function, without those it calls. */
  byFunction: Map<string, number>;
}

const sessions = 1_000_000;
const db = await benchDatabase(sessions, DEFAULT_SEED);
const paths = lookupPaths(DEFAULT_SEED, sessions, warm + requests);
const warmFile = writePaths(CACHE_DIR, 'instructions-warm', paths.slice(0, warm));
const measuredFile = writePaths(CACHE_DIR, 'instructions-measured', paths.slice(warm));

const counted = new Map<ServerName, Counts>();
for (const name of names) {
  process.stderr.write(`${name}: starting under callgrind (a minute or two)\n`);
  counted.set(name, await count(name));
}
for (const [name, counts] of counted) {
  process.stdout.write(`\n${SERVERS[name].label}: ${Math.round(counts.mainThread)} instructions a lookup on the main thread, ${Math.round(counts.allThreads)} on all threads\n`);
}
const [first, second] = [...counted.values()];
if (first && second) {
  process.stdout.write(`\nmain thread, ${names[0]} minus ${names[1]}, by function (instructions a lookup${inclusive ? ', with what each calls' : ''}):\n`);
  printRows([...new Set([...first.byFunction.keys(), ...second.byFunction.keys()])].map((fn) => [fn, (first.byFunction.get(fn) ?? 0) - (second.byFunction.get(fn) ?? 0)]));
}
for (const [name, counts] of counted) {
  process.stdout.write(`\nmain thread of ${name}, by function (instructions a lookup${inclusive ? ', with what each calls' : ''}):\n`);
  printRows([...counts.byFunction]);
}

function printRows(rows: Array<[string, number]>): void {
  rows.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  for (const [fn, n] of rows.slice(0, top)) process.stdout.write(`${Math.round(n).toString().padStart(8)}  ${fn}\n`);
}

async function count(name: ServerName): Promise<Counts> {
  const dir = mkdtempSync(join(tmpdir(), 'lookup-instructions-'));
  const out = join(dir, 'callgrind.out');
  const server = await startNamed(name, db.path, {
    nodeOptions: ['--perf-basic-prof', ...nodeFlags],
    wrapper: { command: ['valgrind', '--quiet', '--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${out}`], readyTimeoutMs: 600_000 },
    // The V8 log that --perf-basic-prof also writes lands in the working directory.
    cwd: dir,
  });
  try {
    const get = (pathsFile: string) =>
      runJsonChild<SequentialGetResult>(children('sequential-get'), { url: server.url, token: db.tokens.admin, pathsFile, maxSeconds: 3_600 }, 4_000_000);
    const warmed = await get(warmFile);
    control('--zero', server.pid);
    const measured = await get(measuredFile);
    control('--dump', server.pid);
    await dumpWritten(join(dir, 'callgrind.out.1-01'));
    if (warmed.non2xx + measured.non2xx > 0) throw new Error(`${name} answered ${warmed.non2xx + measured.non2xx} lookups with no 2xx`);
    // The dump names its files callgrind.out.1-NN, one per thread; 01 is the main thread.
    const dumps = readdirSync(dir).filter((file) => /^callgrind\.out\.1-\d+$/.test(file));
    const totals = dumps.map((file) => totalOf(join(dir, file)));
    const main = join(dir, 'callgrind.out.1-01');
    return {
      mainThread: totalOf(main) / measured.requests,
      allThreads: totals.reduce((a, b) => a + b, 0) / measured.requests,
      byFunction: byFunction(main, `/tmp/perf-${server.pid}.map`, measured.requests),
    };
  } finally {
    await server.stop();
    if (keep) process.stderr.write(`${name}: callgrind files kept in ${dir}, V8's map in /tmp/perf-${server.pid}.map\n`);
    else {
      rmSync(dir, { recursive: true, force: true });
      rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
    }
  }
}

/**
 * Tells the server's callgrind to zero or dump its counts. vgdb finds a valgrind by a file named
 * after the user and the `HOST` of valgrind's environment, and the server's has `HOST` set to the
 * address it listens on (startServerProcess): the same must be given here.
 */
function control(command: '--zero' | '--dump', pid: number): void {
  execFileSync('callgrind_control', [command, String(pid)], { stdio: 'ignore', env: { ...process.env, HOST: '127.0.0.1' } });
}

/** callgrind writes a dump when its process next runs: the main thread's file ends with its totals. */
async function dumpWritten(file: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
    if (existsSync(file) && totalOf(file) > 0) return;
  }
  throw new Error(`callgrind wrote no ${file} (${readdirSync(dirname(file)).join(', ')})`);
}

function totalOf(file: string): number {
  const summary = /^(?:summary|totals): (\d+)/m.exec(readFileSync(file, 'utf8'));
  return summary ? Number(summary[1]) : 0;
}

/** Counts by function (callgrind_annotate's, exclusive unless --inclusive), with JIT code named from V8's map of it. */
function byFunction(file: string, perfMap: string, lookups: number): Map<string, number> {
  const jit = existsSync(perfMap) ? jitSymbols(perfMap) : [];
  const annotated = execFileSync('callgrind_annotate', ['--threshold=100', `--inclusive=${inclusive ? 'yes' : 'no'}`, file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const counts = new Map<string, number>();
  for (const line of annotated.split('\n')) {
    const match = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.+)$/.exec(line);
    if (!match || match[2]!.includes('PROGRAM TOTALS')) continue;
    const address = /^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]$/.exec(match[2]!);
    const fn = address ? (symbolAt(jit, parseInt(address[1]!, 16)) ?? 'JIT code, unnamed') : shorten(match[2]!);
    counts.set(fn, (counts.get(fn) ?? 0) + Number(match[1]!.replace(/,/g, '')) / lookups);
  }
  // The frames every counted instruction ran under (main, the event loop) are charged all of it
  // when the counts were zeroed inside them: not costs of their own.
  const total = totalOf(file) / lookups;
  for (const [fn, n] of counts) if (n >= 0.99 * total) counts.delete(fn);
  return counts;
}

type JitSymbol = { start: number; end: number; name: string };

function jitSymbols(perfMap: string): JitSymbol[] {
  const symbols = readFileSync(perfMap, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      const from = parseInt(start!, 16);
      return { start: from, end: from + parseInt(size!, 16), name: shorten(name.join(' ')) };
    });
  return symbols.sort((a, b) => a.start - b.start);
}

function symbolAt(symbols: JitSymbol[], address: number): string | undefined {
  let low = 0;
  let high = symbols.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const symbol = symbols[mid]!;
    if (address < symbol.start) high = mid - 1;
    else if (address >= symbol.end) low = mid + 1;
    else return symbol.name;
  }
  return undefined;
}

/** Paths inside pnpm's store and this checkout, shortened to the package or file. */
function shorten(name: string): string {
  return name
    .replace(/^(JS|LazyCompile|Function):/, '')
    .replace(/file:\/\//g, '')
    .replace(/\/\S*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//g, '')
    .replace(/\/\S*\/apps\/server\//g, 'apps/server/')
    .replace(/\?\?\?:/, '')
    .replace(/ \[\/usr\/bin\/node\]$/, '');
}
