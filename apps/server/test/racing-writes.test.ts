import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Customer } from '@sbc/contract';
import { firstStartToken } from '../src/first-start.js';
import type { RunningServer } from '../src/index.js';
import { temporarySchema } from '../src/index.js';
import { call, json, startTestServer, testPostgresUrl, testSchemaPrefix, tokenFor } from './helpers.js';

// Writes that check something and then write must hold when requests race: within one server
// (on each store), and between two servers on one PostgreSQL schema (the postgres project).

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
    const inside = await server.store.alone('maintenance', () => server.runMaintenance());
    expect(inside?.ran).toBe(false);
  });

  it('runs again once the earlier run has ended', async () => {
    await server.runMaintenance();
    expect((await server.runMaintenance()).ran).toBe(true);
  });
});

describe.skipIf(testPostgresUrl === undefined)('two servers on one PostgreSQL schema', () => {
  let schema: Awaited<ReturnType<typeof temporarySchema>>;
  let other: RunningServer;
  const bothOn = async (url: string) => Promise.all([startTestServer({ dbPath: url }), startTestServer({ dbPath: url })]);

  beforeEach(async () => {
    await server.close();
    schema = await temporarySchema(testPostgresUrl!, testSchemaPrefix);
    [server, other] = await bothOn(schema.url);
    admin = await tokenFor(server, 'ADMIN');
  });
  afterEach(async () => {
    await other.close();
    await server.close();
    await schema.drop();
  });

  const put = (node: RunningServer, id: string, body: object) => call<Customer>(node, 'putCustomer', `/sbc/customer/${id}`, json(admin, body, 'PUT'));

  it('refuses one of two parent changes through different servers that would together make a cycle', async () => {
    await put(server, x, { name: 'X' });
    await put(other, y, { name: 'Y' });
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all([put(server, x, { name: 'X', parentReseller: y }), put(other, y, { name: 'Y', parentReseller: x })]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 422]);
      // Back to two roots for the next round.
      await Promise.all([put(server, x, { name: 'X' }), put(other, y, { name: 'Y' })]);
    }
  });

  it('makes one first ADMIN token between two servers asking at once', async () => {
    const fresh = await temporarySchema(testPostgresUrl!, testSchemaPrefix);
    const nodes = await bothOn(fresh.url);
    try {
      const shown = await Promise.all(nodes.map((node) => firstStartToken(node.store, node.url)));
      expect(shown.filter(Boolean)).toHaveLength(1);
      expect(await nodes[0].store.listTokens()).toHaveLength(1);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
      await fresh.drop();
    }
  });

  it('runs the maintenance job on one server at a time', async () => {
    const inside = await server.store.alone('maintenance', () => other.runMaintenance());
    expect(inside?.ran).toBe(false);
    expect((await other.runMaintenance()).ran).toBe(true);
  });
});
