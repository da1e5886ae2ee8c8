import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Customer } from '@sbc/contract';
import { firstStartToken } from '../src/first-start.js';
import type { RunningServer } from '../src/index.js';
import { call, json, startTestServer, tokenFor } from './helpers.js';

// Writes that check something and then write must hold when requests race: within one server
// here, and between servers on one database in the multi-node suite.

const [x, y] = ['ABABABABABABABABABABABAB', 'CDCDCDCDCDCDCDCDCDCDCDCD'];
let server: RunningServer;
let admin: string;

beforeEach(async () => {
  server = await startTestServer();
  admin = await tokenFor(server, 'ADMIN');
});
afterEach(() => server.close());

const putCustomer = (id: string, body: object) => call<Customer>(server, 'putCustomer', `/sbc/customer/${id}`, json(admin, body, 'PUT'));

describe('customer writes that race', () => {
  it('refuses one of two parent changes that would together make a cycle', async () => {
    await putCustomer(x, { name: 'X' });
    await putCustomer(y, { name: 'Y' });
    const answers = await Promise.all([putCustomer(x, { name: 'X', parentReseller: y }), putCustomer(y, { name: 'Y', parentReseller: x })]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 422]);
    const tree = await server.store.customerTree();
    expect([tree.get(x), tree.get(y)].filter(Boolean)).toHaveLength(1);
  });

  it('refuses an import that would close a cycle with a customer written at the same time', async () => {
    await server.store.importCustomers([{ id: x, name: 'X', features: [] }, { id: y, name: 'Y', features: [] }]);
    const [put, imported] = await Promise.all([
      server.store.putCustomer({ id: x, name: 'X', parentReseller: y, features: [] }),
      server.store.importCustomers([{ id: y, name: 'Y', parentReseller: x, features: [] }]),
    ]);
    expect(['refused' in put, 'refused' in imported].sort()).toEqual([false, true]);
  });
});

describe('the first start', () => {
  it('makes one ADMIN token when two starts ask for it at once', async () => {
    const empty = await startTestServer();
    try {
      const shown = await Promise.all([firstStartToken(empty.store, empty.url), firstStartToken(empty.store, empty.url)]);
      expect(shown.filter(Boolean)).toHaveLength(1);
      expect(await empty.store.listTokens()).toHaveLength(1);
    } finally {
      await empty.close();
    }
  });
});

describe('the maintenance job', () => {
  it('runs once at a time: a run asked for while one runs does nothing', async () => {
    const runs = await Promise.all([server.runMaintenance(), server.runMaintenance()]);
    expect(runs.map((run) => run.ran).sort()).toEqual([false, true]);
  });

  it('runs again once the earlier run has ended', async () => {
    await server.runMaintenance();
    expect((await server.runMaintenance()).ran).toBe(true);
  });
});
