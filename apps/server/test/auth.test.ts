import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, ids, resellerTrees, seed, sessionPath, startTestServer, tokenFor } from './helpers.js';

let clock = new Date('2030-01-01T00:00:00.000Z');
let server: RunningServer;
let admin: string;
const path = sessionPath('auth@10.0.0.1');

beforeAll(async () => {
  server = await startTestServer({ now: () => clock });
  admin = await tokenFor(server, 'ADMIN');
  await resellerTrees(server);
  await seed(server, { callId: 'auth@10.0.0.1' });
});
afterAll(() => server.close());

describe('presenting a token', () => {
  it('accepts Authorization: Bearer', async () => {
    expect((await call(server, 'getSession', path, { headers: bearer(admin) })).status).toBe(200);
  });

  it('accepts X-API-Key', async () => {
    expect((await call(server, 'getSession', path, { headers: { 'x-api-key': admin } })).status).toBe(200);
  });

  it('accepts ?token= and does not count it as an unknown parameter', async () => {
    expect((await call(server, 'listSessions', `/sbc/session?token=${admin}&limit=1`)).status).toBe(200);
  });

  it('answers 401 credentials_invalid without a token', async () => {
    const res = await call(server, 'getSession', path);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ message: 'credentials_invalid' });
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('answers 401 invalid_token for an unknown token', async () => {
    const res = await call(server, 'getSession', path, { headers: bearer('sbc_not-a-real-token') });
    expect(res.body).toMatchObject({ status: 401, message: 'invalid_token' });
  });

  it('answers 401 invalid_token for a revoked token', async () => {
    const token = await tokenFor(server, 'ADMIN');
    await server.store.revokeToken(token);
    const res = await call(server, 'getSession', path, { headers: bearer(token) });
    expect(res.body).toMatchObject({ status: 401, message: 'invalid_token' });
  });

  it('refuses a token revoked while in use once the one-second token cache has passed', async () => {
    const { token, id } = await server.store.createToken({ level: 'ADMIN' });
    expect((await call(server, 'getSession', path, { headers: bearer(token) })).status).toBe(200);
    await server.store.revokeToken(id);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call(server, 'getSession', path, { headers: bearer(token) })).body).toMatchObject({ status: 401, message: 'invalid_token' });
  });

  it('revokes by token id as well', async () => {
    const { token, id } = await server.store.createToken({ level: 'ADMIN' });
    await server.store.revokeToken(id);
    expect((await call(server, 'getSession', path, { headers: bearer(token) })).status).toBe(401);
  });

  it('answers 401 expired once the expiry has passed', async () => {
    const token = await tokenFor(server, 'ADMIN', { expiresAt: new Date('2030-01-01T01:00:00.000Z') });
    expect((await call(server, 'getSession', path, { headers: bearer(token) })).status).toBe(200);
    clock = new Date('2030-01-01T01:00:00.000Z');
    const res = await call(server, 'getSession', path, { headers: bearer(token) });
    expect(res.body).toMatchObject({ status: 401, message: 'expired' });
    clock = new Date('2030-01-01T00:00:00.000Z');
  });

  it('stores only a hash of the token', async () => {
    const { token } = await server.store.createToken({ level: 'VIEWER' });
    const listed = JSON.stringify(await server.store.listTokens());
    expect(listed).not.toContain(token);
  });
});

describe('access levels', () => {
  it.each(['NO_LOGIN', 'PERSONAL', 'VIEWER', 'MANAGER', 'OWNER', 'RESELLER'] as const)('refuses %s with 403 access_denied', async (level) => {
    const token = await tokenFor(server, level, { customerId: ids.resellerA });
    const res = await call(server, 'getSession', path, { headers: bearer(token) });
    expect(res.body).toMatchObject({ status: 403, message: 'access_denied' });
  });

  it('refuses an SBC token on reads with 403 access_denied', async () => {
    const token = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' });
    expect((await call(server, 'listSessions', '/sbc/session', { headers: bearer(token) })).status).toBe(403);
  });

  it('refuses a RESELLER_ADMIN whose customer lacks TELE', async () => {
    const token = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.plain });
    const res = await call(server, 'listSessions', '/sbc/session', { headers: bearer(token) });
    expect(res.body).toMatchObject({ status: 403, message: 'access_denied' });
  });

  it('refuses a RESELLER_ADMIN with no customer', async () => {
    const token = await tokenFor(server, 'RESELLER_ADMIN');
    expect((await call(server, 'listSessions', '/sbc/session', { headers: bearer(token) })).status).toBe(403);
  });

  it('lets a RESELLER_ADMIN with TELE list', async () => {
    const token = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA });
    expect((await call(server, 'listSessions', '/sbc/session', { headers: bearer(token) })).status).toBe(200);
  });

  it('keeps customers to ADMIN', async () => {
    const token = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA });
    expect((await call(server, 'listCustomers', '/sbc/customer', { headers: bearer(token) })).status).toBe(403);
  });

  it('checks the token before the parameters', async () => {
    const res = await call(server, 'listSessions', '/sbc/session?limit=0');
    expect(res.status).toBe(401);
  });
});
