// How `pnpm start`, `pnpm sbc` and `pnpm admin` run a command line of this repository:
// - build what it needs without a word (turbo's output is shown only when the build fails),
//   so stdout and stderr carry the command's own output and nothing else;
// - run it in the directory where the user typed the command, so relative paths mean what
//   the user meant, with the repository's database as the default SBC_DB from anywhere;
// - pass signals on and leave with the command's exit code.
//
// `pnpm sbc` and `pnpm admin` are not scripts of the root package.json: pnpm prints a
// `> script` header on stdout and an ELIFECYCLE line on failure around every script. A name that
// is not a script makes pnpm run the bin of that name (this package's, linked into the root's
// node_modules/.bin) like `pnpm exec`, in the directory where it was typed, with nothing added.
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Builds `filter` and the packages it depends on; on failure prints turbo's output and exits with its code. */
export function buildQuietly(filter) {
  // The test suites build first and then run these commands while other suites read dist/.
  if (process.env['SBC_REPO_COMMANDS_NO_BUILD'] === '1') return;
  const turbo = join(root, 'node_modules', '.bin', 'turbo');
  const build = spawnSync(turbo, ['run', 'build', `--filter=${filter}...`, '--output-logs=errors-only'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (build.status === 0) return;
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}${build.error ? `${build.error.message}\n` : ''}`);
  process.exit(build.status ?? 1);
}

/**
 * Runs `node ...nodeFlags script ...args` in `typedDir` and ends this process as it ends. The command runs
 * in its own process group: a signal reaches it only through here, once. Ctrl-C reaches this
 * process twice (from the terminal and from pnpm), so a signal within a second of the one
 * passed on is the same one; a later one is passed on too (the server exits at once on a second).
 */
export function runCommand(script, args, typedDir, nodeFlags = []) {
  const env = { ...process.env, INIT_CWD: typedDir };
  if (env['SBC_DB'] === undefined) env['SBC_DB'] = join(root, 'data', 'sessions.db');
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], { cwd: typedDir, env, stdio: 'inherit', detached: true });
  let passedOnAt = 0;
  const passOn = (signal) => {
    if (Date.now() - passedOnAt < 1000) return;
    passedOnAt = Date.now();
    child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, passOn);
  child.on('error', (error) => {
    process.stderr.write(`cannot start ${script}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    // Killed by a signal: the shell's convention, 128 + the signal's number.
    process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
  });
}
