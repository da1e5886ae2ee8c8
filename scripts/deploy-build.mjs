#!/usr/bin/env node
// `pnpm deploy:build [dir [part...]]` (after its build step): the server and the agent (or the parts
// named: server, sbc-agent) as two self-contained
// directories, each with its compiled code and its production dependencies only (no workspace
// links: the workspace packages they use are copied in), plus the systemd units:
//   <dir>/server      install as /opt/sbc-server
//   <dir>/sbc-agent   install as /opt/sbc-agent
//   <dir>/systemd     deploy/systemd/
// `--legacy`: pnpm 10's default deploy needs `inject-workspace-packages=true`, which would make
// every development install copy the workspace packages instead of linking them.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// A relative directory is read from where `pnpm` was typed, like every path given to a command here.
const target = resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2] ?? join(root, 'dist/deploy'));

const deployTimeoutMs = 150_000;
const parts = [
  { name: 'server', pkg: '@sbc/server', from: 'apps/server' },
  { name: 'sbc-agent', pkg: '@sbc/sbc-agent', from: 'apps/sbc-agent' },
];
const named = process.argv.slice(3);
const unknown = named.filter((name) => !parts.some((part) => part.name === name));
if (unknown.length > 0) fail(`Unknown part ${JSON.stringify(unknown[0])}: name server, sbc-agent or none (both)`);

mkdirSync(target, { recursive: true });
for (const { name, pkg, from } of parts.filter((part) => named.length === 0 || named.includes(part.name))) {
  // pnpm copies whatever is there: without a build the directory would lack the code itself.
  if (!existsSync(join(root, from, 'dist/main.js'))) fail(`${from} is not built: run pnpm deploy:build, which builds first`);
  deploy(pkg, join(target, name));
}
rmSync(join(target, 'systemd'), { recursive: true, force: true });
cpSync(join(root, 'deploy/systemd'), join(target, 'systemd'), { recursive: true });
process.stdout.write(`${target}\n`);

/**
 * pnpm deploy takes seconds; once, on a loaded machine, it sat idle for good with nothing left to
 * wait for (pnpm 10.34, Node 24). So a stuck attempt is stopped, and tried once more.
 */
function deploy(pkg, dir) {
  for (let attempt = 1; ; attempt++) {
    rmSync(dir, { recursive: true, force: true });
    try {
      execFileSync('pnpm', ['--silent', '--filter', pkg, '--prod', 'deploy', '--legacy', dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: deployTimeoutMs });
      return;
    } catch (error) {
      if (error.code !== 'ETIMEDOUT') throw error;
      if (attempt === 2) fail(`pnpm deploy of ${pkg} did not finish in ${deployTimeoutMs / 1000} s, twice`);
      process.stderr.write(`pnpm deploy of ${pkg} did not finish in ${deployTimeoutMs / 1000} s: trying once more\n`);
    }
  }
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
