import { describe, expect, it } from 'vitest';
import { durationOf, endCallLine, eventLine, localTime, ringTime, sessionTable, stateOf, talkTime } from '../src/cli/format.js';
import { endCallResult, session, sessionEvent } from './support/sessions.js';

const now = new Date('2026-01-01T12:10:00.000Z');

describe('session state and duration', () => {
  it('a call not yet answered is ringing, timed from its start', () => {
    const s = session('a@b');
    expect([stateOf(s), durationOf(s, now)]).toEqual(['ringing', '0:10:00']);
  });

  it('an answered call is timed from its answer', () => {
    const s = session('a@b', { answered: '2026-01-01T12:00:30.000Z' });
    expect([stateOf(s), durationOf(s, now)]).toEqual(['answered', '0:09:30']);
  });

  it('a live call whose end was requested says so', () => {
    const s = session('a@b', { answered: '2026-01-01T12:00:30.000Z', terminationRequested: '2026-01-01T12:05:00.000Z' });
    expect(stateOf(s)).toBe('answered, end requested');
  });

  it('an ended call shows its reason and its length', () => {
    const s = session('a@b', { answered: '2026-01-01T12:00:00.000Z', ended: '2026-01-01T13:02:03.000Z', endedReason: 'BYE' });
    expect([stateOf(s), durationOf(s, now)]).toEqual(['ended BYE', '1:02:03']);
  });
});

describe('ring and talk time', () => {
  it('a ringing call rings until now and has no talk time', () => {
    const s = session('a@b');
    expect([ringTime(s, now), talkTime(s, now)]).toEqual(['0:10:00', '']);
  });

  it('an answered call rang until its answer and talks until now', () => {
    const s = session('a@b', { answered: '2026-01-01T12:00:30.000Z' });
    expect([ringTime(s, now), talkTime(s, now)]).toEqual(['0:00:30', '0:09:30']);
  });

  it('a call never answered rang until its end', () => {
    const s = session('a@b', { ended: '2026-01-01T12:00:20.000Z', endedReason: 'CANCEL' });
    expect([ringTime(s, now), talkTime(s, now)]).toEqual(['0:00:20', '']);
  });
});

describe('localTime', () => {
  it('shows date and time in the zone given, with its offset', () => {
    const copenhagen = localTime('Europe/Copenhagen');
    expect(copenhagen.zone).toBe('Europe/Copenhagen');
    expect(copenhagen.dateTime('2026-01-01T23:30:00.000Z')).toBe('2026-01-02 00:30:00');
    expect(copenhagen.precise('2026-07-01T12:00:00.123Z')).toBe('2026-07-01 14:00:00.123 +02:00');
  });

  it('takes TZ with glibc\'s leading colon, and shows UTC as +00:00', () => {
    expect(localTime(':UTC').precise('2026-01-01T12:00:00.000Z')).toBe('2026-01-01 12:00:00.000 +00:00');
  });
});

describe('sessionTable', () => {
  const utc = localTime('UTC');
  const sessions = [
    session('a-very-long-call-id-that-would-never-fit-on-a-narrow-terminal@192.168.100.100', { sourceCustomerId: '1234567890ABCDEF12345678' }),
    session('short@h', { direction: 'I' }),
  ];

  it('has a header with start, numbers, direction, state, ring and talk time and customer', () => {
    expect(sessionTable(sessions, now, undefined, utc).split('\n')[0]?.split(/\s+/)).toEqual([
      'CALL-ID',
      'STARTED',
      'A-NUMBER',
      'B-NUMBER',
      'DIR',
      'STATE',
      'RING',
      'TALK',
      'CUSTOMER',
    ]);
  });

  it('shows when each call started, in the zone given', () => {
    expect(sessionTable(sessions, now, undefined, localTime('Europe/Copenhagen')).split('\n')[2]).toMatch(/^short@h\s+2026-01-01 13:00:00\s/);
  });

  it('fits a narrow terminal by cutting other columns, never the Call-ID', () => {
    const narrow = [session('call-id-of-forty-characters@192.168.1.10', { sourceCustomerId: '1234567890ABCDEF12345678' })];
    const lines = sessionTable(narrow, now, 90, utc).trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(90);
    expect(lines[1]).toMatch(/^call-id-of-forty-characters@192\.168\.1\.10\s/);
    expect(lines[1]).toContain('…');
  });

  it('leaves the customer out, then the start, on a terminal too narrow for every column', () => {
    const lines = sessionTable(sessions, now, 70, utc).trimEnd().split('\n');
    expect(lines[0]).not.toContain('CUSTOMER');
    expect(lines[0]).not.toContain('STARTED');
    expect(lines[1]).toContain(sessions[0]?.callId);
  });

  it('keeps whole values when no width is given (a pipe, not a terminal)', () => {
    expect(sessionTable(sessions, now)).toContain(sessions[0]?.callId);
  });
});

describe('eventLine', () => {
  it('shows date, time and offset, id, type, Call-ID and who calls whom', () => {
    const event = sessionEvent(42, 'x@h');
    event.session = { callId: 'x@h', aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O' };
    expect(eventLine(event, localTime('Europe/Copenhagen'))).toBe('2026-01-01 13:00:00.000 +01:00  #42  started  x@h  +4581808888 -> +4580808080 O\n');
  });

  it('says why a call ended and who ended it', () => {
    const event = sessionEvent(43, 'x@h', 'ended');
    event.session = { callId: 'x@h', aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O', endedReason: 'BYE', endedBy: 'B' };
    expect(eventLine(event, localTime('UTC'))).toBe('2026-01-01 12:00:00.000 +00:00  #43  ended  x@h  +4581808888 -> +4580808080 O  BYE  by the callee (B)\n');
  });
});

describe('endCallLine', () => {
  it('a new request names the SBC that is told to hang up', () => {
    expect(endCallLine(endCallResult('a@b'))).toBe('end of call requested: a@b (SBC 2.1.1.3 is told to hang up)\n');
  });

  it('a repeated request says when the end was first requested and that the SBC has not confirmed it', () => {
    expect(endCallLine(endCallResult('a@b', 'alreadyRequested'))).toBe(
      'end of call already requested at 2026-01-01T12:05:00.000Z, not yet confirmed by SBC 2.1.1.3: a@b\n',
    );
  });

  it('an ended call says when, why and by whom it ended', () => {
    const result = endCallResult('a@b', 'alreadyEnded', { ended: '2026-01-01T12:06:00.000Z', endedReason: 'BYE', endedBy: 'S' });
    expect(endCallLine(result)).toBe('call already ended at 2026-01-01T12:06:00.000Z (BYE, by the system): a@b\n');
  });

  it('an ended call with no reason or party says only when', () => {
    const result = endCallResult('a@b', 'alreadyEnded', { ended: '2026-01-01T12:06:00.000Z' });
    expect(endCallLine(result)).toBe('call already ended at 2026-01-01T12:06:00.000Z: a@b\n');
  });
});
