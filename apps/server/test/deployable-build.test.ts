import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `pnpm deploy:build` as an operator runs it, into a directory outside the repository, so that
// nothing the deployed server loads can come from the checkout.
const root = join(import.meta.dirname, '../../..');
const units = join(root, 'deploy/systemd');
let target: string;
let serverDir: string;

beforeAll(() => {
  target = mkdtempSync(join(tmpdir(), 'sbc-deploy-'));
  // The server's part only: `pnpm test` may run this before the agent is built.
  execFileSync(process.execPath, [join(root, 'scripts/deploy-build.mjs'), target, 'server'], { cwd: root, stdio: 'pipe', timeout: 120_000 });
  serverDir = join(target, 'server');
}, 130_000);
afterAll(() => rmSync(target, { recursive: true, force: true }));

/** `Environment=` lines of a unit and the NAME=value lines of its example environment file. */
function unitEnvironment(unit: string, envFile: string): Record<string, string> {
  const env: Record<string, string> = {};
  const unitLines = readFileSync(join(units, unit), 'utf8').split('\n').filter((l) => l.startsWith('Environment='));
  const fileLines = readFileSync(join(units, envFile), 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l));
  for (const line of [...unitLines.map((l) => l.slice('Environment='.length)), ...fileLines]) {
    const at = line.indexOf('=');
    env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

/** The unit's `ExecStart=` with the install directory replaced by `installedAt`. */
function execStart(unit: string, installDir: string, installedAt: string): string[] {
  const line = readFileSync(join(units, unit), 'utf8').split('\n').find((l) => l.startsWith('ExecStart='))!;
  return line.slice('ExecStart='.length).split(' ').map((word) => word.replace(installDir, installedAt));
}

describe('pnpm deploy:build', () => {
  it('gives the server only its compiled code and production dependencies', () => {
    expect(existsSync(join(serverDir, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(serverDir, 'src'))).toBe(false);
    expect(existsSync(join(serverDir, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(serverDir, 'node_modules/@sbc/docs/dist/index.html'))).toBe(true);
    expect(existsSync(join(serverDir, 'node_modules/@sbc/console/dist/index.html'))).toBe(true);
    // The console's libraries are bundled into its build: none of them is installed beside the server.
    expect(existsSync(join(serverDir, 'node_modules/preact'))).toBe(false);
  });

  it('installs the versions the workspace runs with (the lockfile\'s)', () => {
    const { dependencies } = JSON.parse(readFileSync(join(root, 'apps/server/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const version = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
    for (const name of Object.keys(dependencies)) expect(`${name}@${version(serverDir, name)}`).toBe(`${name}@${version(join(root, 'apps/server'), name)}`);
  });

  it('starts the server from its directory with the unit environment, and it becomes ready', async () => {
    const state = join(target, 'state');
    const [command, ...args] = execStart('sbc-server.service', '/opt/sbc-server', serverDir);
    expect(command).toBe('node');
    const env = { PATH: process.env['PATH']!, ...unitEnvironment('sbc-server.service', 'sbc-server.env'), PORT: '0', SBC_DB: join(state, 'sessions.db') };
    const child = spawn(process.execPath, args, { cwd: target, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    for (let i = 0; i < 400 && !/"msg":"listening"/.test(stdout) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
    const url = /"url":"([^"]+)"/.exec(stdout)?.[1];
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect((await fetch(`${url}/docs`)).status).toBe(200);
      expect((await fetch(`${url}/console`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    }
  }, 60_000);

  it('carries sbc-admin', () => {
    const version = JSON.parse(readFileSync(join(root, 'apps/server/package.json'), 'utf8')).version;
    expect(execFileSync(join(serverDir, 'bin/sbc-admin.js'), ['--version'], { encoding: 'utf8' }).trim()).toBe(`sbc-admin ${version}`);
  });
});

// systemd-analyze is part of systemd; where it is not installed there is nothing to check with.
const systemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
describe.runIf(systemdAnalyze)('deploy/systemd', () => {
  it('holds unit files that systemd-analyze verify accepts without a warning', () => {
    const run = spawnSync('systemd-analyze', ['verify', join(units, 'sbc-server.service'), join(units, 'sbc-agent.service')], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
