// The sbc-admin bin of @sbc/server (what `pnpm admin` runs, and what a deployed server has):
// --version and --help answer without touching a database.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

const bin = fileURLToPath(new URL('../bin/sbc-admin.js', import.meta.url));
// A database path that cannot be opened: answering must not need one.
const env = { ...process.env, SBC_DB: '/nonexistent/dir/sessions.db' };
const sbcAdmin = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [bin, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    ),
  );

it('is the bin of the server package', () => {
  expect(packageJson.bin).toEqual({ 'sbc-admin': './bin/sbc-admin.js' });
});

it('--version prints the version, exit 0', async () => {
  expect(await sbcAdmin(['--version'])).toEqual({ code: 0, stdout: `sbc-admin ${packageJson.version}\n`, stderr: '' });
});

it('--help lists the commands under its own name, exit 0', async () => {
  const { code, stdout } = await sbcAdmin(['--help']);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^Usage: sbc-admin <command>/);
  expect(stdout).toContain('customer delete <id>');
});

it('no command: the usage on stderr, exit 2', async () => {
  const { code, stdout, stderr } = await sbcAdmin([]);
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr).toMatch(/^sbc-admin: no command given\n\nUsage: sbc-admin <command>/);
});
