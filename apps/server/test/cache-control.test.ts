import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, json, seed, sessionPath, startTestServer, tokenFor } from './helpers.js';

let server: RunningServer;
let admin: string;
const path = sessionPath('cache@10.0.0.1');

beforeAll(async () => {
  server = await startTestServer();
  admin = await tokenFor(server, 'ADMIN');
  await seed(server, { callId: 'cache@10.0.0.1' });
});
afterAll(() => server.close());

describe('Cache-Control: no-store on every answer to a request that presents a token', () => {
  it('is on a success', async () => {
    const res = await call(server, 'getSession', path, { headers: bearer(admin) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('is on a token presented as X-API-Key or ?token=', async () => {
    expect((await call(server, 'getSession', path, { headers: { 'x-api-key': admin } })).headers.get('cache-control')).toBe('no-store');
    expect((await call(server, 'listSessions', `/sbc/session?token=${admin}&limit=1`)).headers.get('cache-control')).toBe('no-store');
  });

  it('is on a refusal of an unknown token', async () => {
    const res = await call(server, 'getSession', path, { headers: bearer('sbc_not-a-real-token') });
    expect(res.status).toBe(401);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('is on a refusal of the request itself', async () => {
    const res = await call(server, 'reportSession', path, json(admin, { notAField: 1 }));
    expect(res.status).toBe(422);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('is on a path outside the contract', async () => {
    const res = await call(server, null, '/no/such/path', { headers: bearer(admin) });
    expect(res.status).toBe(404);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('is on an event stream', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/sbc/events`, { headers: bearer(admin), signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    controller.abort();
  });

  it('is not on a probe asked without a token', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBeNull();
  });
});
