import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSbcClient, SbcApiError, type RetryOptions } from '../src/index.js';
import { retryDelayMs, retryPolicy } from '../src/retry.js';
import { baseUrl, contractFake, type ContractFake, type FakeReply } from './support/contract-fake.js';
import { endCallResult, session } from './support/sessions.js';

const fast: RetryOptions = { attempts: 2, baseDelayMs: 1, maxDelayMs: 50 };
/** What a proxy or load balancer in front of the API answers; the contract does not document these statuses. */
function fromProxy(status: number, headers: Record<string, string> = {}): () => Response {
  return () => Response.json({ status, message: 'unavailable', description: 'try later' }, { status, headers });
}
const unavailable = fromProxy(503);

let fake: ContractFake | undefined;
beforeEach(() => (fake = undefined));
afterEach(() => expect(fake?.violations ?? []).toEqual([]));

/** A fake that answers with `replies` in turn, then with the last one again. */
function clientAnswering(replies: Array<FakeReply | 'reset' | (() => Response)>, retries: RetryOptions = fast) {
  let n = 0;
  const answering = contractFake(() => {
    const reply = replies[Math.min(n++, replies.length - 1)] ?? unavailable;
    if (reply === 'reset') throw new TypeError('fetch failed', { cause: new Error('read ECONNRESET') });
    return typeof reply === 'function' ? reply() : reply;
  });
  fake = answering;
  return { client: createSbcClient({ baseUrl, token: 't0ken', fetch: answering.fetch, retries }), requests: answering.requests };
}

const ok = { status: 200, body: session('a@b') };

describe('retries of idempotent calls', () => {
  it('GET answered 503 then 200 succeeds on the second attempt', async () => {
    const { client, requests } = clientAnswering([unavailable, ok]);
    await expect(client.getSession('a@b')).resolves.toMatchObject({ callId: 'a@b' });
    expect(requests).toHaveLength(2);
  });

  it.each([429, 502, 504])('GET answered %i is retried', async (status) => {
    const { client, requests } = clientAnswering([fromProxy(status, { 'Retry-After': '0' }), ok]);
    await client.getSession('a@b');
    expect(requests).toHaveLength(2);
  });

  it('a connection reset is retried', async () => {
    const { client, requests } = clientAnswering(['reset', ok]);
    await client.getSession('a@b');
    expect(requests).toHaveLength(2);
  });

  it('DELETE (ending a call is idempotent by the contract) is retried', async () => {
    const { client, requests } = clientAnswering([unavailable, { status: 200, body: endCallResult('a@b') }]);
    await client.endCall('a@b');
    expect(requests.map((r) => r.operationId)).toEqual(['endCall', 'endCall']);
  });

  it('PUT (replacing a customer whole) is retried', async () => {
    const customer = { id: '1234567890ABCDEF12345678', name: 'Acme', features: ['TELE'] };
    const { client, requests } = clientAnswering([unavailable, { status: 200, body: customer }]);
    await client.putCustomer(customer.id, { name: 'Acme', features: ['TELE'] });
    expect(requests.map((r) => r.operationId)).toEqual(['putCustomer', 'putCustomer']);
  });

  it('gives up after the configured attempts with the last error', async () => {
    const { client, requests } = clientAnswering([unavailable]);
    await expect(client.getSession('a@b')).rejects.toMatchObject({ status: 503, token: 'unavailable' });
    expect(requests).toHaveLength(3);
  });

  it('a 4xx other than 429 is not retried', async () => {
    const { client, requests } = clientAnswering([{ status: 404, body: { status: 404, message: 'id', description: 'Session not found' } }, ok]);
    await expect(client.getSession('a@b')).rejects.toBeInstanceOf(SbcApiError);
    expect(requests).toHaveLength(1);
  });

  it('a Retry-After longer than maxDelayMs is not waited for', async () => {
    const { client, requests } = clientAnswering([fromProxy(429, { 'Retry-After': '3600' }), ok]);
    await expect(client.getSession('a@b')).rejects.toMatchObject({ status: 429 });
    expect(requests).toHaveLength(1);
  });
});

describe('calls that are never retried', () => {
  it('POST /sbc/ingest answered 503 is not sent again', async () => {
    const { client, requests } = clientAnswering([unavailable, ok]);
    await expect(client.reportBatch([{ callId: 'a@b', started: '2026-01-01T12:00:00.000Z' }])).rejects.toMatchObject({ status: 503 });
    expect(requests).toHaveLength(1);
  });

  it('POST /sbc/ingest after a connection reset is not sent again', async () => {
    const { client, requests } = clientAnswering(['reset', ok]);
    await expect(client.reportBatch([{ callId: 'a@b' }])).rejects.toMatchObject({ name: 'SbcNetworkError' });
    expect(requests).toHaveLength(1);
  });

  it('PATCH reports are not retried unless retries.reports is set', async () => {
    const { client, requests } = clientAnswering([unavailable, ok]);
    await expect(client.reportSession('a@b', { answered: '2026-01-01T12:00:05.000Z' })).rejects.toMatchObject({ status: 503 });
    expect(requests).toHaveLength(1);
  });

  it('PATCH reports are retried with retries.reports', async () => {
    const { client, requests } = clientAnswering([unavailable, ok], { ...fast, reports: true });
    await client.reportSession('a@b', { answered: '2026-01-01T12:00:05.000Z' });
    expect(requests).toHaveLength(2);
  });

  it('retries: 0 turns retries off', async () => {
    const { client, requests } = clientAnswering([unavailable, ok], { attempts: 0 });
    await expect(client.getSession('a@b')).rejects.toMatchObject({ status: 503 });
    expect(requests).toHaveLength(1);
  });
});

describe('retryDelayMs', () => {
  const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 3000 });
  const now = Date.parse('2026-01-01T12:00:00.000Z');

  it('waits the seconds of Retry-After', () => {
    expect(retryDelayMs(0, '2', policy, now)).toBe(2000);
  });

  it('waits until the HTTP date of Retry-After', () => {
    expect(retryDelayMs(0, 'Thu, 01 Jan 2026 12:00:01 GMT', policy, now)).toBe(1000);
  });

  it('gives up when Retry-After asks for more than maxDelayMs', () => {
    expect(retryDelayMs(0, '5', policy, now)).toBeUndefined();
  });

  it('backs off exponentially, with full jitter, up to maxDelayMs', () => {
    const top = () => 1;
    expect([0, 1, 2, 3, 4, 5].map((retry) => retryDelayMs(retry, null, policy, now, top))).toEqual([100, 200, 400, 800, 1600, 3000]);
    expect(retryDelayMs(3, null, policy, now, () => 0)).toBe(0);
    expect(retryDelayMs(3, null, policy, now, () => 0.5)).toBe(400);
  });
});
