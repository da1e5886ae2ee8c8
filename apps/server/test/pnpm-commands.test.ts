// `pnpm admin` and `pnpm start` as a user types them at the repository (built already by the
// test run): stdout is the command's own output, relative paths mean the directory where the
// command was typed, and a signal to `pnpm start` stops the server it started.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';

const repository = fileURLToPath(new URL('../../..', import.meta.url));
// Each test starts pnpm and Node processes: generous, since the machine is shared.
vi.setConfig({ testTimeout: 60_000 });
let typedIn: string;
beforeAll(() => {
  // A directory inside the repository (data/ is git-ignored), as a user's own would be.
  mkdirSync(join(repository, 'data'), { recursive: true });
  typedIn = mkdtempSync(join(repository, 'data', 'pnpm-commands-'));
});
afterAll(() => rmSync(typedIn, { recursive: true, force: true }));

function environment(extra: Record<string, string>) {
  const { INIT_CWD: _outerPnpm, ...inherited } = process.env;
  return { ...inherited, SBC_REPO_COMMANDS_NO_BUILD: '1', ...extra };
}

function pnpm(args: string[], extra: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile('pnpm', args, { cwd: typedIn, env: environment(extra), timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

it('pnpm admin reads a relative file and a relative SBC_DB from where it was typed; stdout is its output alone', async () => {
  writeFileSync(join(typedIn, 'my-customers.json'), JSON.stringify([{ id: 'AAAAAAAAAAAAAAAAAAAAAAAA', name: 'Mine' }]));
  const result = await pnpm(['admin', 'customer', 'import', 'my-customers.json'], { SBC_DB: 'mine.db' });
  expect(result).toEqual({ code: 0, stdout: 'Imported 1 customers: 1 created, 0 replaced.\n', stderr: '' });
  expect(existsSync(join(typedIn, 'mine.db'))).toBe(true);
});

it('pnpm admin with no command: the usage on stderr, exit 2, no pnpm lines', async () => {
  const { code, stdout, stderr } = await pnpm(['admin'], { SBC_DB: 'mine.db' });
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr).toMatch(/^pnpm admin: no command given\n\nUsage: pnpm admin <command>/);
  expect(stderr).not.toMatch(/ELIFECYCLE|ERR_PNPM/);
});

it('SIGTERM to pnpm start stops the server cleanly: exit 0, nothing left listening', async () => {
  const child = spawn('pnpm', ['start'], { cwd: typedIn, env: environment({ PORT: '0', SBC_DB: 'start.db', LOG_LEVEL: 'info' }) });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (let i = 0; i < 600 && !/"msg":"listening"/.test(output) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
  const url = /"url":"([^"]+)"/.exec(output)?.[1];
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  expect(output).toContain('"msg":"stopped"');
  expect(output).not.toMatch(/ELIFECYCLE|ERR_PNPM/);
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
});
