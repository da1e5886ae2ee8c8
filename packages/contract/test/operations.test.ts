import { describe, expect, it } from 'vitest';
import { accessLevels, loadContract } from '../src/index.js';

const contract = loadContract();

describe('the operations of the contract', () => {
  it('has every operation of the product, each with an access level', () => {
    expect([...contract.operations.keys()].sort()).toEqual(
      [
        'endCall',
        'getCustomer',
        'getHealth',
        'getMetrics',
        'getOpenApi',
        'getReadiness',
        'getSession',
        'getTrafficStats',
        'ingestSessions',
        'listCustomers',
        'listSessions',
        'putCustomer',
        'reportSession',
        'streamEvents',
        'whoAmI',
      ].sort(),
    );
    for (const op of contract.operations.values()) expect(op.accessLevels.length).toBeGreaterThan(0);
  });

  it('names in x-access-level only levels of the AccessLevel schema, each bare or with a Feature', () => {
    const isFeature = contract.schema('Feature');
    for (const op of contract.operations.values()) {
      for (const entry of op.accessLevels) {
        const [level, feature, ...rest] = entry.split('+');
        expect({ op: op.operationId, entry, known: accessLevels.includes(level as never) && (feature === undefined || isFeature(feature) === null) && rest.length === 0 }).toMatchObject({ known: true });
      }
    }
  });

  it('reproduces the seed error table on get, list and end', () => {
    for (const id of ['getSession', 'endCall']) {
      expect(contract.operation(id).responseStatuses).toEqual(expect.arrayContaining(['400', '403', '404', '500']));
    }
    expect(contract.operation('listSessions').responseStatuses).toEqual(expect.arrayContaining(['400', '403', '500']));
  });

  it('lets the probes through without a token and nothing else', () => {
    const open = [...contract.operations.values()].filter((op) => !op.requiresToken).map((op) => op.operationId);
    expect(open.sort()).toEqual(['getHealth', 'getMetrics', 'getOpenApi', 'getReadiness']);
  });
});

describe('list query parameters', () => {
  const list = contract.operation('listSessions');

  it('fills the documented defaults', () => {
    expect(list.parseParameters('query', {})).toEqual({ value: { offset: 0, limit: 100, full: false } });
  });

  it('coerces numbers and booleans from the query string', () => {
    expect(list.parseParameters('query', { limit: '5', live: 'true', international: 'false' })).toEqual({
      value: { offset: 0, limit: 5, full: false, live: true, international: false },
    });
  });

  it.each(['0', '1001', '-1', 'ten', '1.5'])('refuses limit=%s instead of changing it', (limit) => {
    expect(list.parseParameters('query', { limit })).toMatchObject({ issue: { field: 'limit' } });
  });

  it('accepts the leading space an unencoded + decodes to', () => {
    expect(list.parseParameters('query', { number: ' 4570' })).toMatchObject({ value: { number: ' 4570' } });
  });

  it('names an unknown parameter', () => {
    expect(list.parseParameters('query', { lmit: '5' })).toEqual({
      issue: { field: 'lmit', description: 'lmit is not a known property' },
    });
  });

  it('quotes a long unknown or repeated parameter name shortened, within the Error schema', () => {
    const name = 'x'.repeat(10_000);
    for (const raw of [{ [name]: '1' }, { [name]: ['1', '2'] }]) {
      const parsed = list.parseParameters('query', raw);
      if (!('issue' in parsed)) throw new Error('a long unknown name was accepted');
      expect(parsed.issue.field).toBe('x'.repeat(64));
      expect(list.validateResponse(400, 'application/json', { status: 400, message: parsed.issue.field, description: parsed.issue.description })).toBeNull();
    }
  });

  it('refuses a parameter given twice', () => {
    expect(list.parseParameters('query', { limit: ['1', '2'] })).toMatchObject({ issue: { field: 'limit' } });
  });

  it.each(['0x10', '1e2', ' 16', '16 ', '+16', ''])('refuses limit=%j, which is not written in decimal digits', (limit) => {
    expect(list.parseParameters('query', { limit })).toEqual({ issue: { field: 'limit', description: 'limit must be an integer in decimal digits' } });
  });

  it('names __proto__ as an unknown parameter like any other', () => {
    const raw = Object.assign(Object.create(null) as Record<string, string>, { ['__proto__']: '1' });
    expect(list.parseParameters('query', raw)).toEqual({ issue: { field: '__proto__', description: '__proto__ is not a known property' } });
  });

  it('leaves the token credential to authentication', () => {
    expect(list.parseParameters('query', { token: 'secret' }, ['token'])).toMatchObject({ value: {} });
  });
});

describe('event stream parameters', () => {
  const events = contract.operation('streamEvents');

  it('splits comma-separated event types', () => {
    expect(events.parseParameters('query', { types: 'started,ended' })).toEqual({ value: { types: ['started', 'ended'] } });
  });

  it('names an unknown event type', () => {
    expect(events.parseParameters('query', { types: 'started,rung' })).toMatchObject({ issue: { field: 'types' } });
  });

  it('refuses a Last-Event-ID that is not an event id, naming the header as the contract does', () => {
    const parsed = events.parseParameters('header', { 'last-event-id': 'abc' });
    expect(parsed).toMatchObject({ issue: { field: 'Last-Event-ID' } });
    expect('issue' in parsed && parsed.issue.description).toMatch(/^Last-Event-ID must match pattern/);
  });
});

describe('ingest bodies', () => {
  it('names the first offending report and field of a batch', () => {
    expect(
      contract.operation('ingestSessions').validateBody('application/json', {
        sessions: [{ callId: 'a' }, { callId: 'b', bogus: 1 }],
      }),
    ).toEqual({ field: 'sessions', description: 'sessions[1].bogus is not a known property' });
  });

  it('refuses a batch of more than 1000 reports', () => {
    const sessions = Array.from({ length: 1001 }, (_, i) => ({ callId: `c${i}` }));
    expect(contract.operation('ingestSessions').validateBody('application/json', { sessions })).toMatchObject({
      field: 'sessions',
    });
  });

  it('quotes a long unknown field name shortened, within the Error schema', () => {
    const put = contract.operation('putCustomer');
    const issue = put.validateBody('application/json', { name: 'Hansen VVS', ['y'.repeat(1_000_000)]: 1 });
    expect(issue).toMatchObject({ field: 'y'.repeat(64), description: `${'y'.repeat(64)}... is not a known property` });
    expect(put.validateResponse(422, 'application/json', { status: 422, message: issue!.field, description: issue!.description })).toBeNull();
  });

  it('requires callId in a batch report but not in a PATCH', () => {
    expect(contract.schema('IngestReport')({ aNumber: '+4512345678' })).toMatchObject({ field: 'callId' });
    expect(contract.operation('reportSession').validateBody('application/merge-patch+json', { aNumber: '+4512345678' })).toBeNull();
  });

  it('refuses a Call-ID with a lone UTF-16 surrogate, which no URL could name again', () => {
    expect(contract.operation('ingestSessions').validateBody('application/json', { sessions: [{ callId: 'ok@x' }, { callId: 'a\ud800b@x' }] })).toEqual({
      field: 'sessions',
      description: 'sessions[1].callId holds a lone UTF-16 surrogate: it is not valid Unicode text',
    });
    expect(contract.operation('reportSession').validateBody('application/json', { userName: '\udc00' })).toMatchObject({ field: 'userName' });
  });

  it('accepts characters outside the Basic Multilingual Plane, whose surrogates come in pairs', () => {
    expect(contract.operation('ingestSessions').validateBody('application/json', { sessions: [{ callId: '\u{1F4DE}@x' }] })).toBeNull();
  });

  it('refuses null, which would mean "remove" in a merge patch', () => {
    expect(contract.operation('reportSession').validateBody('application/merge-patch+json', { ended: null })).toMatchObject({
      field: 'ended',
    });
  });
});

describe('responses', () => {
  const get = contract.operation('getSession');

  it('refuses an undocumented status', () => {
    expect(get.validateResponse(418, 'application/json', {})).toMatchObject({ description: expect.stringContaining('418') });
  });

  it('refuses an undocumented media type', () => {
    expect(get.validateResponse(200, 'text/html', '<p>')).toMatchObject({ description: expect.stringContaining('text/html') });
  });

  it('checks error bodies against the shared Error schema', () => {
    expect(get.validateResponse(404, 'application/json; charset=utf-8', { status: 404, message: 'id', description: 'Session not found' })).toBeNull();
    expect(get.validateResponse(404, 'application/json', { error: 'nope' })).not.toBeNull();
  });
});
