import { seedSessionExample, type Session } from '@sbc/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { newRequestId } from '../src/app.js';
import { bearer, call, seed, sessionPath, startTestServer, tokenFor } from './helpers.js';

const seedExample: Session = seedSessionExample;

// Every character issue 3 lists, each in a Call-ID of its own, plus non-ASCII.
const awkwardCallIds = ['@', '/', '%', '?', '#', ':', ';', '[', ']', '<', '>', '{', '}', '"', '~', '+', 'æøå', '📞'].map(
  (c) => `call${c}x@10.0.0.1`,
);

let server: RunningServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await tokenFor(server, 'ADMIN');
  await seed(server, seedExample, ...awkwardCallIds.map((callId) => ({ callId, started: '2024-01-01T00:00:00.000Z' })));
  await seed(server, { callId: 'sparse@10.0.0.1', aNumber: '+4512345678' });
});
afterAll(() => server.close());

describe('GET /sbc/session/{id}', () => {
  it('returns the seed example session exactly, with the types of the spec', async () => {
    const res = await call<Session>(server, 'getSession', sessionPath(seedExample.callId), { headers: bearer(admin) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(seedExample);
    expect(res.body.aNumberPrivacy).toBe(0);
    expect(res.body.rtpProxyId).toBe(1);
  });

  it('keeps the property order of the spec', async () => {
    const res = await call<Session>(server, 'getSession', sessionPath(seedExample.callId), { headers: bearer(admin) });
    expect(Object.keys(res.body)).toEqual(Object.keys(seedExample));
  });

  it('omits properties that hold no value', async () => {
    const res = await call<Session>(server, 'getSession', sessionPath('sparse@10.0.0.1'), { headers: bearer(admin) });
    expect(res.body).toEqual({ callId: 'sparse@10.0.0.1', aNumber: '+4512345678', sbcServer: '10.0.0.1' });
  });

  it.each(awkwardCallIds)('round-trips the Call-ID %s percent-encoded', async (callId) => {
    const res = await call<Session>(server, 'getSession', sessionPath(callId), { headers: bearer(admin) });
    expect(res.status).toBe(200);
    expect(res.body.callId).toBe(callId);
  });

  it('accepts @ unencoded in the path', async () => {
    const res = await call<Session>(server, 'getSession', `/sbc/session/${seedExample.callId}`, { headers: bearer(admin) });
    expect(res.body.callId).toBe(seedExample.callId);
  });

  it('does not read an encoded / as a path separator', async () => {
    const res = await call(server, 'getSession', '/sbc/session/call%2Fx@10.0.0.1', { headers: bearer(admin) });
    expect(res.status).toBe(200);
  });

  it('answers 404 id for an unknown Call-ID', async () => {
    const res = await call(server, 'getSession', sessionPath('nobody@10.0.0.1'), { headers: bearer(admin) });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, message: 'id', description: 'Session not found' });
  });

  it('answers 400 bad_request when the id is missing', async () => {
    const res = await call(server, 'getSession', '/sbc/session/', { headers: bearer(admin) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'bad_request', description: 'Session id not found in request URI' });
  });

  it('answers 400 id for a Call-ID longer than 255 characters', async () => {
    const res = await call(server, 'getSession', sessionPath('x'.repeat(256)), { headers: bearer(admin) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'id' });
  });

  it('finds a Call-ID of exactly 255 characters', async () => {
    const callId = `${'y'.repeat(250)}@host`;
    await seed(server, { callId });
    const res = await call<Session>(server, 'getSession', sessionPath(callId), { headers: bearer(admin) });
    expect(res.body.callId).toBe(callId);
  });

  it('carries the request id in the error body and the header', async () => {
    const res = await call<{ requestId: string }>(server, 'getSession', sessionPath('nobody@x'), {
      headers: { ...bearer(admin), 'x-request-id': 'trace-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    expect(res.body.requestId).toBe('trace-123');
  });

  it('gives each request without a request id one of its own, in the error body and the header', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call<{ requestId: string }>(server, 'getSession', sessionPath('nobody@x'), { headers: bearer(admin) });
      expect(res.headers.get('x-request-id')).toBe(res.body.requestId);
      ids.push(res.body.requestId);
    }
    expect(new Set(ids).size).toBe(3);
  });

  it('makes request ids that a client could have sent, and unique to this process by their random part', () => {
    const [first, second] = [newRequestId(), newRequestId()];
    expect(first).toMatch(/^[0-9a-f]{16}-[0-9a-z]+$/);
    expect(second.split('-')[0]).toBe(first.split('-')[0]);
    expect(second).not.toBe(first);
  });
});
