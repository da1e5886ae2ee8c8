import type { SessionList } from '@sbc/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type RunningServer } from '../src/index.js';
import { bearer, call, ids, resellerTrees, seed, sessionPath, startTestServer, testDatabase, tokenFor } from './helpers.js';

let server: RunningServer;
let resellerA: string;
let resellerB: string;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  await resellerTrees(server);
  admin = await tokenFor(server, 'ADMIN');
  resellerA = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA });
  resellerB = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerB });
  await seed(
    server,
    { callId: 'a-own@x', sourceCustomerId: ids.resellerA, started: '2024-01-01T00:00:04.000Z' },
    { callId: 'a-child@x', sourceCustomerId: ids.customerA1, started: '2024-01-01T00:00:03.000Z' },
    { callId: 'a-grandchild-dest@x', destinationCustomerId: ids.customerA1sub, started: '2024-01-01T00:00:02.000Z' },
    { callId: 'b-child@x', sourceCustomerId: ids.customerB1, started: '2024-01-01T00:00:01.000Z' },
    { callId: 'b-to-a@x', sourceCustomerId: ids.customerB1, destinationCustomerId: ids.customerA1, started: '2024-01-01T00:00:00.000Z' },
    { callId: 'nobody@x' },
  );
});
afterAll(() => server.close());

const listIds = async (token: string, query = '') =>
  (await call<SessionList>(server, 'listSessions', `/sbc/session${query}`, { headers: bearer(token) })).body.sessions.map((s) => s.callId);

describe('what a reseller administrator sees', () => {
  it('ADMIN sees every session', async () => {
    expect(await listIds(admin)).toHaveLength(6);
  });

  it('sees sessions of its own customer and those below it at any depth', async () => {
    expect(await listIds(resellerA)).toEqual(['a-own@x', 'a-child@x', 'a-grandchild-dest@x', 'b-to-a@x']);
  });

  it('sees a call between two resellers from either side', async () => {
    expect(await listIds(resellerB)).toEqual(['b-child@x', 'b-to-a@x']);
  });

  it('gets a session in scope', async () => {
    const res = await call(server, 'getSession', sessionPath('a-grandchild-dest@x'), { headers: bearer(resellerA) });
    expect(res.status).toBe(200);
  });

  it("gets 404 id, never 403, for another reseller's session", async () => {
    const res = await call(server, 'getSession', sessionPath('b-child@x'), { headers: bearer(resellerA) });
    expect(res.body).toMatchObject({ status: 404, message: 'id' });
  });

  it('gets 404 id for a session of no customer', async () => {
    expect((await call(server, 'getSession', sessionPath('nobody@x'), { headers: bearer(resellerA) })).status).toBe(404);
  });

  it("finds nothing with another reseller's customer as filter", async () => {
    const res = await call<SessionList>(server, 'listSessions', `/sbc/session?customer=${ids.customerB1}`, { headers: bearer(resellerA) });
    expect(res.body.total).toBe(0);
    expect(res.body.sessions).toEqual([]);
  });

  it('filters by its own customer', async () => {
    expect(await listIds(resellerA, `?customer=${ids.customerA1}`)).toEqual(['a-child@x', 'b-to-a@x']);
  });

  it('counts total within its scope only', async () => {
    const res = await call<SessionList>(server, 'listSessions', '/sbc/session?limit=1', { headers: bearer(resellerB) });
    expect(res.body.total).toBe(2);
  });

  it("cannot end another reseller's call: 404 id", async () => {
    const res = await call(server, 'endCall', sessionPath('b-child@x'), { method: 'DELETE', headers: bearer(resellerA) });
    expect(res.body).toMatchObject({ status: 404, message: 'id' });
  });

  it('a sub-reseller with TELE sees only its own subtree', async () => {
    await server.store.putCustomer({ id: ids.customerA1, name: 'A1', parentReseller: ids.resellerA, features: ['TELE'] });
    const sub = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.customerA1 });
    expect(await listIds(sub)).toEqual(['a-child@x', 'a-grandchild-dest@x', 'b-to-a@x']);
  });

  it('counts a call between two of its own customers once, and filters the calls it sees', async () => {
    await seed(
      server,
      { callId: 'a-to-a@x', sourceCustomerId: ids.customerA1, destinationCustomerId: ids.customerA1sub, direction: 'I', started: '2024-01-01T00:00:05.000Z' },
      { callId: 'b-to-a-in@x', sourceCustomerId: ids.customerB1, destinationCustomerId: ids.resellerA, direction: 'I', started: '2024-01-01T00:00:06.000Z' },
    );
    const all = await call<SessionList>(server, 'listSessions', '/sbc/session', { headers: bearer(resellerA) });
    expect(all.body.total).toBe(6);
    expect(all.body.sessions).toHaveLength(6);
    const inbound = await call<SessionList>(server, 'listSessions', '/sbc/session?direction=I', { headers: bearer(resellerA) });
    expect(inbound.body).toMatchObject({ total: 2, sessions: [{ callId: 'b-to-a-in@x' }, { callId: 'a-to-a@x' }] });
  });
});

describe("a reseller's scope when customers move", () => {
  const reseller = 'DDDDDDDDDDDDDDDDDDDDDDDD';
  const customer = 'EEEEEEEEEEEEEEEEEEEEEEEE';
  const scope = { all: false, resellerId: reseller } as const;

  it('follows a move made through the same store and one made by another process on the database', async () => {
    const database = await testDatabase();
    const server = await openStore(database.location);
    const admin = await openStore(database.location);
    try {
      await server.putCustomer({ id: reseller, name: 'R', features: ['TELE'] });
      await server.putCustomer({ id: customer, name: 'C', features: [] });
      await server.applyReports([{ callId: 'moved@x', report: { sbcServer: '10.0.0.1', sourceCustomerId: customer } }], {}, new Date());
      expect(await server.getSessionJson('moved@x', scope)).toBeUndefined();

      await admin.putCustomer({ id: customer, name: 'C', parentReseller: reseller, features: [] });
      expect(await server.getSessionJson('moved@x', scope)).toBeDefined();

      await server.putCustomer({ id: customer, name: 'C', features: [] });
      expect(await server.getSessionJson('moved@x', scope)).toBeUndefined();
    } finally {
      await admin.close();
      await server.close();
      await database.remove();
    }
  });
});
