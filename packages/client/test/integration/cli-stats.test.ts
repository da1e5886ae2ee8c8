// `sbc stats` and `sbc whoami` against the real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/cli-io.js';
import { sbcServer, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  t = await startTestServer();
  env = { SBC_API_URL: t.server.url, SBC_API_TOKEN: t.admin, TZ: 'UTC' };
  const started = new Date(Date.now() - 30_000).toISOString();
  await t.client(t.sbc).reportBatch([
    { callId: 'stats-1@h', started, answered: new Date(Date.now() - 20_000).toISOString(), direction: 'O', destinationPeer: 'TDC' },
    { callId: 'stats-2@h', started, direction: 'I', sourcePeer: 'Telenor' },
  ]);
});
afterAll(() => t.server.close());

async function sbc(args: string[], token = t.admin) {
  const io = captureIo({ ...env, SBC_API_TOKEN: token });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('sbc stats', () => {
  it('prints the live calls by node, direction and peer, then one row per minute of the window', async () => {
    const { code, out } = await sbc(['stats', '--window', '3']);
    expect(code).toBe(0);
    expect(out).toMatch(/^Live calls: 2 \(1 answered, 1 ringing\)/);
    expect(out).toMatch(new RegExp(`^${sbcServer.replaceAll('.', '\\.')}\\s+2$`, 'm'));
    expect(out).toMatch(/^TDC\s+1$/m);
    expect(out).toMatch(/^Last 3 minutes, from .* \(UTC\): 2 started, 1 answered, 0 failed; ASR 100\.0%, ACD -$/m);
    const minutes = out.slice(out.indexOf('MINUTE')).trimEnd().split('\n');
    expect(minutes[0]).toMatch(/^MINUTE\s+STARTED\s+ANSWERED\s+FAILED\s+CONCURRENT\s+ASR\s+ACD$/);
    expect(minutes).toHaveLength(4);
  });

  it('--json prints the TrafficStats', async () => {
    const { out } = await sbc(['stats', '--json', '--top', '1']);
    const stats = JSON.parse(out);
    expect(stats.live).toMatchObject({ calls: 2, answered: 1 });
    expect(stats.live.topPeers).toHaveLength(1);
    expect(stats.window.series).toHaveLength(60);
  });

  it('a window beyond the retention: "bad request" with the reason, exit 2', async () => {
    const { code, err } = await sbc(['stats', '--window', '100000']);
    expect(code).toBe(2);
    expect(err).toMatch(/^sbc stats: bad request: window may be at most 1440 minutes/);
  });

  it('a token that may not see calls: access denied, exit 4', async () => {
    const viewer = (await t.server.store.createToken({ level: 'VIEWER', customerId: '0000000000000000000000AA' })).token;
    expect(await sbc(['stats'], viewer)).toEqual({ code: 4, out: '', err: 'sbc stats: access denied: Insufficient access level\n' });
  });
});

describe('sbc whoami', () => {
  it('prints the level, name, expiry and the operations the token may call', async () => {
    const { code, out } = await sbc(['whoami']);
    expect(code).toBe(0);
    expect(out).toMatch(/^level\s+ADMIN$/m);
    expect(out).toMatch(/^name\s+client tests$/m);
    expect(out).toMatch(/^expires\s+never$/m);
    expect(out).toMatch(/^operations\s+.*getTrafficStats.*whoAmI$/m);
  });

  it("prints an SBC token's node", async () => {
    expect((await sbc(['whoami'], t.sbc)).out).toMatch(new RegExp(`^sbcServer\\s+${sbcServer.replaceAll('.', '\\.')}$`, 'm'));
  });

  it('--json prints the WhoAmI', async () => {
    expect(JSON.parse((await sbc(['whoami', '--json'])).out)).toMatchObject({ level: 'ADMIN', name: 'client tests' });
  });

  it('a revoked token: "token rejected", exit 4', async () => {
    const { token } = await t.server.store.createToken({ level: 'ADMIN' });
    await t.server.store.revokeToken(token);
    expect(await sbc(['whoami'], token)).toEqual({ code: 4, out: '', err: 'sbc whoami: token rejected: invalid_token\n' });
  });
});
