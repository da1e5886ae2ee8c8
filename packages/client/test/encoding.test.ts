import { afterEach, describe, expect, it } from 'vitest';
import { createSbcClient } from '../src/index.js';
import { baseUrl, contractFake, type ContractFake } from './support/contract-fake.js';
import { endCallResult, session } from './support/sessions.js';

// Call-IDs as SIP allows them, with every character that means something in a URL.
const callIds = [
  '56375632547476357536@23.34.33.74',
  'a/b@c',
  '100%@host',
  '%41%2F@already-looks-encoded',
  'what?x=1@host',
  'frag#ment@host',
  'with space@host',
  'æøå-ünïcødé-呼叫@host',
  '+4580808080@host',
  '[::1]:5060;tag=x@host',
];

let fake: ContractFake;
afterEach(() => expect(fake.violations).toEqual([]));

function clientOn(handler: Parameters<typeof contractFake>[0]) {
  fake = contractFake(handler);
  return createSbcClient({ baseUrl, token: 't0ken', fetch: fake.fetch, retries: 0 });
}

describe('Call-IDs in the URL path', () => {
  it.each(callIds)('getSession(%j) sends the Call-ID percent-encoded exactly once', async (callId) => {
    const client = clientOn(({ path }) => ({ status: 200, body: session(path['id'] ?? '') }));
    const found = await client.getSession(callId);
    expect(found.callId).toBe(callId);
    const [request] = fake.requests;
    expect(request?.path['id']).toBe(callId);
    expect(request?.rawPath).toBe(`/sbc/session/${encodeURIComponent(callId)}`);
  });

  it.each(callIds)('endCall(%j) and reportSession(%j) address the same session', async (callId) => {
    const client = clientOn(({ operationId, path }) =>
      operationId === 'endCall' ? { status: 200, body: endCallResult(path['id'] ?? '') } : { status: 200, body: session(path['id'] ?? '') },
    );
    await client.endCall(callId);
    await client.reportSession(callId, { answered: '2026-01-01T12:00:05.000Z' });
    expect(fake.requests.map((r) => r.path['id'])).toEqual([callId, callId]);
  });

  it.each(['', '.', '..'])('refuses the Call-ID %j, which no URL path can carry, without sending anything', async (callId) => {
    const client = clientOn(() => ({ status: 500, body: {} }));
    await expect(client.getSession(callId)).rejects.toThrow(RangeError);
    await expect(client.endCall(callId)).rejects.toThrow(RangeError);
    expect(fake.requests).toEqual([]);
  });
});

describe('query parameters', () => {
  it('sends a number with its leading + intact', async () => {
    const client = clientOn(() => ({ status: 200, body: { offset: 0, limit: 100, total: 0, sessions: [] } }));
    await client.listSessions({ number: '+4570', customer: '1234567890ABCDEF12345678', live: true, direction: 'I', international: false, full: true, limit: 5, offset: 10 });
    const query = fake.requests[0]?.query;
    expect(Object.fromEntries(query ?? [])).toEqual({
      number: '+4570',
      customer: '1234567890ABCDEF12345678',
      live: 'true',
      direction: 'I',
      international: 'false',
      full: 'true',
      limit: '5',
      offset: '10',
    });
  });
});
