import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_SEED } from './dataset.js';
import { percentile } from './stats.js';
import { numberSearchPaths } from './workload.js';
import { toolArgs } from './tool-args.js';

/**
 * `node apps/server/bench/dist/search-cpu.js DB [BUILD ...] [--sessions N] [--passes N]`: the
 * CPU time of the bench's number searches in the store itself, with no HTTP and no other
 * process, so that two server builds can be compared on one file in the same minutes. Each BUILD
 * is a server's `dist` directory (default: this checkout's); each opens its own connection, and
 * the builds take turns search by search. The first pass starts on empty page caches; the figure
 * of a later pass is each search's median over those passes. Builds that answer a search with a
 * different total or page are named: a faster wrong answer is no answer.
 */

interface Store {
  listSessions(filter: object, scope: object): Promise<{ total: number; sessions: Array<{ callId: string }> }>;
  close(): Promise<void>;
}

const { positional: args, option } = toolArgs();
const sessions = option('--sessions', 1_000_000);
const passes = Math.max(2, option('--passes', 5));
const [db, ...given] = args;
if (!db) {
  process.stderr.write('usage: search-cpu DB [BUILD ...] [--sessions N] [--passes N]\n');
  process.exit(2);
}
const builds = given.length > 0 ? given : [resolve(import.meta.dirname, '../../dist')];

const texts = numberSearchPaths(DEFAULT_SEED, sessions, 400).map((path) => decodeURIComponent(path.slice(path.indexOf('=') + 1)));
const stores: Store[] = [];
for (const build of builds) {
  const { SqliteStore } = (await import(pathToFileURL(resolve(build, 'store/sqlite-store.js')).href)) as { SqliteStore: new (path: string) => Store };
  stores.push(new SqliteStore(db));
}

// cpu[build][search][pass], in ms; answers[build][search]: total and page, to compare.
const cpu = builds.map(() => texts.map(() => [] as number[]));
const answers = builds.map(() => [] as string[]);
for (let pass = 0; pass < passes; pass++) {
  for (const [search, text] of texts.entries()) {
    // Each build goes first on every other search: neither always finds the pages the other
    // brought into the OS page cache.
    const order = stores.map((_, i) => i);
    if ((pass + search) % 2 === 1) order.reverse();
    for (const i of order) {
      const before = process.cpuUsage();
      const page = await stores[i]!.listSessions({ number: text, offset: 0, limit: 100, homeCountryCode: '45' }, { all: true });
      const spent = process.cpuUsage(before);
      cpu[i]![search]!.push((spent.user + spent.system) / 1000);
      if (pass === 0) answers[i]![search] = `${page.total} ${page.sessions.map((s) => s.callId).join(' ')}`;
    }
  }
}
for (const store of stores) await store.close();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const figures = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (['p50', 'p95', 'p99', 'max'] as const).map((name, i) => `${name} ${percentile(sorted, [50, 95, 99, 100][i]!).toFixed(2)}`).join(', ');
};
builds.forEach((build, i) => {
  process.stdout.write(`${build}\n`);
  process.stdout.write(`  first pass, ms of CPU: ${figures(cpu[i]!.map((each) => each[0]!))}\n`);
  process.stdout.write(`  later passes, median per search: ${figures(cpu[i]!.map((each) => median(each.slice(1))))}\n`);
  const differing = texts.filter((_, search) => answers[i]![search] !== answers[0]![search]);
  if (i > 0) process.stdout.write(`  answers unlike the first build's: ${differing.length === 0 ? 'none' : differing.join(', ')}\n`);
});
