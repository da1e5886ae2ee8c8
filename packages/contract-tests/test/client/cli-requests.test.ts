import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadContract } from '@sbc/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpecServer, type SpecServer } from '../../src/client/spec-server.js';

const contract = loadContract();
const cli = fileURLToPath(new URL('../../node_modules/@sbc/client/dist/cli.js', import.meta.url));
let spec: SpecServer;
beforeAll(async () => {
  spec = await startSpecServer(contract);
});
afterAll(() => spec?.close());

/** Runs `sbc` against the spec server until it exits (or, for a command that never does, until it printed something). */
function sbc(args: string[], { stopAfterOutput = false } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args, '--url', spec.url, '--token', 'a-token'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill(), 10_000);
    if (stopAfterOutput) child.stdout.once('data', () => child.kill('SIGINT'));
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** What the contract said of each request `sbc` sent, as `operationId` or the reason it refused it. */
function verdicts(): string[] {
  return spec.take().map(({ verdict }) => (verdict.kind === 'valid' ? verdict.operation.operationId : `refused: ${verdict.reason}`));
}

describe('the sbc command line sends only requests the contract accepts', () => {
  it('get and end address a Call-ID with every character that needs encoding', async () => {
    await sbc(['get', 'a b/c?d#e%f@10.0.0.1']);
    await sbc(['end', '[x]{y}<z>:;"~+@host']);
    expect(verdicts()).toEqual(['getSession', 'endCall']);
  });

  it('list turns every filter flag into the documented query', async () => {
    await sbc(['list', '--number', '+4570', '--customer', '1234567890abcdef12345678', '--live', '--direction', 'O', '--international', '--full', '--limit', '5', '--offset', '2', '--json']);
    expect(verdicts()).toEqual(['listSessions']);
  });

  it('stats and whoami send their documented queries', async () => {
    await sbc(['stats', '--window', '15', '--top', '3', '--json']);
    await sbc(['whoami', '--json']);
    expect(verdicts()).toEqual(['getTrafficStats', 'whoAmI']);
  });

  it('watch asks for the event stream with its filters and Last-Event-ID', async () => {
    await sbc(['watch', '--types', 'started,ended', '--customer', '1234567890abcdef12345678', '--number', '45', '--last-event-id', '7', '--json'], { stopAfterOutput: true });
    const seen = verdicts();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((v) => v === 'streamEvents'), seen.join('\n')).toBe(true);
  });
});
