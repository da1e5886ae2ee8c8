import { loadContract } from '@sbc/contract';
import { createSbcClient, type SbcClient } from '@sbc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpecServer, type SpecServer } from '../../src/client/spec-server.js';

const contract = loadContract();
let spec: SpecServer;
beforeAll(async () => {
  spec = await startSpecServer(contract);
});
afterAll(() => spec?.close());

/** The real client, with one bug put between it and the network. */
function brokenClient(bug: (request: Request) => Request | Promise<Request>): SbcClient {
  return createSbcClient({ baseUrl: spec.url, token: 'a-token', retries: 1, fetch: async (request) => fetch(await bug(request)) });
}

/** What the spec server said of the requests a call made (the call itself may fail on the 400 it gets). */
async function verdictsOf(call: () => Promise<unknown>): Promise<string[]> {
  spec.take();
  await call().catch(() => undefined);
  return spec.take().map(({ verdict }) => (verdict.kind === 'valid' ? 'valid' : verdict.reason));
}

const withUrl = (request: Request, change: (url: URL) => string) => new Request(change(new URL(request.url)), request);

describe('the spec server refuses a client request that', () => {
  it('sends the body with a media type the operation does not take', async () => {
    const client = brokenClient(async (r) => new Request(r.url, { method: r.method, headers: { ...Object.fromEntries(r.headers), 'content-type': 'text/plain' }, body: await r.text() }));
    expect(await verdictsOf(() => client.reportSession('call@10.0.0.1', { started: '2026-01-01T00:00:00.000Z' }))).toEqual([expect.stringMatching(/media type 'text\/plain'/)]);
  });

  it('forgets the token', async () => {
    const client = brokenClient((r) => {
      const headers = new Headers(r.headers);
      headers.delete('authorization');
      return new Request(r, { headers });
    });
    expect(await verdictsOf(() => client.listSessions())).toEqual([expect.stringMatching(/no credentials/)]);
  });

  it('explodes an array parameter the contract sends comma-separated', async () => {
    const client = brokenClient((r) => withUrl(r, (url) => url.href.replace(/types=started(%2C|,)ended/i, 'types=started&types=ended')));
    const stop = new AbortController();
    const verdicts = await verdictsOf(async () => {
      for await (const _event of client.events({ types: ['started', 'ended'], signal: stop.signal })) stop.abort();
    });
    expect(verdicts[0]).toMatch(/types is given more than once/);
  });

  it('adds a query parameter the operation does not have', async () => {
    const client = brokenClient((r) => withUrl(r, (url) => `${url.href}${url.search ? '&' : '?'}page=2`));
    expect(await verdictsOf(() => client.listCustomers({ limit: 5 }))).toEqual([expect.stringMatching(/page is not a known property/)]);
  });

  it('sends a body field the schema does not have', async () => {
    const client = brokenClient(async (r) => {
      const body = { ...(JSON.parse(await r.text()) as object), comment: 'x' };
      return new Request(r.url, { method: r.method, headers: r.headers, body: JSON.stringify(body) });
    });
    expect(await verdictsOf(() => client.putCustomer('1234567890abcdef12345678', { name: 'A' }))).toEqual([expect.stringMatching(/comment is not a known property/)]);
  });

  it("leaves a '/' of the Call-ID unencoded in the path", async () => {
    const client = brokenClient((r) => withUrl(r, (url) => url.href.replace(/%2F/gi, '/')));
    expect(await verdictsOf(() => client.getSession('a/b@10.0.0.1'))).toEqual([expect.stringMatching(/no documented path matches/)]);
  });

  it('puts a number out of range in the query', async () => {
    const client = brokenClient((r) => withUrl(r, (url) => url.href.replace('limit=5', 'limit=5000')));
    expect(await verdictsOf(() => client.listSessions({ limit: 5 }))).toEqual([expect.stringMatching(/limit must be <= 1000/)]);
  });
});
