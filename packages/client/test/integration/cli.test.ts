// The `sbc` command line against the real server: output, one-line errors and exit codes.
// Most cases call main() in-process; a few spawn the built executable like an operator would.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/cli-io.js';
import { started, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  t = await startTestServer();
  env = { SBC_API_URL: t.server.url, SBC_API_TOKEN: t.admin };
  await t.client(t.sbc).reportBatch([
    { callId: 'cli-1@h', started, answered: '2026-01-01T12:00:05.000Z', aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O' },
    { callId: 'cli 2/odd%@h', started, aNumber: '+4570000000', bNumber: '+4912345678', direction: 'I' },
  ]);
});
afterAll(() => t.server.close());

async function sbc(args: string[], options: { env?: Record<string, string | undefined>; columns?: number } = {}) {
  const io = captureIo(options.env ?? env, options.columns === undefined ? {} : { columns: options.columns });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('sbc get', () => {
  it('prints every property of the session, one per line', async () => {
    const { code, out } = await sbc(['get', 'cli-1@h']);
    expect(code).toBe(0);
    expect(out).toMatch(/^callId\s+cli-1@h$/m);
    expect(out).toMatch(/^bNumber\s+\+4580808080$/m);
    expect(out).toMatch(/^\(state\)\s+answered$/m);
  });

  it('--json prints the Session', async () => {
    const { out } = await sbc(['get', 'cli 2/odd%@h', '--json']);
    expect(JSON.parse(out)).toMatchObject({ callId: 'cli 2/odd%@h', direction: 'I' });
  });

  it('an unknown Call-ID: "session not found", exit 3', async () => {
    expect(await sbc(['get', 'ghost@h'])).toEqual({ code: 3, out: '', err: 'sbc get: session not found: ghost@h\n' });
  });

  it('a Call-ID no URL can carry: exit 2, nothing sent', async () => {
    expect(await sbc(['get', '..'])).toMatchObject({ code: 2, err: 'sbc get: Call-ID ".." cannot be addressed in a URL path\n' });
  });

  it('no Call-ID: usage, exit 2', async () => {
    expect(await sbc(['get'])).toMatchObject({ code: 2, err: 'sbc get: usage: sbc get <callId>\n' });
  });
});

describe('sbc list', () => {
  it('prints a table of the matching sessions and a count', async () => {
    const { code, out } = await sbc(['list', '--number', '+4580808080'], { env: { ...env, TZ: 'UTC' } });
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CALL-ID\s+STARTED\s+A-NUMBER\s+B-NUMBER\s+DIR\s+STATE\s+RING\s+TALK\s+CUSTOMER$/);
    expect(lines[1]).toMatch(/^cli-1@h\s+2026-01-01 12:00:00\s+\+4581808888\s+\+4580808080\s+O\s+answered\s+0:00:05\s+\d+:\d\d:\d\d$/);
    expect(lines[2]).toBe('1-1 of 1; times in UTC');
  });

  it('an empty result says that nothing matches', async () => {
    expect(await sbc(['list', '--number', '+999999'])).toEqual({ code: 0, out: 'no matching sessions\n', err: '' });
  });

  it('sizes the table to the terminal', async () => {
    const { out } = await sbc(['list'], { columns: 70 });
    for (const line of out.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(70);
  });

  it('--json prints the SessionList, filters applied', async () => {
    const { out } = await sbc(['list', '--direction', 'I', '--json']);
    const list = JSON.parse(out);
    expect(list.sessions.map((s: { callId: string }) => s.callId)).toEqual(['cli 2/odd%@h']);
  });

  it('--all --json prints every session as an array', async () => {
    const { out } = await sbc(['list', '--all', '--limit', '1', '--json']);
    expect(JSON.parse(out).map((s: { callId: string }) => s.callId).sort()).toEqual(['cli 2/odd%@h', 'cli-1@h']);
  });

  it('--direction other than I or O: exit 2 before asking the server', async () => {
    expect(await sbc(['list', '--direction', 'X'])).toMatchObject({ code: 2, err: 'sbc list: --direction must be I or O\n' });
  });

  it('a limit the server refuses: "bad request" with its reason, exit 2', async () => {
    const { code, err } = await sbc(['list', '--limit', '5000']);
    expect(code).toBe(2);
    expect(err).toMatch(/^sbc list: bad request: .*limit/);
  });

  it('an unknown option: named plainly, exit 2', async () => {
    expect(await sbc(['list', '--colour'])).toEqual({ code: 2, out: '', err: 'sbc list: unknown option --colour (see sbc list --help)\n' });
  });
});

describe('sbc end', () => {
  it('ends a call, exit 0', async () => {
    expect(await sbc(['end', 'cli 2/odd%@h'])).toEqual({ code: 0, out: 'end of call requested: cli 2/odd%@h (SBC 2.1.1.3 is told to hang up)\n', err: '' });
  });

  it('a second end says the end was already requested and is not yet confirmed, exit 0', async () => {
    await t.client(t.sbc).reportSession('twice@h', { started });
    await sbc(['end', 'twice@h']);
    const { code, out } = await sbc(['end', 'twice@h']);
    expect(code).toBe(0);
    expect(out).toMatch(/^end of call already requested at \S+Z, not yet confirmed by SBC 2\.1\.1\.3: twice@h\n$/);
  });

  it('get and list show that the end was requested', async () => {
    await t.client(t.sbc).reportSession('shown@h', { started, bNumber: '+4911111111' });
    await sbc(['end', 'shown@h']);
    const details = (await sbc(['get', 'shown@h'])).out;
    expect(details).toMatch(/^\(state\)\s+ringing, end requested$/m);
    expect(details).toMatch(/^terminationRequested\s+\S+Z$/m);
    expect((await sbc(['list', '--number', '+4911111111'])).out).toContain('ringing, end requested');
  });

  it('an ended call: "call already ended", when and how, exit 0', async () => {
    await t.client(t.sbc).reportSession('ended-cli@h', { started, ended: '2026-01-01T12:03:00.000Z', endedReason: 'BYE', endedBy: 'B' });
    expect(await sbc(['end', 'ended-cli@h'])).toEqual({ code: 0, out: 'call already ended at 2026-01-01T12:03:00.000Z (BYE, by the callee): ended-cli@h\n', err: '' });
  });

  it('--json prints the answer with its outcome', async () => {
    expect(JSON.parse((await sbc(['end', 'ended-cli@h', '--json'])).out)).toMatchObject({ success: true, outcome: 'alreadyEnded', session: { callId: 'ended-cli@h' } });
  });

  it('an unknown Call-ID: exit 3', async () => {
    expect(await sbc(['end', 'ghost@h'])).toMatchObject({ code: 3, err: 'sbc end: session not found: ghost@h\n' });
  });
});

describe('sbc watch', () => {
  it('--json prints one Event per line until stopped', async () => {
    const controller = new AbortController();
    let out = '';
    const io = captureIo(env, { signal: controller.signal });
    io.stdout.write = (text: string) => {
      out += text;
      if (out.includes('watch-1@h')) controller.abort();
    };
    const running = main(['watch', '--json', '--types', 'started', '--last-event-id', '0'], io);
    await t.client(t.sbc).reportSession('watch-1@h', { started });
    expect(await running).toBe(0);
    const events = out.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(events.every((e: { type: string }) => e.type === 'started')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'started', callId: 'watch-1@h' });
  });
});

describe('usage', () => {
  it('no command: the overview on stderr, exit 2', async () => {
    const { code, out, err } = await sbc([]);
    expect([code, out]).toEqual([2, '']);
    expect(err).toContain('Usage:');
  });

  it('an unknown command: exit 2', async () => {
    expect(await sbc(['show', 'x'])).toEqual({ code: 2, out: '', err: 'sbc: unknown command: show (see sbc --help)\n' });
  });
});

describe('tokens and connection', () => {
  it('no token: exit 4', async () => {
    expect(await sbc(['list'], { env: { SBC_API_URL: t.server.url } })).toMatchObject({ code: 4, err: 'sbc list: no token: set SBC_API_TOKEN or pass --token\n' });
  });

  it('an expired token: "token rejected: expired", exit 4', async () => {
    const { token } = await t.server.store.createToken({ level: 'ADMIN', expiresAt: new Date(Date.now() - 1000) });
    expect(await sbc(['get', 'cli-1@h', '--token', token])).toMatchObject({ code: 4, err: 'sbc get: token rejected: expired\n' });
  });

  it('a token below the operation level: "access denied", exit 4', async () => {
    const { token } = await t.server.store.createToken({ level: 'VIEWER' });
    const { code, err } = await sbc(['list', '--token', token]);
    expect(code).toBe(4);
    expect(err).toMatch(/^sbc list: access denied: /);
  });

  it('a URL without http:// suggests it: exit 2', async () => {
    expect(await sbc(['list', '--url', 'localhost:18180'])).toMatchObject({
      code: 2,
      err: 'sbc list: the API URL localhost:18180 is not an http:// or https:// URL (did you mean http://localhost:18180?)\n',
    });
  });

  it('a URL with a path the API does not have says the URL looks wrong: exit 2, not "session not found"', async () => {
    const { code, err } = await sbc(['get', 'cli-1@h', '--url', `${t.server.url}/wrongpath`]);
    expect(code).toBe(2);
    expect(err).toMatch(/^sbc get: \S+\/wrongpath has no such API path \(404 not_found\): the URL looks wrong/);
  });

  it('a proxy answering 200 with HTML: one line, exit 5', async () => {
    const html = async () => new Response('<html><body>Please log in</body></html>', { status: 200, headers: { 'content-type': 'text/html' } });
    const io = captureIo(env, { fetch: html });
    expect(await main(['list'], io)).toBe(5);
    expect(io.err()).toMatch(/^sbc list: the answer from \S+ is not the API's JSON \(.*\): is --url the API\?\n$/);
  });

  it('--url overrides SBC_API_URL; nothing listening: exit 5', async () => {
    const { code, err } = await sbc(['list', '--url', 'http://127.0.0.1:9', '--timeout', '2000']);
    expect(code).toBe(5);
    expect(err).toMatch(/^sbc list: cannot reach http:\/\/127\.0\.0\.1:9: /);
  });
});

describe('the built executable', () => {
  const cli = fileURLToPath(new URL('../../bin/sbc.js', import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });

  it('sbc --version prints the package version, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `sbc ${version}\n`, stderr: '' });
  });

  it('sbc --help lists the commands, exit 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of ['get', 'list', 'end', 'watch']) expect(stdout).toContain(`sbc ${command}`);
  });

  it.each(['get', 'list', 'end', 'watch'])('sbc %s --help explains the command, exit 0', async (command) => {
    const { code, stdout } = await run([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: sbc ${command}`));
  });

  it('reads SBC_API_URL and SBC_API_TOKEN and exits 3 for an unknown session', async () => {
    expect(await run(['get', 'ghost@h'])).toEqual({ code: 3, stdout: '', stderr: 'sbc get: session not found: ghost@h\n' });
  });

  it('sbc watch --json prints NDJSON and exits 0 on Ctrl-C', async () => {
    const child = spawn(process.execPath, [cli, 'watch', '--json', '--last-event-id', '0'], { env: { ...process.env, ...env } });
    let stdout = '';
    const firstLine = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await firstLine;
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ id: expect.any(Number), type: 'started' });
  });

  it('sbc list --json prints JSON, exit 0', async () => {
    const { code, stdout } = await run(['list', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).total).toBeGreaterThanOrEqual(2);
  });
});
