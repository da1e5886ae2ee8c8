import { afterEach, describe, expect, it } from 'vitest';
import { createSbcClient, SbcApiError, SbcNetworkError, SbcTimeoutError } from '../src/index.js';
import { baseUrl, contractFake, type ContractFake } from './support/contract-fake.js';

let fake: ContractFake;
afterEach(() => expect(fake.violations).toEqual([]));

function clientOn(handler: Parameters<typeof contractFake>[0], timeoutMs?: number) {
  fake = contractFake(handler);
  return createSbcClient({ baseUrl, token: 't0ken', fetch: fake.fetch, retries: 0, ...(timeoutMs ? { timeoutMs } : {}) });
}

describe('errors', () => {
  it('a documented error becomes an SbcApiError with status, token, description and request id', async () => {
    const client = clientOn(() => ({
      status: 404,
      body: { status: 404, message: 'id', description: 'Session not found', requestId: 'req-1' },
      headers: { 'X-Request-Id': 'req-1' },
    }));
    const error = await client.getSession('gone@host').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SbcApiError);
    expect(error).toMatchObject({ status: 404, token: 'id', description: 'Session not found', requestId: 'req-1' });
  });

  it('takes the request id from X-Request-Id when the body has none', async () => {
    const client = clientOn(() => ({
      status: 401,
      body: { status: 401, message: 'expired', description: 'Token expired' },
      headers: { 'X-Request-Id': 'req-2' },
    }));
    await expect(client.listSessions()).rejects.toMatchObject({ status: 401, token: 'expired', requestId: 'req-2' });
  });

  it("a proxy's non-JSON error page becomes an SbcApiError named after the status", async () => {
    const client = clientOn(() => new Response('<html><body>Bad Gateway</body></html>', { status: 502 }));
    await expect(client.listSessions()).rejects.toMatchObject({ name: 'SbcApiError', status: 502, token: 'http_502' });
  });

  it('a failed connection becomes an SbcNetworkError', async () => {
    fake = contractFake(() => ({ status: 200, body: {} }));
    const client = createSbcClient({
      baseUrl,
      token: 't0ken',
      retries: 0,
      fetch: () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })),
    });
    const error = await client.getSession('a@b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SbcNetworkError);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('no answer within timeoutMs becomes an SbcTimeoutError', async () => {
    const client = clientOn(
      ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
      20,
    );
    await expect(client.getSession('slow@host')).rejects.toBeInstanceOf(SbcTimeoutError);
  });
});
