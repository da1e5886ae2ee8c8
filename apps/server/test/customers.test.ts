import type { Customer, CustomerList } from '@sbc/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, json, startTestServer, tokenFor } from './helpers.js';

let server: RunningServer;
let admin: string;
const reseller = 'AAAAAAAAAAAAAAAAAAAAAAAA';
const child = 'A1A1A1A1A1A1A1A1A1A1A1A1';
const put = (id: string, body: object, token = admin) => call<Customer>(server, 'putCustomer', `/sbc/customer/${id}`, json(token, body, 'PUT'));

beforeAll(async () => {
  server = await startTestServer();
  admin = await tokenFor(server, 'ADMIN');
});
afterAll(() => server.close());

describe('PUT /sbc/customer/{id}', () => {
  it('creates a customer with 201', async () => {
    const res = await put(reseller, { name: 'Nordic Reseller ApS', features: ['TELE'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: reseller, name: 'Nordic Reseller ApS', features: ['TELE'] });
  });

  it('replaces an existing customer whole with 200', async () => {
    await put(child, { name: 'Hansen', parentReseller: reseller, features: ['TELE'] });
    const res = await put(child, { name: 'Hansen VVS', parentReseller: reseller });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: child, name: 'Hansen VVS', parentReseller: reseller, features: [] });
  });

  it('refuses an unknown parentReseller: 422 parentReseller', async () => {
    const res = await put('B1B1B1B1B1B1B1B1B1B1B1B1', { name: 'Orphan', parentReseller: 'FFFFFFFFFFFFFFFFFFFFFFFF' });
    expect(res.body).toMatchObject({ status: 422, message: 'parentReseller' });
  });

  it('refuses a cycle: 422 parentReseller', async () => {
    const res = await put(reseller, { name: 'Nordic', parentReseller: child });
    expect(res.body).toMatchObject({ status: 422, message: 'parentReseller' });
  });

  it('refuses a body without name: 422 name', async () => {
    expect((await put(child, { features: [] })).body).toMatchObject({ status: 422, message: 'name' });
  });

  it('refuses an id that is not 24 hex characters: 400 id', async () => {
    expect((await put('nope', { name: 'X' })).body).toMatchObject({ status: 400, message: 'id' });
  });

  it('answers 400 bad_request when the id is missing', async () => {
    const res = await call(server, 'getCustomer', '/sbc/customer/', { headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 400, message: 'bad_request', description: 'Customer id not found in request URI' });
  });

  it('is for ADMIN only', async () => {
    const token = await tokenFor(server, 'RESELLER_ADMIN', { customerId: reseller });
    expect((await put(child, { name: 'X' }, token)).status).toBe(403);
  });
});

describe('GET /sbc/customer/{id} and /sbc/customer', () => {
  it('gets a customer', async () => {
    const res = await call<Customer>(server, 'getCustomer', `/sbc/customer/${reseller}`, { headers: bearer(admin) });
    expect(res.body).toMatchObject({ id: reseller, features: ['TELE'] });
  });

  it('answers 404 id for an unknown customer', async () => {
    const res = await call(server, 'getCustomer', '/sbc/customer/ffffffffffffffffffffffff', { headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 404, message: 'id' });
  });

  it('lists customers ordered by id with a total', async () => {
    const res = await call<CustomerList>(server, 'listCustomers', '/sbc/customer?limit=1', { headers: bearer(admin) });
    expect(res.body).toMatchObject({ offset: 0, limit: 1, total: 2 });
    expect(res.body.customers.map((c) => c.id)).toEqual([child]);
  });
});
