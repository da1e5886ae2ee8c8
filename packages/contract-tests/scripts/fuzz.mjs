// The long fuzz run: `pnpm fuzz [--runs N] [--seed S]` (defaults: 20000 runs, a seed from the clock).
// The same property as the bounded run in `pnpm test`, against a fresh server; the seed is
// printed first, so that a failure can be replayed with the same flags.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20000' }, seed: { type: 'string' } } });
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error('usage: pnpm fuzz [--runs <positive integer>] [--seed <integer>]');
  process.exit(2);
}
console.log(`fuzz: ${runs} runs, seed ${seed} (replay: pnpm fuzz --runs ${runs} --seed ${seed})`);
const result = spawnSync('npx', ['vitest', 'run', 'test/fuzz'], {
  cwd: new URL('..', import.meta.url),
  stdio: 'inherit',
  env: { ...process.env, SBC_FUZZ_RUNS: String(runs), SBC_FUZZ_SEED: String(seed) },
});
process.exit(result.status ?? 1);
