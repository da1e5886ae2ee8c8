// The server's node flags (src/node-flags.ts) go on the command line, so each way of starting it
// spells them out: they must be the same everywhere.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { nodeFlags } from '../src/node-flags.js';

const repository = fileURLToPath(new URL('../../..', import.meta.url));
const read = (path: string) => readFileSync(repository + path, 'utf8');

it('the systemd unit starts the server with its node flags', () => {
  const execStart = read('deploy/systemd/sbc-server.service').split('\n').find((line) => line.startsWith('ExecStart='))!;
  expect(execStart).toBe(`ExecStart=${['node', ...nodeFlags, '/opt/sbc-server/dist/main.js'].join(' ')}`);
});

it("the server package's start script starts it with its node flags", () => {
  const { scripts } = JSON.parse(read('apps/server/package.json')) as { scripts: Record<string, string> };
  expect(scripts['start']).toBe(['node', ...nodeFlags, 'dist/main.js'].join(' '));
});
