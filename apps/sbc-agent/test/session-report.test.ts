import { describe, expect, it } from 'vitest';
import { parseDialogEvent, type CallStarted } from '../src/dialog-event.js';
import { endedBySystem, kamailioTime, toSessionReport } from '../src/session-report.js';

const context = { sbcServer: '10.0.0.5', homeCountryCode: '45' };

const invite: CallStarted = {
  event: 'start',
  callId: 'a84b4c76e66710@pc33.example.com',
  time: '1700000000.123456',
  from: 'sip:+4581808888@10.1.1.1',
  to: 'sip:+4580808080@10.0.0.5',
  requestUri: 'sip:+4580808080@10.2.2.2:5060',
  sourceIp: '10.1.1.1',
  destinationIp: '10.2.2.2',
  direction: 'O',
};

function started(overrides: Partial<CallStarted>) {
  return toSessionReport({ ...invite, ...overrides }, context)!;
}

describe('the INVITE (call start)', () => {
  it('reports the Call-ID, this node as sbcServer and when the INVITE arrived', () => {
    expect(started({})).toMatchObject({
      callId: 'a84b4c76e66710@pc33.example.com',
      sbcServer: '10.0.0.5',
      started: '2023-11-14T22:13:20.123Z',
    });
  });

  it('takes the caller from From and the callee from To, as E.164', () => {
    expect(started({})).toMatchObject({ aNumber: '+4581808888', bNumber: '+4580808080', aNumberPrivacy: 0 });
  });

  it('prefers the network-asserted P-Asserted-Identity over From for the caller', () => {
    expect(started({ from: 'sip:211@pbx.local', pAssertedIdentity: '"Per" <sip:+4581808889@10.1.1.1>' }).aNumber).toBe('+4581808889');
  });

  it('keeps the asserted number but flags privacy when the caller asked to hide it (Privacy: id)', () => {
    const report = started({ from: 'sip:anonymous@anonymous.invalid', pAssertedIdentity: '<sip:+4581808888@10.1.1.1>', privacy: 'id' });
    expect(report).toMatchObject({ aNumber: '+4581808888', aNumberPrivacy: 1 });
  });

  it('reports an anonymous caller with no asserted number as anonymous, privacy 1', () => {
    expect(started({ from: '"Anonymous" <sip:anonymous@anonymous.invalid>' })).toMatchObject({ aNumber: 'anonymous', aNumberPrivacy: 1 });
  });

  it('completes national numbers with the home country code and reads 00 as international', () => {
    expect(started({ from: 'sip:81808888@10.1.1.1', to: 'sip:004930123456@10.0.0.5' })).toMatchObject({
      aNumber: '+4581808888',
      bNumber: '+4930123456',
    });
  });

  it('reads tel: URIs and ignores visual separators', () => {
    expect(started({ to: '<tel:+45-80-80-80-80>' }).bNumber).toBe('+4580808080');
  });

  it('falls back to the Request-URI for the callee when To holds no number', () => {
    expect(started({ to: 'sip:reception@example.com' }).bNumber).toBe('+4580808080');
  });

  it('maps the first Diversion to divertedBy', () => {
    const diversion = '<sip:+4570303030@10.1.1.1>;reason=unconditional, <sip:+4570303031@10.1.1.1>;reason=busy';
    expect(started({ diversion }).divertedBy).toBe('+4570303030');
  });

  it('omits divertedBy when the call was not diverted', () => {
    expect(started({})).not.toHaveProperty('divertedBy');
  });

  it('reports the source and destination IPs and the direction Kamailio decided', () => {
    expect(started({ direction: 'I' })).toMatchObject({ sourceIP: '10.1.1.1', destinationIP: '10.2.2.2', direction: 'I' });
  });

  it('omits a destination that is a host name rather than an IP', () => {
    expect(started({ destinationIp: 'gw.example.com' })).not.toHaveProperty('destinationIP');
  });

  it('maps X-MO: 1 to mobileOriginated 1, and its absence to 0', () => {
    expect(started({ mobileOriginated: '1' }).mobileOriginated).toBe(1);
    expect(started({}).mobileOriginated).toBe(0);
  });

  it('reports the User-Agent of the caller, cut to the contract limit of 512', () => {
    expect(started({ userAgent: 'myPBX 12.3beta7' }).userAgent).toBe('myPBX 12.3beta7');
    expect(started({ userAgent: 'x'.repeat(600) }).userAgent).toHaveLength(512);
  });
});

describe('the 200 OK (answer)', () => {
  it('reports answered at the time the dialog was confirmed', () => {
    expect(toSessionReport({ event: 'answer', callId: 'c1', time: '1700000005.000999' }, context)).toEqual({
      callId: 'c1',
      sbcServer: '10.0.0.5',
      answered: '2023-11-14T22:13:25.000Z',
    });
  });
});

describe('the end of a call', () => {
  const end = (reason: string, by: string) => toSessionReport({ event: 'end', callId: 'c1', time: '1700000060.5', reason, by }, context);

  it('a BYE from the caller ends it with endedReason BYE and endedBy A', () => {
    expect(end('BYE', 'A')).toEqual({ callId: 'c1', sbcServer: '10.0.0.5', ended: '2023-11-14T22:14:20.500Z', endedReason: 'BYE', endedBy: 'A' });
  });

  it('a BYE from the callee ends it with endedBy B', () => {
    expect(end('BYE', 'B')).toMatchObject({ endedReason: 'BYE', endedBy: 'B' });
  });

  it('a CANCEL from the caller ends it with endedReason CANCEL and endedBy A', () => {
    expect(end('CANCEL', 'A')).toMatchObject({ endedReason: 'CANCEL', endedBy: 'A' });
  });

  it('a final error reply ends it with the SIP code as endedReason', () => {
    expect(end('486', 'B')).toMatchObject({ endedReason: '486', endedBy: 'B' });
  });

  it('a reason outside the contract is left out rather than sent', () => {
    expect(end('302', 'B')).not.toHaveProperty('endedReason');
  });

  it('an end requested through the API is reported with endedBy S', () => {
    expect(endedBySystem('c1', context, new Date('2024-01-01T00:00:00.000Z'), 'BYE')).toEqual({
      callId: 'c1',
      sbcServer: '10.0.0.5',
      ended: '2024-01-01T00:00:00.000Z',
      endedBy: 'S',
      endedReason: 'BYE',
    });
  });
});

describe('messages from Kamailio', () => {
  it('converts $TV(Sn) to a millisecond UTC timestamp', () => {
    expect(kamailioTime('1700000000.9')).toBe('2023-11-14T22:13:20.900Z');
    expect(kamailioTime('1700000000')).toBe('2023-11-14T22:13:20.000Z');
  });

  it('drops an event whose time cannot be read', () => {
    expect(toSessionReport({ event: 'answer', callId: 'c1', time: 'yesterday' }, context)).toBeUndefined();
  });

  it('accepts a relayed JSON dialog event and refuses anything else', () => {
    expect(parseDialogEvent('{"event":"answer","callId":"c1","time":"1.0"}')).toEqual({ event: 'answer', callId: 'c1', time: '1.0' });
    expect(parseDialogEvent('not json')).toBeUndefined();
    expect(parseDialogEvent('{"event":"reboot","callId":"c1","time":"1.0"}')).toBeUndefined();
    expect(parseDialogEvent('{"event":"end","callId":"c1","time":"1.0"}')).toBeUndefined();
    expect(parseDialogEvent('{"event":"answer","callId":"","time":"1.0"}')).toBeUndefined();
  });
});

describe('the contract', () => {
  it('accepts every report the mapping produces as a POST /sbc/ingest body', async () => {
    const { loadContract } = await import('@sbc/contract');
    const ingest = loadContract().operation('ingestSessions');
    const reports = [
      started({ pAssertedIdentity: '<sip:+4581808888@10.1.1.1>', privacy: 'id', diversion: '<sip:+4570303030@x>', userAgent: 'ua', mobileOriginated: '1' }),
      started({ from: 'sip:anonymous@anonymous.invalid', to: 'sip:nobody@example.com', requestUri: 'sip:nobody@example.com' }),
      toSessionReport({ event: 'answer', callId: 'c1', time: '1700000005.0' }, context)!,
      toSessionReport({ event: 'end', callId: 'c1', time: '1700000006.0', reason: '603', by: 'B' }, context)!,
      endedBySystem('c1', context, new Date()),
    ];
    expect(ingest.validateBody('application/json', { sessions: reports })).toBeNull();
  });
});
