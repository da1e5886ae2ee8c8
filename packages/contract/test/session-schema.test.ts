import { describe, expect, it } from 'vitest';
import { loadContract, seedSessionExample } from '../src/index.js';

const contract = loadContract();
const getSession = contract.operation('getSession');
const seedExample = seedSessionExample;

const check = (session: unknown) => getSession.validateResponse(200, 'application/json', session);

describe('the Session schema', () => {
  it('accepts the seed page example, with its numbers as numbers', () => {
    expect(check(seedExample)).toBeNull();
    expect(seedExample.aNumberPrivacy).toBe(0);
    expect(seedExample.rtpProxyId).toBe(1);
    expect(seedExample.mobileOriginated).toBe(1);
  });

  it("describes all 31 properties of the seed page, and this API's terminationRequested", () => {
    const session = contract.document.components.schemas['Session'] as { properties: Record<string, unknown> };
    expect(Object.keys(session.properties)).toHaveLength(32);
    expect(Object.keys(session.properties)).toContain('terminationRequested');
  });

  it('needs nothing but callId', () => {
    expect(check({ callId: 'a@b' })).toBeNull();
    expect(check({})).toEqual({ field: 'callId', description: 'callId is required' });
  });

  it('rejects aNumberPrivacy sent as a string, naming the field', () => {
    expect(check({ ...seedExample, aNumberPrivacy: '0' })).toEqual({
      field: 'aNumberPrivacy',
      description: 'aNumberPrivacy must be integer',
    });
  });

  it('rejects an unknown direction and lists the allowed ones', () => {
    expect(check({ ...seedExample, direction: 'X' })).toEqual({
      field: 'direction',
      description: 'direction must be one of I, O',
    });
  });

  it.each(['yesterday', '2014-01-01', '2014-01-01T12:00:00Z', '2014-13-01T12:00:00.000Z'])(
    'rejects the date %s in started',
    (started) => {
      expect(check({ ...seedExample, started })).toMatchObject({ field: 'started' });
    },
  );

  it('omits empty values rather than sending them: "" and null are invalid', () => {
    expect(check({ ...seedExample, divertedBy: '' })).toMatchObject({ field: 'divertedBy' });
    expect(check({ ...seedExample, mvno: null })).toMatchObject({ field: 'mvno' });
  });

  it.each(['+4581808888', 'anonymous'])('accepts %s as an A-number', (aNumber) => {
    expect(check({ callId: 'x', aNumber })).toBeNull();
  });

  it.each(['4581808888', '+0123', '+1234567890123456', 'Anonymous'])('rejects %s as an A-number', (aNumber) => {
    expect(check({ callId: 'x', aNumber })).toMatchObject({ field: 'aNumber' });
  });

  it.each(['BYE', 'CANCEL', '486', '503', '603', 'BLOCKED', 'BLACKLISTED', 'FRAUD', 'TIMEOUT'])(
    'accepts %s as endedReason',
    (endedReason) => {
      expect(check({ callId: 'x', endedReason })).toBeNull();
    },
  );

  it.each(['200', '700', 'BYE ', 'bye'])('rejects %s as endedReason', (endedReason) => {
    expect(check({ callId: 'x', endedReason })).toMatchObject({ field: 'endedReason' });
  });

  it('accepts IPv6 addresses for SBC, source and destination', () => {
    expect(check({ callId: 'x', sbcServer: '2001:db8::1', sourceIP: '::1' })).toBeNull();
    expect(check({ callId: 'x', sbcServer: '300.1.1.1' })).toMatchObject({ field: 'sbcServer' });
  });

  it('rejects properties the seed does not have', () => {
    expect(check({ ...seedExample, price: 1 })).toEqual({ field: 'price', description: 'price is not a known property' });
  });
});
