import { describe, expect, it } from 'vitest';
import { durationOf, endCallLine, eventLine, sessionTable, stateOf } from '../src/cli/format.js';
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

describe('sessionTable', () => {
  const sessions = [
    session('a-very-long-call-id-that-would-never-fit-on-a-narrow-terminal@192.168.100.100', { sourceCustomerId: '1234567890ABCDEF12345678' }),
    session('short@h', { direction: 'I' }),
  ];

  it('has a header with numbers, direction, state, duration and customer', () => {
    expect(sessionTable(sessions, now).split('\n')[0]?.split(/\s+/)).toEqual(['CALL-ID', 'A-NUMBER', 'B-NUMBER', 'DIR', 'STATE', 'DURATION', 'CUSTOMER']);
  });

  it('fits a narrow terminal by cutting the Call-ID, with an ellipsis', () => {
    const lines = sessionTable(sessions, now, 100).trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(lines[1]).toContain('…');
    expect(lines[1]).toContain('+4580808080');
  });

  it('leaves the customer out on a terminal too narrow for every column', () => {
    const lines = sessionTable(sessions, now, 70).trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(70);
    expect(lines[0]).not.toContain('CUSTOMER');
  });

  it('keeps whole values when no width is given (a pipe, not a terminal)', () => {
    expect(sessionTable(sessions, now)).toContain(sessions[0]?.callId);
  });
});

describe('eventLine', () => {
  it('shows time, id, type, Call-ID and who calls whom', () => {
    const event = sessionEvent(42, 'x@h');
    event.session = { callId: 'x@h', aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O' };
    expect(eventLine(event)).toBe('12:00:00.000  #42  started  x@h  +4581808888 -> +4580808080 O\n');
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
