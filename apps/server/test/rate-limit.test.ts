import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/rate-limit.js';
import type { RunningServer, ServerOptions } from '../src/index.js';
import { bearer, call, json, sessionPath, startTestServer, tokenFor } from './helpers.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serverWith(options: ServerOptions): Promise<RunningServer> {
  server = await startTestServer(options);
  return server;
}

const listAs = (s: RunningServer, token: string) => call(s, 'listSessions', '/sbc/session', { headers: bearer(token) });

describe('the per-token rate limit', () => {
  it('answers 429 too_many_requests with Retry-After once a token has used its burst', async () => {
    const s = await serverWith({ rateLimitPerSecond: 0.01, rateLimitBurst: 2 });
    const admin = await tokenFor(s, 'ADMIN');
    expect((await listAs(s, admin)).status).toBe(200);
    expect((await listAs(s, admin)).status).toBe(200);
    const refused = await listAs(s, admin);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ status: 429, message: 'too_many_requests' });
    // At one request in 100 s, the next one is at most 100 s away (less by the time the requests took).
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(90);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(100);
  });

  it('counts every limited operation of a token against the same bucket', async () => {
    const s = await serverWith({ rateLimitPerSecond: 0.001, rateLimitBurst: 2 });
    const admin = await tokenFor(s, 'ADMIN');
    expect((await call(s, 'listCustomers', '/sbc/customer', { headers: bearer(admin) })).status).toBe(200);
    expect((await call(s, 'getSession', sessionPath('nobody@10.0.0.1'), { headers: bearer(admin) })).status).toBe(404);
    expect((await call(s, 'endCall', sessionPath('nobody@10.0.0.1'), { method: 'DELETE', headers: bearer(admin) })).status).toBe(429);
    expect((await call(s, 'streamEvents', '/sbc/events', { headers: bearer(admin) })).status).toBe(429);
  });

  it('gives each token its own bucket', async () => {
    const s = await serverWith({ rateLimitPerSecond: 0.001, rateLimitBurst: 1 });
    const first = await tokenFor(s, 'ADMIN');
    const second = await tokenFor(s, 'ADMIN');
    expect((await listAs(s, first)).status).toBe(200);
    expect((await listAs(s, first)).status).toBe(429);
    expect((await listAs(s, second)).status).toBe(200);
  });

  it('never limits the SBC reports', async () => {
    const s = await serverWith({ rateLimitPerSecond: 0.001, rateLimitBurst: 1 });
    const sbc = await tokenFor(s, 'SBC', { sbcServer: '10.0.0.1' });
    for (let i = 0; i < 5; i++) {
      const report = await call(s, 'reportSession', sessionPath(`call-${i}@10.0.0.1`), json(sbc, { started: '2026-01-01T12:00:00.000Z' }));
      expect(report.status).toBe(201);
      const batch = await call(s, 'ingestSessions', '/sbc/ingest', json(sbc, { sessions: [{ callId: `batch-${i}@10.0.0.1`, started: '2026-01-01T12:00:00.000Z' }] }, 'POST'));
      expect(batch.status).toBe(200);
    }
  });

  it('refuses a request without a valid token with 401, not 429', async () => {
    const s = await serverWith({ rateLimitPerSecond: 0.001, rateLimitBurst: 1 });
    for (let i = 0; i < 3; i++) expect((await listAs(s, 'not-a-token')).status).toBe(401);
  });

  it('is off with a rate of 0', async () => {
    const s = await serverWith({ rateLimitPerSecond: 0, rateLimitBurst: 1 });
    const admin = await tokenFor(s, 'ADMIN');
    for (let i = 0; i < 5; i++) expect((await listAs(s, admin)).status).toBe(200);
  });
});

describe('the token buckets', () => {
  const clockAt = (start = 0) => {
    const clock = { ms: start, now: () => clock.ms };
    return clock;
  };

  it('refill at the configured rate, up to the burst', () => {
    const clock = clockAt();
    const limiter = new RateLimiter({ requestsPerSecond: 10, burst: 3 }, clock.now);
    expect([limiter.take('t'), limiter.take('t'), limiter.take('t')]).toEqual([undefined, undefined, undefined]);
    expect(limiter.take('t')).toBe(1);
    clock.ms += 100;
    expect(limiter.take('t')).toBeUndefined();
    expect(limiter.take('t')).toBe(1);
    clock.ms += 60_000;
    expect([limiter.take('t'), limiter.take('t'), limiter.take('t'), limiter.take('t')]).toEqual([undefined, undefined, undefined, 1]);
  });

  it('say how many whole seconds until the next request may go', () => {
    const limiter = new RateLimiter({ requestsPerSecond: 0.25, burst: 1 }, clockAt().now);
    limiter.take('t');
    expect(limiter.take('t')).toBe(4);
  });

  it('forget a token once its bucket is full again', () => {
    const clock = clockAt();
    const limiter = new RateLimiter({ requestsPerSecond: 1, burst: 2 }, clock.now);
    limiter.take('idle');
    clock.ms += 2000;
    limiter.take('busy');
    expect(limiter.size).toBe(1);
  });

  it('hold at most the configured number of buckets, dropping the least recently used', () => {
    const clock = clockAt();
    const limiter = new RateLimiter({ requestsPerSecond: 1, burst: 1 }, clock.now, 3);
    for (const token of ['a', 'b', 'c', 'd']) limiter.take(token);
    expect(limiter.size).toBe(3);
    // `a` was dropped, so it starts with a full bucket; `d` was kept, so it must wait.
    expect(limiter.take('a')).toBeUndefined();
    expect(limiter.take('d')).toBe(1);
  });
});
