import { gzipSync } from 'node:zlib';
import type { Contract } from '@sbc/contract';
import { pairKey, type DocumentedPair } from '../spec/matrix.js';
import type { WireRequest } from '../spec/wire-request.js';
import { customers, jsonRequest, sbcNodes, sessions, type PrincipalName } from './world.js';
import type { StoreFault } from './server-under-test.js';

/** How to make the server give one documented answer: a request, who sends it, and whether the store is down. */
export interface Scenario {
  as: PrincipalName | 'no token';
  request: WireRequest;
  /** The store fails while the request runs: with a fault (500), or unreachable (503 `database_unavailable`). */
  storeDown?: StoreFault;
  /** Sent to the rate-limited server, by a token that has just used up its bucket. */
  overRateLimit?: boolean;
}

const get = (target: string): WireRequest => ({ method: 'GET', target, headers: {} });
const id = (callId: string) => encodeURIComponent(callId);
const tooLong = 'x'.repeat(300);
/** A body over the server's 2 MB default limit. */
const overLimit = () => jsonRequest('PUT', '', { name: 'x'.repeat(2 * 1024 * 1024 + 16) });

let counter = 0;
/** A Call-ID no other scenario uses, so that "created" stays "created". */
export const freshCallId = (label: string) => `${label}-${++counter}-${Date.now()}@10.0.0.1`;
const freshCustomerId = () => (0x100000 + ++counter).toString(16).padStart(24, 'e');

/** A request each operation accepts from ADMIN: the base of the generic 401, 403 and 500 scenarios. */
export function acceptedRequest(operationId: string): WireRequest {
  switch (operationId) {
    case 'listSessions':
      return get('/sbc/session?full=true');
    case 'getSession':
      return get(`/sbc/session/${id(sessions.liveOfA)}`);
    case 'endCall':
      return { method: 'DELETE', target: `/sbc/session/${id(sessions.liveOfA)}`, headers: {} };
    case 'reportSession':
      return jsonRequest('PATCH', `/sbc/session/${id(freshCallId('report'))}`, { sbcServer: sbcNodes.a, started: '2026-01-02T10:00:00.000Z' }, 'application/merge-patch+json');
    case 'ingestSessions':
      return jsonRequest('POST', '/sbc/ingest', { sessions: [{ callId: freshCallId('ingest'), sbcServer: sbcNodes.a, started: '2026-01-02T10:00:00.000Z' }] });
    case 'streamEvents':
      return { method: 'GET', target: '/sbc/events', headers: { 'last-event-id': '0' } };
    case 'listCustomers':
      return get('/sbc/customer');
    case 'getCustomer':
      return get(`/sbc/customer/${customers.resellerA}`);
    case 'putCustomer':
      return jsonRequest('PUT', `/sbc/customer/${freshCustomerId()}`, { name: 'New customer', parentReseller: customers.resellerA, features: ['TELE'] });
    case 'getHealth':
      return get('/healthz');
    case 'getReadiness':
      return get('/readyz');
    case 'getMetrics':
      return get('/metrics');
    case 'getOpenApi':
      return get('/openapi.json');
    default:
      throw new Error(`no accepted request known for ${operationId}: add one to scenarios.ts`);
  }
}

/** The scenarios that need more than a generic rule, by `operationId status`. */
const specific: Record<string, () => Scenario> = {
  [pairKey('listSessions', 400)]: () => ({ as: 'ADMIN', request: get('/sbc/session?limit=0') }),
  [pairKey('getSession', 400)]: () => ({ as: 'ADMIN', request: get(`/sbc/session/${tooLong}`) }),
  [pairKey('getSession', 404)]: () => ({ as: 'ADMIN', request: get(`/sbc/session/${id(sessions.unknown)}`) }),
  [pairKey('endCall', 400)]: () => ({ as: 'ADMIN', request: { method: 'DELETE', target: `/sbc/session/${tooLong}`, headers: {} } }),
  [pairKey('endCall', 404)]: () => ({ as: 'ADMIN', request: { method: 'DELETE', target: `/sbc/session/${id(sessions.unknown)}`, headers: {} } }),
  [pairKey('reportSession', 200)]: () => ({
    as: 'SBC',
    request: jsonRequest('PATCH', `/sbc/session/${id(sessions.liveOfA)}`, { answered: '2026-01-01T12:00:07.000Z' }, 'application/merge-patch+json'),
  }),
  [pairKey('reportSession', 201)]: () => ({ as: 'SBC', request: jsonRequest('PATCH', `/sbc/session/${id(freshCallId('sbc'))}`, { started: '2026-01-02T10:00:00.000Z' }) }),
  [pairKey('reportSession', 400)]: () => ({ as: 'ADMIN', request: jsonRequest('PATCH', `/sbc/session/${tooLong}`, { sbcServer: sbcNodes.a }) }),
  [pairKey('reportSession', 409)]: () => ({ as: 'SBC', request: jsonRequest('PATCH', `/sbc/session/${id(sessions.liveOfB)}`, { userName: 'Not mine' }) }),
  [pairKey('reportSession', 413)]: () => ({ as: 'ADMIN', request: { ...overLimit(), method: 'PATCH', target: `/sbc/session/${id(freshCallId('big'))}` } }),
  [pairKey('reportSession', 415)]: () => ({ as: 'ADMIN', request: jsonRequest('PATCH', `/sbc/session/${id(freshCallId('text'))}`, { sbcServer: sbcNodes.a }, 'text/plain') }),
  [pairKey('reportSession', 422)]: () => ({ as: 'ADMIN', request: jsonRequest('PATCH', `/sbc/session/${id(freshCallId('bad'))}`, { started: 'yesterday' }) }),
  [pairKey('ingestSessions', 400)]: () => ({ as: 'ADMIN', request: { ...jsonRequest('POST', '/sbc/ingest', {}), body: Buffer.from('{"sessions": [') } }),
  [pairKey('ingestSessions', 413)]: () => ({ as: 'ADMIN', request: { ...overLimit(), method: 'POST', target: '/sbc/ingest' } }),
  // The other two 415s send the wrong media type; this one the right type, compressed.
  [pairKey('ingestSessions', 415)]: () => {
    const request = jsonRequest('POST', '/sbc/ingest', { sessions: [{ callId: freshCallId('gzip'), sbcServer: sbcNodes.a }] });
    return { as: 'ADMIN', request: { ...request, headers: { ...request.headers, 'content-encoding': 'gzip' }, body: gzipSync(request.body!) } };
  },
  [pairKey('ingestSessions', 422)]: () => ({ as: 'ADMIN', request: jsonRequest('POST', '/sbc/ingest', { sessions: [] }) }),
  [pairKey('streamEvents', 400)]: () => ({ as: 'ADMIN', request: { method: 'GET', target: '/sbc/events', headers: { 'last-event-id': 'yesterday' } } }),
  [pairKey('listCustomers', 400)]: () => ({ as: 'ADMIN', request: get('/sbc/customer?offset=-1') }),
  [pairKey('getCustomer', 400)]: () => ({ as: 'ADMIN', request: get('/sbc/customer/not-hex') }),
  [pairKey('getCustomer', 404)]: () => ({ as: 'ADMIN', request: get(`/sbc/customer/${customers.unknown}`) }),
  [pairKey('putCustomer', 200)]: () => ({ as: 'ADMIN', request: jsonRequest('PUT', `/sbc/customer/${customers.resellerWithoutTele}`, { name: 'Reseller N', features: [] }) }),
  [pairKey('putCustomer', 400)]: () => ({ as: 'ADMIN', request: jsonRequest('PUT', '/sbc/customer/not-hex', { name: 'x' }) }),
  [pairKey('putCustomer', 413)]: () => ({ as: 'ADMIN', request: { ...overLimit(), target: `/sbc/customer/${customers.unknown}` } }),
  [pairKey('putCustomer', 415)]: () => ({ as: 'ADMIN', request: jsonRequest('PUT', `/sbc/customer/${customers.unknown}`, { name: 'x' }, 'text/plain') }),
  [pairKey('putCustomer', 422)]: () => ({ as: 'ADMIN', request: jsonRequest('PUT', `/sbc/customer/${customers.unknown}`, { name: '' }) }),
  [pairKey('getReadiness', 503)]: () => ({ as: 'no token', request: get('/readyz'), storeDown: 'fault' }),
};

/**
 * The scenario for a documented pair: a specific one, or a generic rule (2xx: the accepted request;
 * 401: no token; 403: a level the operation does not allow; 429: over the rate limit; 500: the store fails;
 * 503: the database cannot be reached).
 */
export function scenarioFor(contract: Contract, pair: DocumentedPair): Scenario | undefined {
  const own = specific[pairKey(pair.operationId, pair.status)];
  if (own) return own();
  const op = contract.operation(pair.operationId);
  const accepted = acceptedRequest(pair.operationId);
  const admin = op.requiresToken ? 'ADMIN' : 'no token';
  if (pair.status === '401') return { as: 'no token', request: accepted };
  if (pair.status === '403') return { as: 'VIEWER', request: accepted };
  if (pair.status === '429') return { as: admin, request: accepted, overRateLimit: true };
  if (pair.status === '500') return { as: admin, request: accepted, storeDown: 'fault' };
  if (pair.status === '503') return { as: admin, request: accepted, storeDown: 'unreachable' };
  if (pair.status === '200' || pair.status === '201') return { as: admin, request: accepted };
  return undefined;
}
