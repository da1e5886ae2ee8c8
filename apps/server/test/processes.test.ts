import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../src/store/open-store.js';

// The command lines run as they ship: compiled, in their own process.
const packageDir = join(import.meta.dirname, '..');
const outDir = join(packageDir, '.test-dist');
let dir: string;
// Each test starts Node processes: generous, since the machine is shared.
vi.setConfig({ testTimeout: 30_000 });

beforeAll(() => {
  execFileSync(join(packageDir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: packageDir });
  dir = mkdtempSync(join(tmpdir(), 'sbc-proc-'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  url: string;
}

async function startMain(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [join(outDir, 'main.js')], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; i < 200 && !/"msg":"listening"/.test(stdout) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
  const url = /"url":"([^"]+)"/.exec(stdout)?.[1] ?? '';
  return { child, stdout: () => stdout, stderr: () => stderr, url };
}

function admin(args: string[], db: string) {
  try {
    return { code: 0, stdout: execFileSync(process.execPath, [join(outDir, 'admin.js'), ...args], { env: { ...process.env, SBC_DB: db }, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('pnpm start (dist/main.js)', () => {
  it('on an empty database prints one ADMIN token with a curl example, and that token works', async () => {
    const db = join(dir, 'first.db');
    const server = await startMain({ SBC_DB: db });
    const token = /Bearer (sbc_[A-Za-z0-9_-]+)/.exec(server.stdout())?.[1];
    expect(server.stdout()).toContain(`curl -H 'Authorization: Bearer ${token}' '${server.url}/sbc/session?live=true'`);
    const res = await fetch(`${server.url}/sbc/session?live=true`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');

    const again = await startMain({ SBC_DB: db });
    expect(again.stdout()).not.toContain('A first ADMIN token');
    again.child.kill('SIGTERM');
    await once(again.child, 'exit');
  });

  it('serves the seed example after admin demo', async () => {
    const db = join(dir, 'demo.db');
    expect(admin(['demo', '--sessions', '50'], db).code).toBe(0);
    const token = admin(['token', 'create', '--level', 'ADMIN'], db).stdout.trim().split('\n').at(-1);
    const server = await startMain({ SBC_DB: db });
    const res = await fetch(`${server.url}/sbc/session/123465743567845918237459354653@8.7.6.7`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
  });

  it('keeps an acknowledged report when the process is killed right after the answer', async () => {
    const db = join(dir, 'crash.db');
    const server = await startMain({ SBC_DB: db });
    const token = /Bearer (sbc_[A-Za-z0-9_-]+)/.exec(server.stdout())?.[1];
    const res = await fetch(`${server.url}/sbc/session/crash%40x`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sbcServer: '10.0.0.1', started: '2025-01-01T00:00:00.000Z' }),
    });
    expect(res.status).toBe(201);
    server.child.kill('SIGKILL');
    await once(server.child, 'exit');
    const store = await openStore(db);
    expect(await store.getSession('crash@x', { all: true })).toMatchObject({ started: '2025-01-01T00:00:00.000Z' });
    await store.close();
  });

  it('stops cleanly on SIGTERM with exit code 0', async () => {
    const server = await startMain({ SBC_DB: join(dir, 'term.db') });
    server.child.kill('SIGTERM');
    const [code] = await once(server.child, 'exit');
    expect(code).toBe(0);
    expect(server.stdout()).toContain('"msg":"stopped"');
  });

  it('exits at once on a second signal while a request is still open', async () => {
    const server = await startMain({ SBC_DB: join(dir, 'twice.db'), SHUTDOWN_TIMEOUT_SECONDS: '600' });
    const { port } = new URL(server.url);
    // A request whose body never finishes keeps the first shutdown waiting.
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('PATCH /sbc/session/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect(server.child.exitCode).toBeNull();
    server.child.kill('SIGINT');
    const [code] = await once(server.child, 'exit');
    expect(code).toBe(130);
    socket.destroy();
  });

  it('refuses a bad configuration with a clear message and exit code 78', async () => {
    const server = await startMain({ SBC_DB: join(dir, 'bad.db'), PORT: 'eighty', RETENTION_HOURS: '0' });
    const [code] = server.child.exitCode === null ? await once(server.child, 'exit') : [server.child.exitCode];
    expect(code).toBe(78);
    expect(server.stderr()).toContain('PORT="eighty" is not valid: expected an integer from 0 to 65535');
    expect(server.stderr()).toContain('RETENTION_HOURS="0" is not valid');
  });
});

describe('the log (dist/logger.js)', () => {
  it('writes every line to stdout, in order, before an exit through logger.flush', () => {
    const script = `
      const { createLogger } = await import(${JSON.stringify(pathToFileURL(join(outDir, 'logger.js')).href)});
      const logger = createLogger('info');
      for (let i = 0; i < 2000; i++) logger.info({ i }, 'line');
      logger.flush(() => process.exit(0));`;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const lines = stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { i: number }).i);
    expect(lines).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });
});

describe('pnpm admin (dist/admin.js)', () => {
  it('token create prints the token alone on the last line', () => {
    const { code, stdout } = admin(['token', 'create', '--level', 'ADMIN'], join(dir, 'cli.db'));
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^sbc_[A-Za-z0-9_-]+$/);
  });

  it('a usage mistake exits 2 with the usage on stderr', () => {
    const { code, stderr } = admin(['token', 'create'], join(dir, 'cli.db'));
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: pnpm admin');
  });
});

/** Runs dist/main.js to its exit: for starts that must not get as far as listening. */
function runMain(args: string[], env: Record<string, string> = {}) {
  try {
    const stdout = execFileSync(process.execPath, [join(outDir, 'main.js'), ...args], { env: { ...process.env, PORT: '0', ...env }, encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('dist/main.js arguments', () => {
  it('--help prints the usage with every variable and the exit codes, and exits 0 without starting', () => {
    const db = join(dir, 'help.db');
    const { code, stdout } = runMain(['--help'], { SBC_DB: db });
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: node dist/main.js');
    expect(stdout).toMatch(/SHUTDOWN_TIMEOUT_SECONDS +an integer number of seconds from 1 to 600 \[10\]/);
    expect(stdout).toContain('78 cannot start as configured');
    expect(existsSync(db)).toBe(false);
  });

  it('--version prints the version alone and exits 0 without starting', () => {
    const db = join(dir, 'version.db');
    const { code, stdout } = runMain(['--version'], { SBC_DB: db });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(existsSync(db)).toBe(false);
  });

  it('refuses any other argument with one line and exit 2', () => {
    const { code, stderr } = runMain(['--port', '9000'], { SBC_DB: join(dir, 'arg.db') });
    expect(code).toBe(2);
    expect(stderr).toBe('Unknown argument "--port": the server takes its settings from the environment (see --help)\n');
  });
});

describe('starts refused with one line and exit 78', () => {
  it('refuses PORT set to an empty value', () => {
    const { code, stderr } = runMain([], { PORT: '', SBC_DB: join(dir, 'empty-port.db') });
    expect(code).toBe(78);
    expect(stderr).toContain('PORT="" is not valid: expected an integer from 0 to 65535');
  });

  it('refuses a port in use with one line and no stack trace', async () => {
    const first = await startMain({ SBC_DB: join(dir, 'busy-1.db') });
    const { port } = new URL(first.url);
    const { code, stderr } = runMain([], { PORT: port, SBC_DB: join(dir, 'busy-2.db') });
    first.child.kill('SIGTERM');
    await once(first.child, 'exit');
    expect(code).toBe(78);
    expect(stderr).toBe(`Cannot listen on 127.0.0.1:${port}: the port is in use by another process; stop it, or set PORT to a free port\n`);
  });

  it('refuses a second server on the same database, and starts once the first was killed with SIGKILL', async () => {
    const db = join(dir, 'single.db');
    const first = await startMain({ SBC_DB: db });
    const second = runMain([], { SBC_DB: db });
    expect(second.code).toBe(78);
    expect(second.stderr).toBe(`Another server is running on SBC_DB=${db} (it holds ${db}.lock); stop it, or give this server another SBC_DB\n`);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const third = await startMain({ SBC_DB: db });
    expect(third.url).not.toBe('');
    third.child.kill('SIGTERM');
    await once(third.child, 'exit');
  });
});
