import { afterEach, describe, expect, it } from 'vitest';
import { createSbcClient } from '../src/index.js';
import { baseUrl, contractFake, type ContractFake, type FakeHandler } from './support/contract-fake.js';
import { endCallResult, page, session } from './support/sessions.js';

let fake: ContractFake;
afterEach(() => expect(fake.violations).toEqual([]));

function clientOn(handler: FakeHandler) {
  fake = contractFake(handler);
  return createSbcClient({ baseUrl, token: 't0ken', fetch: fake.fetch, retries: 0 });
}

const all = Array.from({ length: 5 }, (_, i) => session(`call-${i}@h`));

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('sessions', () => {
  it('getSession returns the session', async () => {
    const client = clientOn(({ path }) => ({ status: 200, body: session(path['id'] ?? '', { mvno: 'Telenor' }) }));
    await expect(client.getSession('a@b')).resolves.toEqual(session('a@b', { mvno: 'Telenor' }));
  });

  it('listSessions returns one page', async () => {
    const client = clientOn(() => ({ status: 200, body: page(all.slice(0, 2), 0, 2, 5) }));
    await expect(client.listSessions({ limit: 2 })).resolves.toMatchObject({ total: 5, sessions: all.slice(0, 2) });
  });

  it('listAllSessions walks every page with the same filters', async () => {
    const client = clientOn(({ query }) => {
      const offset = Number(query.get('offset'));
      const limit = Number(query.get('limit'));
      return { status: 200, body: page(all.slice(offset, offset + limit), offset, limit, all.length) };
    });
    const sessions = await collect(client.listAllSessions({ live: true, limit: 2 }));
    expect(sessions.map((s) => s.callId)).toEqual(all.map((s) => s.callId));
    expect(fake.requests.map((r) => [r.query.get('offset'), r.query.get('live')])).toEqual([
      ['0', 'true'],
      ['2', 'true'],
      ['4', 'true'],
    ]);
  });

  it('listAllSessions does not yield twice a session pushed onto the next page by a new call', async () => {
    const newCall = session('new@h', { started: '2026-01-01T13:00:00.000Z' });
    const client = clientOn(({ query }) => {
      const offset = Number(query.get('offset'));
      // A call starts after the first page: everything after it shifts down by one.
      const now = offset === 0 ? all : [newCall, ...all];
      return { status: 200, body: page(now.slice(offset, offset + 2), offset, 2, now.length) };
    });
    const sessions = await collect(client.listAllSessions({ limit: 2 }));
    expect(sessions.map((s) => s.callId)).toEqual(all.map((s) => s.callId));
  });

  it('endCall answers what the request did and the session', async () => {
    const client = clientOn(() => ({ status: 200, body: endCallResult('a@b') }));
    await expect(client.endCall('a@b')).resolves.toEqual(endCallResult('a@b'));
  });
});

describe('SBC reports', () => {
  it('reportSession sends the report as the body and returns the merged session', async () => {
    const client = clientOn(({ body }) => ({ status: 201, body: { ...session('a@b'), ...(body as object) } }));
    const merged = await client.reportSession('a@b', { answered: '2026-01-01T12:00:05.000Z' });
    expect(merged.answered).toBe('2026-01-01T12:00:05.000Z');
    expect(fake.requests[0]?.body).toEqual({ answered: '2026-01-01T12:00:05.000Z' });
  });

  it('reportBatch sends the reports as one batch and returns the results', async () => {
    const client = clientOn(() => ({
      status: 200,
      body: { created: 1, updated: 1, unchanged: 0, rejected: 0, results: [{ callId: 'a@b', result: 'created' }, { callId: 'a@b', result: 'updated' }] },
    }));
    const reports = [
      { callId: 'a@b', started: '2026-01-01T12:00:00.000Z', sbcServer: '2.1.1.3' },
      { callId: 'a@b', answered: '2026-01-01T12:00:05.000Z' },
    ];
    await expect(client.reportBatch(reports)).resolves.toMatchObject({ created: 1, updated: 1 });
    expect(fake.requests[0]?.body).toEqual({ sessions: reports });
  });
});

describe('customers', () => {
  const acme = { id: '1234567890ABCDEF12345678', name: 'Acme', features: ['TELE'] };

  it('putCustomer sends the customer and returns it', async () => {
    const client = clientOn(({ body }) => ({ status: 201, body: { id: acme.id, features: [], ...(body as object) } }));
    await expect(client.putCustomer(acme.id, { name: 'Acme', features: ['TELE'] })).resolves.toEqual(acme);
  });

  it('getCustomer and listCustomers return what the API answers', async () => {
    const client = clientOn(({ operationId }) =>
      operationId === 'getCustomer'
        ? { status: 200, body: acme }
        : { status: 200, body: { offset: 0, limit: 10, total: 1, customers: [acme] } },
    );
    await expect(client.getCustomer(acme.id)).resolves.toEqual(acme);
    await expect(client.listCustomers({ limit: 10 })).resolves.toMatchObject({ customers: [acme] });
  });
});

describe('the openapi-fetch client underneath', () => {
  it('answers in the { data, error } style instead of throwing', async () => {
    const client = clientOn(() => ({ status: 404, body: { status: 404, message: 'id', description: 'Session not found' } }));
    const { data, error } = await client.api.GET('/sbc/session/{id}', { params: { path: { id: 'a/b@c' } } });
    expect(data).toBeUndefined();
    expect(error).toEqual({ status: 404, message: 'id', description: 'Session not found' });
    expect(fake.requests[0]?.path['id']).toBe('a/b@c');
  });
});
