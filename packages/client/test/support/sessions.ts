// Sessions and events for the fake's replies, shaped as the contract documents them.
import type { EndCallResult, Session, SessionEvent, SessionList } from '../../src/index.js';

export function session(callId: string, extra: Partial<Session> = {}): Session {
  return {
    callId,
    aNumber: '+4581808888',
    bNumber: '+4580808080',
    direction: 'O',
    sbcServer: '2.1.1.3',
    started: '2026-01-01T12:00:00.000Z',
    ...extra,
  };
}

export function page(sessions: Session[], offset: number, limit: number, total: number): SessionList {
  return { offset, limit, total, sessions };
}

export function sessionEvent(id: number, callId = `call-${id}@10.0.0.1`, type: SessionEvent['type'] = 'started'): SessionEvent {
  return { id, type, callId, time: '2026-01-01T12:00:00.000Z', session: { callId, started: '2026-01-01T12:00:00.000Z' } };
}

export function endCallResult(callId: string, outcome: EndCallResult['outcome'] = 'requested', extra: Partial<Session> = {}): EndCallResult {
  return { success: true, outcome, session: { ...session(callId, { terminationRequested: '2026-01-01T12:05:00.000Z' }), ...extra } };
}
