import type { Customer, CustomerList, Session, SessionList } from '@sbc/contract';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { migrate } from '../src/store/migrations.js';
import { bearer, call, json, sessionPath, startTestServer, tokenFor } from './helpers.js';

const reseller = 'C0FFEE0000000000000000AA';
const child = 'C0FFEE0000000000000000A1';
const lower = (id: string) => id.toLowerCase();

let server: RunningServer;
let admin: string;

const putCustomer = (id: string, body: object) => call<Customer>(server, 'putCustomer', `/sbc/customer/${id}`, json(admin, body, 'PUT'));
const report = (callId: string, body: object) => call<Session>(server, 'reportSession', sessionPath(callId), json(admin, { sbcServer: '10.0.0.1', ...body }));

beforeEach(async () => {
  server = await startTestServer();
  admin = await tokenFor(server, 'ADMIN');
});
afterEach(() => server.close());

describe('customer ids in either case', () => {
  it('are stored and answered in upper case', async () => {
    const res = await putCustomer(lower(reseller), { name: 'Reseller', features: ['TELE'] });
    expect(res.status).toBe(201);
    expect(res.body.id).toBe(reseller);
    expect((await call<Customer>(server, 'getCustomer', `/sbc/customer/${lower(reseller)}`, { headers: bearer(admin) })).body.id).toBe(reseller);
  });

  it('name one customer: a PUT differing only in case replaces it', async () => {
    await putCustomer(reseller, { name: 'Reseller' });
    const again = await putCustomer(lower(reseller), { name: 'Renamed' });
    expect(again.status).toBe(200);
    const list = await call<CustomerList>(server, 'listCustomers', '/sbc/customer', { headers: bearer(admin) });
    expect(list.body.customers).toEqual([{ id: reseller, name: 'Renamed', features: [] }]);
  });

  it('name the same parent reseller, whatever case the body uses', async () => {
    await putCustomer(reseller, { name: 'Reseller', features: ['TELE'] });
    const res = await putCustomer(child, { name: 'Child', parentReseller: lower(reseller) });
    expect(res.body.parentReseller).toBe(reseller);
    expect(await server.store.customersInScope(reseller)).toEqual([reseller, child]);
  });

  it("put a report with a lower-case sourceCustomerId in its reseller's scope", async () => {
    await putCustomer(reseller, { name: 'Reseller', features: ['TELE'] });
    await putCustomer(child, { name: 'Child', parentReseller: reseller });
    const stored = await report('lower@x', { sourceCustomerId: lower(child), destinationCustomerId: lower(reseller), started: '2025-01-01T00:00:00.000Z' });
    expect(stored.body).toMatchObject({ sourceCustomerId: child, destinationCustomerId: reseller });
    const token = await tokenFor(server, 'RESELLER_ADMIN', { customerId: reseller });
    expect((await call(server, 'getSession', sessionPath('lower@x'), { headers: bearer(token) })).status).toBe(200);
  });

  it('filter lists in either case', async () => {
    await putCustomer(reseller, { name: 'Reseller', features: ['TELE'] });
    await report('upper@x', { sourceCustomerId: reseller, started: '2025-01-01T00:00:00.000Z' });
    const token = await tokenFor(server, 'RESELLER_ADMIN', { customerId: reseller });
    for (const caller of [admin, token]) {
      const res = await call<SessionList>(server, 'listSessions', `/sbc/session?customer=${lower(reseller)}`, { headers: bearer(caller) });
      expect(res.body.sessions.map((s) => s.callId)).toEqual(['upper@x']);
    }
  });

  it("scope a token created with a lower-case customer id (the admin command line's path)", async () => {
    await putCustomer(reseller, { name: 'Reseller', features: ['TELE'] });
    await report('upper@x', { sourceCustomerId: reseller, started: '2025-01-01T00:00:00.000Z' });
    const token = await tokenFor(server, 'RESELLER_ADMIN', { customerId: lower(reseller) });
    expect((await call(server, 'getSession', sessionPath('upper@x'), { headers: bearer(token) })).status).toBe(200);
  });
});

describe('the migration to upper-case ids', () => {
  /** A database as the previous schema left it, holding lower-case and case-duplicate ids. */
  function previousSchemaDatabase(): Database.Database {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, 6);
    const customer = db.prepare('INSERT INTO customers (id, name, parent_reseller, features) VALUES (?, ?, ?, ?)');
    customer.run(lower(reseller), 'lower first', null, '[]');
    customer.run(reseller, 'upper second', null, '["TELE"]');
    customer.run(lower(child), 'child', lower(reseller), '[]');
    customer.run('dddddddddddddddddddddddd', 'first of two', null, '[]');
    customer.run('DDDDDDDDDDDDdddddddddddd', 'second of two', null, '[]');
    db.prepare("INSERT INTO tokens (id, hash, level, customer_id, created_at) VALUES ('tok_1', 'h', 'RESELLER_ADMIN', ?, 0)").run(lower(reseller));
    const session = { callId: 'old@x', sourceCustomerId: lower(child), destinationCustomerId: lower(reseller), sourceRatePlanId: 'abcdefabcdefabcdefabcdef', started: '2025-01-01T00:00:00.000Z' };
    db.prepare(
      `INSERT INTO sessions (call_id, data, started_key, live, source_customer_id, destination_customer_id, created_at)
       VALUES ('old@x', ?, ?, 1, ?, ?, 0)`,
    ).run(JSON.stringify(session), session.started, session.sourceCustomerId, session.destinationCustomerId);
    const { callId: _, ...summary } = session;
    db.prepare("INSERT INTO events (type, call_id, body, created_at) VALUES ('started', 'old@x', ?, 0)").run(
      JSON.stringify({ type: 'started', callId: 'old@x', time: session.started, session: { callId: 'old@x', ...summary } }),
    );
    return db;
  }

  it('upper-cases customers, their parents and tokens', () => {
    const db = previousSchemaDatabase();
    migrate(db);
    expect(db.prepare('SELECT id, parent_reseller FROM customers WHERE id = ?').get(child)).toEqual({ id: child, parent_reseller: reseller });
    expect(db.prepare("SELECT customer_id FROM tokens WHERE id = 'tok_1'").pluck().get()).toBe(reseller);
  });

  it('keeps the upper-case one of customers that differ only in case, else the first created, and sets the others aside', () => {
    const db = previousSchemaDatabase();
    migrate(db);
    expect(db.prepare('SELECT id, name FROM customers ORDER BY id').all()).toEqual([
      { id: child, name: 'child' },
      { id: reseller, name: 'upper second' },
      { id: 'DDDDDDDDDDDDDDDDDDDDDDDD', name: 'first of two' },
    ]);
    expect(db.prepare('SELECT id, name, kept_id FROM customers_merged_by_case ORDER BY id').all()).toEqual([
      { id: 'DDDDDDDDDDDDdddddddddddd', name: 'second of two', kept_id: 'DDDDDDDDDDDDDDDDDDDDDDDD' },
      { id: lower(reseller), name: 'lower first', kept_id: reseller },
    ]);
  });

  it("upper-cases the sessions' ids, in their columns and their JSON, and in the events' summaries", () => {
    const db = previousSchemaDatabase();
    migrate(db);
    const row = db.prepare("SELECT data, source_customer_id, destination_customer_id FROM sessions WHERE call_id = 'old@x'").get() as {
      data: string;
      source_customer_id: string;
      destination_customer_id: string;
    };
    expect(row).toMatchObject({ source_customer_id: child, destination_customer_id: reseller });
    expect(JSON.parse(row.data)).toEqual({
      callId: 'old@x',
      sourceCustomerId: child,
      destinationCustomerId: reseller,
      sourceRatePlanId: 'ABCDEFABCDEFABCDEFABCDEF',
      started: '2025-01-01T00:00:00.000Z',
    });
    const event = JSON.parse(db.prepare('SELECT body FROM events').pluck().get() as string);
    expect(event.session).toMatchObject({ sourceCustomerId: child, destinationCustomerId: reseller });
  });
});
