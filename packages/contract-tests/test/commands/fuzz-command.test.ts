// `pnpm fuzz`'s own command line: help and usage mistakes answer before any run starts.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/fuzz.mjs', import.meta.url));
const fuzz = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [script, ...args], (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    ),
  );

it('--help prints the usage, exit 0', async () => {
  const { code, stdout, stderr } = await fuzz(['--help']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/^Usage: pnpm fuzz \[--runs <N>\] \[--seed <S>\]\n/);
});

it('an unknown option: one line and the usage, exit 2', async () => {
  const { code, stderr } = await fuzz(['--colour']);
  expect(code).toBe(2);
  expect(stderr).toMatch(/^pnpm fuzz: unknown option --colour\n\nUsage: /);
});
