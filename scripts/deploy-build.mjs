#!/usr/bin/env node
// `pnpm deploy:build [dir [part...]]` (after its build step): the server and the agent (or only the
// parts named: server, sbc-agent) as self-contained directories, each with its compiled code and
// its production dependencies only (the workspace packages they use copied in, not linked), plus
// the systemd units:
//   <dir>/server      install as /opt/sbc-server
//   <dir>/sbc-agent   install as /opt/sbc-agent
//   <dir>/systemd     deploy/systemd/
// The versions are the lockfile's, taken from the pnpm store without asking the registry
// (`--offline`): the same checkout gives the same tree. pnpm 10 deploys from the lockfile only with
// `inject-workspace-packages`, set here for this command alone, so that development installs keep
// linking the workspace packages (`--legacy` would resolve every version anew from the registry).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// A relative directory is read from where `pnpm` was typed, like every path given to a command here.
const target = resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2] ?? join(root, 'dist/deploy'));

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

function deploy(pkg, dir) {
  rmSync(dir, { recursive: true, force: true });
  const args = ['--silent', '--offline', '--config.inject-workspace-packages=true', '--filter', pkg, '--prod', 'deploy', dir];
  execFileSync('pnpm', args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
