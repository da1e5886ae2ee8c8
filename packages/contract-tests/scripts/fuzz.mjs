// The long fuzz run: `pnpm fuzz [--runs N] [--seed S]` (defaults: 20000 runs, a seed from the clock).
// The same property as the bounded run in `pnpm test`, against a fresh server; the seed is
// printed first, so that a failure can be replayed with the same flags.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const usage = `Usage: pnpm fuzz [--runs <N>] [--seed <S>]

Sends N requests generated from the contract (default 20000) to a fresh server, with the seed S
(default: one from the clock). A failure prints its seed and the smallest failing request;
the same flags replay it.`;

let values;
try {
  ({ values } = parseArgs({ options: { runs: { type: 'string', default: '20000' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
} catch (error) {
  console.error(`pnpm fuzz: ${error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option ${/'(-[^' ,]+)/.exec(error.message)?.[1]}` : error.message}\n\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error(`pnpm fuzz: --runs must be a positive integer and --seed an integer\n\n${usage}`);
  process.exit(2);
}
console.log(`fuzz: ${runs} runs, seed ${seed} (replay: pnpm fuzz --runs ${runs} --seed ${seed})`);
const result = spawnSync('npx', ['vitest', 'run', 'test/fuzz'], {
  cwd: new URL('..', import.meta.url),
  stdio: 'inherit',
  env: { ...process.env, SBC_FUZZ_RUNS: String(runs), SBC_FUZZ_SEED: String(seed) },
});
process.exit(result.status ?? 1);
