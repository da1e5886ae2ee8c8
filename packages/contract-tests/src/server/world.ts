import type { AccessLevel } from '@sbc/server';
import { send } from '../http/send.js';
import { splitTarget, type WireRequest } from '../spec/wire-request.js';
import type { ServerUnderTest } from './server-under-test.js';

/** Two resellers with a customer each, and a reseller without the TELE feature: enough to test scoping. */
export const customers = {
  resellerA: 'AAAAAAAAAAAAAAAAAAAAAAA1',
  customerA1: 'AAAAAAAAAAAAAAAAAAAAAA11',
  resellerB: 'BBBBBBBBBBBBBBBBBBBBBBB1',
  customerB1: 'BBBBBBBBBBBBBBBBBBBBBB11',
  resellerWithoutTele: 'CCCCCCCCCCCCCCCCCCCCCCCC',
  unknown: '0000000000000000000000FF',
} as const;

export const sbcNodes = { a: '10.0.0.1', b: '10.0.0.2' } as const;

/** Sessions that exist from the start: one live call of each reseller's customer, one ended call of A's. */
export const sessions = {
  liveOfA: 'live-a@10.0.0.1',
  liveOfB: 'live-b@10.0.0.2',
  endedOfA: 'ended-a@10.0.0.1',
  unknown: 'nobody-has-this@10.9.9.9',
} as const;

/** Who may present a token: each operator level, reseller administrators with and without TELE, an SBC node. */
export type PrincipalName =
  | Exclude<AccessLevel, 'RESELLER_ADMIN' | 'SBC'>
  | 'RESELLER_ADMIN of A'
  | 'RESELLER_ADMIN of B'
  | 'RESELLER_ADMIN without TELE'
  | 'SBC';

/** Credentials that fail, each its own way. */
export type BadCredentialName = 'no token' | 'unknown token' | 'expired token' | 'revoked token';

export type Presentation = 'Authorization: Bearer' | 'X-API-Key' | '?token=';
export const presentations: readonly Presentation[] = ['Authorization: Bearer', 'X-API-Key', '?token='];

export interface World {
  tokens: Record<PrincipalName, string> & Record<Exclude<BadCredentialName, 'no token'>, string>;
  /** A request with a token presented one of the three ways. */
  as(name: PrincipalName | BadCredentialName, request: WireRequest, presentation?: Presentation): WireRequest;
  /** A request with a new ADMIN token, one the server has not seen (so not cached: checking it reads the store). */
  asNewAdmin(request: WireRequest): Promise<WireRequest>;
  /** Everything stored (sessions, customers, events), read from the store: what a refused request must leave as it was. */
  snapshot(): Promise<string>;
}

/** Fills a fresh server with the customers, tokens and sessions above. */
export async function buildWorld(sut: ServerUnderTest): Promise<World> {
  const { store } = sut.server;
  await store.putCustomer({ id: customers.resellerA, name: 'Reseller A', features: ['TELE'] });
  await store.putCustomer({ id: customers.customerA1, name: 'Customer A1', parentReseller: customers.resellerA, features: [] });
  await store.putCustomer({ id: customers.resellerB, name: 'Reseller B', features: ['TELE'] });
  await store.putCustomer({ id: customers.customerB1, name: 'Customer B1', parentReseller: customers.resellerB, features: [] });
  await store.putCustomer({ id: customers.resellerWithoutTele, name: 'Reseller N', features: [] });

  const token = async (level: AccessLevel, extra: { customerId?: string; sbcServer?: string; expiresAt?: Date } = {}) =>
    (await store.createToken({ level, name: `contract ${level}`, ...extra })).token;
  const revoked = await token('ADMIN');
  await store.revokeToken(revoked);
  const tokens: World['tokens'] = {
    NO_LOGIN: await token('NO_LOGIN', { customerId: customers.customerA1 }),
    PERSONAL: await token('PERSONAL', { customerId: customers.customerA1 }),
    VIEWER: await token('VIEWER', { customerId: customers.customerA1 }),
    MANAGER: await token('MANAGER', { customerId: customers.customerA1 }),
    OWNER: await token('OWNER', { customerId: customers.customerA1 }),
    RESELLER: await token('RESELLER', { customerId: customers.resellerA }),
    'RESELLER_ADMIN of A': await token('RESELLER_ADMIN', { customerId: customers.resellerA }),
    'RESELLER_ADMIN of B': await token('RESELLER_ADMIN', { customerId: customers.resellerB }),
    'RESELLER_ADMIN without TELE': await token('RESELLER_ADMIN', { customerId: customers.resellerWithoutTele }),
    ADMIN: await token('ADMIN'),
    SBC: await token('SBC', { sbcServer: sbcNodes.a }),
    'unknown token': 'not-a-token-of-this-server',
    'expired token': await token('ADMIN', { expiresAt: new Date(Date.now() - 60_000) }),
    'revoked token': revoked,
  };

  const as: World['as'] = (name, request, presentation = 'Authorization: Bearer') => {
    if (name === 'no token') return request;
    const secret = tokens[name];
    if (presentation === 'Authorization: Bearer') return { ...request, headers: { ...request.headers, authorization: `Bearer ${secret}` } };
    if (presentation === 'X-API-Key') return { ...request, headers: { ...request.headers, 'x-api-key': secret } };
    const { path, query } = splitTarget(request.target);
    return { ...request, target: `${path}?${query ? `${query}&` : ''}token=${encodeURIComponent(secret)}` };
  };

  const ingest = as('ADMIN', jsonRequest('POST', '/sbc/ingest', {
    sessions: [
      { callId: sessions.liveOfA, sbcServer: sbcNodes.a, aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O', started: '2026-01-01T12:00:00.000Z', sourceCustomerId: customers.customerA1 },
      { callId: sessions.liveOfB, sbcServer: sbcNodes.b, aNumber: '+4670000001', bNumber: '+4670000002', direction: 'I', started: '2026-01-01T12:01:00.000Z', sourceCustomerId: customers.customerB1 },
      { callId: sessions.endedOfA, sbcServer: sbcNodes.a, aNumber: '+4581808889', bNumber: '+4915100000', direction: 'O', started: '2026-01-01T11:00:00.000Z', answered: '2026-01-01T11:00:05.000Z', ended: '2026-01-01T11:05:00.000Z', endedReason: 'BYE', endedBy: 'A', sourceCustomerId: customers.customerA1 },
    ],
  }));
  const seeded = await send(sut.url, ingest);
  if (seeded.status !== 200) throw new Error(`could not seed sessions: ${seeded.status} ${seeded.body.toString('utf8')}`);

  return {
    tokens,
    as,
    async asNewAdmin(request) {
      const secret = await token('ADMIN');
      return { ...request, headers: { ...request.headers, authorization: `Bearer ${secret}` } };
    },
    async snapshot() {
      // Read from the store itself: cheap enough to take around every refused request.
      const everything = { offset: 0, limit: Number.MAX_SAFE_INTEGER, homeCountryCode: '45' };
      const stored = await store.listSessions(everything, { all: true });
      const known = await store.listCustomers(0, Number.MAX_SAFE_INTEGER);
      const events = await store.eventsAfter(0, Number.MAX_SAFE_INTEGER);
      return JSON.stringify([stored, known, events.length, events.at(-1)?.id]);
    },
  };
}

export function jsonRequest(method: string, target: string, body: unknown, contentType = 'application/json'): WireRequest {
  return { method, target, headers: { 'content-type': contentType }, body: Buffer.from(JSON.stringify(body)) };
}
