import type { Session, SessionList } from '@sbc/contract';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { openStore } from '../src/store/open-store.js';
import type { Scope, SessionFilter, SessionStore } from '../src/domain/session-store.js';
import { bearer, call, ids, resellerTrees, seed, startTestServer, tokenFor } from './helpers.js';

// Reseller A's customers call +4570301234 often; B's calls share none of A's numbers but "70".
const sessions: Array<Partial<Session> & { callId: string }> = [
  { callId: 'a-out@x', aNumber: '+4533001100', bNumber: '+4570301234', direction: 'O', started: '2024-05-01T10:00:05.000Z', sourceCustomerId: ids.customerA1 },
  { callId: 'a-in@x', aNumber: '+4570301234', bNumber: '+4533001101', direction: 'I', started: '2024-05-01T10:00:04.000Z', destinationCustomerId: ids.customerA1sub },
  { callId: 'a-ended@x', aNumber: '+4533001102', bNumber: '+4570301234', direction: 'O', started: '2024-05-01T10:00:03.000Z', ended: '2024-05-01T10:01:00.000Z', sourceCustomerId: ids.customerA1 },
  { callId: 'b-out@x', aNumber: '+4688776655', bNumber: '+4622700000', direction: 'O', started: '2024-05-01T10:00:02.000Z', sourceCustomerId: ids.customerB1 },
  { callId: 'a-to-b@x', aNumber: '+4533001103', bNumber: '+4688000001', direction: 'O', started: '2024-05-01T10:00:01.000Z', sourceCustomerId: ids.customerA1, destinationCustomerId: ids.customerB1 },
];

let server: RunningServer;
let resellerA: string;
let resellerB: string;

beforeAll(async () => {
  server = await startTestServer();
  await resellerTrees(server);
  resellerA = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA });
  resellerB = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerB });
  await seed(server, ...sessions);
});
afterAll(() => server.close());

async function search(token: string, query: string): Promise<SessionList> {
  const res = await call<SessionList>(server, 'listSessions', `/sbc/session?${query}`, { headers: bearer(token) });
  expect(res.status).toBe(200);
  return res.body;
}
const callIds = (page: SessionList) => page.sessions.map((s) => s.callId);

describe("a reseller's number search", () => {
  it('finds its own calls by digits anywhere in the A- or B-number, in list order', async () => {
    const page = await search(resellerA, 'number=70301234');
    expect(callIds(page)).toEqual(['a-out@x', 'a-in@x', 'a-ended@x']);
    expect(page.total).toBe(3);
  });

  it('finds by one or two digits, within its own calls only', async () => {
    expect(callIds(await search(resellerB, 'number=8'))).toEqual(['b-out@x', 'a-to-b@x']);
    expect(callIds(await search(resellerB, 'number=70'))).toEqual(['b-out@x']);
  });

  it('reads a leading + (or the space an unencoded + decodes to) as the start of a number', async () => {
    expect(callIds(await search(resellerB, 'number=%2B4688'))).toEqual(['b-out@x', 'a-to-b@x']);
    expect(callIds(await search(resellerB, 'number=+4688'))).toEqual(['b-out@x', 'a-to-b@x']);
    expect(callIds(await search(resellerB, 'number=%2B4622'))).toEqual(['b-out@x']);
    expect(await search(resellerB, 'number=%2B22700000')).toMatchObject({ total: 0 });
  });

  it("never finds another tenant's calls, however often the number appears there", async () => {
    expect(await search(resellerB, 'number=70301234')).toMatchObject({ total: 0, sessions: [] });
  });

  it('counts every match in total and pages through them', async () => {
    const second = await search(resellerA, 'number=703&offset=1&limit=1');
    expect(second.total).toBe(3);
    expect(callIds(second)).toEqual(['a-in@x']);
  });

  it('combines with the other filters', async () => {
    expect(callIds(await search(resellerA, 'number=70301234&live=true&direction=O'))).toEqual(['a-out@x']);
    expect(callIds(await search(resellerA, 'number=70301234&live=false'))).toEqual(['a-ended@x']);
    expect(callIds(await search(resellerA, 'number=4533&international=false&direction=O'))).toEqual(['a-out@x', 'a-ended@x']);
  });

  it('narrows to one customer of its tree with customer=, and to nothing outside it', async () => {
    expect(callIds(await search(resellerA, `number=70301234&customer=${ids.customerA1sub}`))).toEqual(['a-in@x']);
    expect(callIds(await search(resellerB, `number=4533001103&customer=${ids.customerB1}`))).toEqual(['a-to-b@x']);
    expect(await search(resellerB, `number=70301234&customer=${ids.customerA1}`)).toMatchObject({ total: 0, sessions: [] });
  });
});

describe('the query plan of a scoped number search', () => {
  /** Every statement a list prepares, with SQLite's plan for it. */
  async function plansOf(store: SessionStore, filter: SessionFilter, scope: Scope): Promise<string[]> {
    const prepared: Array<[Database.Database, string]> = [];
    const prepare = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      prepared.push([this, sql]);
      return prepare.call(this, sql);
    } as typeof prepare;
    try {
      await store.listSessions(filter, scope);
    } finally {
      Database.prototype.prepare = prepare;
    }
    return prepared
      .filter(([, sql]) => /\bFROM sessions\b/.test(sql))
      .map(([db, sql]) => {
        const params = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map((m) => [m[1]!, null]));
        return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      });
  }

  it("reads only the scope's customer index entries and the page's rows, never a number index or a scan", async () => {
    const store = await openStore(':memory:');
    await store.importCustomers([
      { id: ids.resellerA, name: 'A', features: [] },
      { id: ids.customerA1, name: 'A1', parentReseller: ids.resellerA, features: [] },
    ]);
    await store.applyReports(
      [{ callId: 'a@x', report: { sbcServer: '10.0.0.1', aNumber: '+4570301234', started: '2024-05-01T10:00:00.000Z', sourceCustomerId: ids.customerA1 } }],
      {},
      new Date(),
    );
    // One statement text serves every number, one or fifteen digits, with a + or without.
    const plans = await plansOf(store, { offset: 0, limit: 10, homeCountryCode: '45', number: '7' }, { all: false, resellerId: ids.resellerA });
    expect(plans).toHaveLength(2);
    const steps = plans.join(' | ').split(' | ').filter((step) => /\bsessions\b|\bnumbers\b|number_trigrams/.test(step));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(step).toMatch(/^SEARCH sessions USING (COVERING INDEX sessions_(source|destination)_customer|INTEGER PRIMARY KEY)/);
    }
    await store.close();
  });
});
