// `pnpm sbc` as a user types it at the repository: stdout carries the command's output and
// nothing else (no pnpm header, no turbo lines), so it pipes into jq; a failure is one line on
// stderr and its exit code, without pnpm's ELIFECYCLE. Built already by the test run.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { started, startTestServer, type TestServer } from '../support/server.js';

const repositoryDocs = fileURLToPath(new URL('../../../../docs', import.meta.url));
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.client(t.sbc).reportSession('pnpm-1@h', { started });
});
afterAll(() => t.server.close());

function pnpmSbc(args: string[], token: string) {
  const { INIT_CWD: _outerPnpm, ...inherited } = process.env;
  const env = { ...inherited, SBC_API_URL: t.server.url, SBC_API_TOKEN: token, SBC_REPO_COMMANDS_NO_BUILD: '1' };
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // Typed in a directory of the repository that is not a package.
    execFile('pnpm', ['sbc', ...args], { cwd: repositoryDocs, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

it('pnpm sbc list --json prints only the JSON', { timeout: 60_000 }, async () => {
  const { code, stdout, stderr } = await pnpmSbc(['list', '--json'], t.admin);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(stdout)).toMatchObject({ total: 1, sessions: [{ callId: 'pnpm-1@h' }] });
});

it('a failing pnpm sbc prints its one line and keeps its exit code', { timeout: 60_000 }, async () => {
  expect(await pnpmSbc(['get', 'pnpm-1@h'], 'sbc_unknown')).toEqual({ code: 4, stdout: '', stderr: 'sbc get: token rejected: invalid_token\n' });
});
