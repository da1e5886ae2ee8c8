import { describe, expect, it } from 'vitest';
import type { SbcEvent, SessionSummary } from '@sbc/client';
import { FrameBatch } from '../src/live/frame-batch.js';
import { LiveCalls } from '../src/live/live-calls.js';
import { elapsedMs, noFilter, stateOf, type LiveFilter } from '../src/live/row.js';

const customers: Record<string, string> = { AAAAAAAAAAAAAAAAAAAAAAAA: 'Hansen VVS', BBBBBBBBBBBBBBBBBBBBBBBB: 'Riga Logistics' };

function model(clock = { now: 1_000_000 }) {
  return new LiveCalls({ homeCountryCode: '45', lingerMs: 5000, now: () => clock.now, customerName: (id) => customers[id] });
}

let nextId = 1;
function event(type: 'started' | 'answered' | 'ended' | 'terminationRequested', session: SessionSummary): SbcEvent {
  return { id: nextId++, type, callId: session.callId, time: '2026-01-01T12:00:00.000Z', session };
}

const call = (callId: string, extra: Partial<SessionSummary> = {}): SessionSummary => ({
  callId,
  aNumber: '+4570101010',
  bNumber: '+4533333333',
  direction: 'O',
  sbcServer: '2.1.1.3',
  started: '2026-01-01T12:00:00.000Z',
  sourceCustomerId: 'AAAAAAAAAAAAAAAAAAAAAAAA',
  ...extra,
});

const ids = (calls: LiveCalls) => calls.rowsShown().map((row) => row.call.callId);

describe('applying events', () => {
  it('a started call appears ringing and counts as live', () => {
    const calls = model();
    calls.apply(event('started', call('a')));
    expect(ids(calls)).toEqual(['a']);
    expect(stateOf(calls.get('a')!)).toBe('ringing');
    expect(calls.liveCount).toBe(1);
  });

  it('an answered call is shown answered', () => {
    const calls = model();
    calls.apply(event('started', call('a')));
    calls.apply(event('answered', call('a', { answered: '2026-01-01T12:00:05.000Z' })));
    expect(stateOf(calls.get('a')!)).toBe('answered');
    expect(ids(calls)).toEqual(['a']);
  });

  it('an ended call stays shown as ended for the linger time, no longer counted, then leaves', () => {
    const clock = { now: 1_000_000 };
    const calls = model(clock);
    calls.apply(event('started', call('a')));
    calls.apply(event('ended', call('a', { ended: '2026-01-01T12:01:00.000Z' })));
    expect(stateOf(calls.get('a')!)).toBe('ended');
    expect(calls.liveCount).toBe(0);
    expect(calls.nextPurgeAt()).toBe(1_005_000);
    clock.now += 4999;
    calls.purgeEnded();
    expect(ids(calls)).toEqual(['a']);
    clock.now += 1;
    calls.purgeEnded();
    expect(ids(calls)).toEqual([]);
    expect(calls.get('a')).toBeUndefined();
  });

  it('an event after the end changes nothing (a late answer cannot bring a call back)', () => {
    const calls = model();
    calls.apply(event('started', call('a')));
    calls.apply(event('ended', call('a', { ended: '2026-01-01T12:01:00.000Z' })));
    calls.apply(event('answered', call('a', { answered: '2026-01-01T12:00:05.000Z' })));
    expect(stateOf(calls.get('a')!)).toBe('ended');
    expect(calls.liveCount).toBe(0);
  });

  it('the end of a call never seen live is ignored', () => {
    const calls = model();
    calls.apply(event('ended', call('a', { ended: '2026-01-01T12:01:00.000Z' })));
    expect(ids(calls)).toEqual([]);
  });

  it('terminate commands (for SBC nodes) are ignored', () => {
    const calls = model();
    calls.apply({ id: 1, type: 'terminate', callId: 'a', time: '2026-01-01T12:00:00.000Z', sbcServer: '2.1.1.3' });
    expect(ids(calls)).toEqual([]);
  });

  it('a requested end shows from the request until the end event arrives', () => {
    const calls = model();
    calls.apply(event('started', call('a')));
    calls.markEndRequested('a');
    expect(calls.get('a')!.endRequested).toBe(true);
    // An answer event that does not yet carry terminationRequested keeps what this screen asked.
    calls.apply(event('answered', call('a', { answered: '2026-01-01T12:00:05.000Z' })));
    expect(calls.get('a')!.endRequested).toBe(true);
    calls.apply(event('ended', call('a', { ended: '2026-01-01T12:01:00.000Z' })));
    expect(stateOf(calls.get('a')!)).toBe('ended');
  });

  it('an end request that failed is taken back, but not one the API reported', () => {
    const calls = model();
    calls.apply(event('started', call('a')));
    calls.markEndRequested('a');
    calls.markEndRequested('a', false);
    expect(calls.get('a')!.endRequested).toBe(false);
    calls.apply(event('terminationRequested', call('a', { terminationRequested: '2026-01-01T12:00:30.000Z' })));
    calls.markEndRequested('a', false);
    expect(calls.get('a')!.endRequested).toBe(true);
  });

  it('a terminationRequested event marks the row as end requested', () => {
    const calls = model();
    calls.apply(event('started', call('a')));
    calls.apply(event('terminationRequested', call('a', { terminationRequested: '2026-01-01T12:00:30.000Z' })));
    expect(calls.get('a')!.endRequested).toBe(true);
  });

  it('a list snapshot is merged with events that arrived while it was read: the events win', () => {
    const calls = model();
    calls.apply(event('answered', call('a', { answered: '2026-01-01T12:00:05.000Z' })));
    calls.load([call('a'), call('b'), call('c', { ended: '2026-01-01T12:01:00.000Z' })]);
    expect(stateOf(calls.get('a')!)).toBe('answered');
    expect(ids(calls).sort()).toEqual(['a', 'b']);
    expect(calls.liveCount).toBe(2);
  });

  it('the duration counts ringing from the start and talking from the answer', () => {
    const calls = model();
    const started = Date.parse('2026-01-01T12:00:00.000Z');
    calls.apply(event('started', call('a')));
    expect(elapsedMs(calls.get('a')!, started + 7000)).toBe(7000);
    calls.apply(event('answered', call('a', { answered: '2026-01-01T12:00:05.000Z' })));
    expect(elapsedMs(calls.get('a')!, started + 7000)).toBe(2000);
  });
});

describe('filtering', () => {
  const filtered = (filter: Partial<LiveFilter>) => {
    const calls = model();
    calls.load([
      call('dk-out', { aNumber: '+4570101010', bNumber: '+4533333333', direction: 'O' }),
      call('intl-out', { aNumber: '+4570202020', bNumber: '+4622222222', direction: 'O' }),
      call('in', { aNumber: '+4911111111', bNumber: '+4587878787', direction: 'I', sourceCustomerId: undefined, destinationCustomerId: 'BBBBBBBBBBBBBBBBBBBBBBBB' }),
    ]);
    calls.setFilter({ ...noFilter, ...filter });
    return ids(calls).sort();
  };

  it('by a number the A- or B-number contains', () => {
    expect(filtered({ number: '7020' })).toEqual(['intl-out']);
    expect(filtered({ number: '+49' })).toEqual(['in']);
    expect(filtered({ number: '8787' })).toEqual(['in']);
  });

  it('by customer id or name, in any case', () => {
    expect(filtered({ customer: 'riga' })).toEqual(['in']);
    expect(filtered({ customer: 'aaaa' })).toEqual(['dk-out', 'intl-out']);
  });

  it('by direction', () => {
    expect(filtered({ direction: 'I' })).toEqual(['in']);
  });

  it('by international destination, judged by the B-number against the home country code', () => {
    expect(filtered({ international: 'yes' })).toEqual(['intl-out']);
    expect(filtered({ international: 'no' })).toEqual(['dk-out', 'in']);
  });

  it('a call that starts while a filter is set is shown only if it passes', () => {
    const calls = model();
    calls.setFilter({ ...noFilter, direction: 'I' });
    calls.apply(event('started', call('out', { direction: 'O' })));
    calls.apply(event('started', call('in', { direction: 'I' })));
    expect(ids(calls)).toEqual(['in']);
    expect(calls.liveCount).toBe(2);
  });
});

describe('sorting', () => {
  const at = (second: number) => `2026-01-01T12:00:${String(second).padStart(2, '0')}.000Z`;

  it('is newest first by default and keeps its order as calls start and end', () => {
    const calls = model();
    calls.apply(event('started', call('s10', { started: at(10) })));
    calls.apply(event('started', call('s30', { started: at(30) })));
    calls.apply(event('started', call('s20', { started: at(20) })));
    expect(ids(calls)).toEqual(['s30', 's20', 's10']);
  });

  it('by duration, longest first: an answer moves the call to where its talk time puts it', () => {
    const calls = model();
    calls.apply(event('started', call('a', { started: at(0) })));
    calls.apply(event('started', call('b', { started: at(10) })));
    calls.setSort({ key: 'duration', descending: true });
    expect(ids(calls)).toEqual(['a', 'b']);
    calls.apply(event('answered', call('a', { started: at(0), answered: at(20) })));
    expect(ids(calls)).toEqual(['b', 'a']);
  });

  it('by B-number ascending, ties broken by Call-ID so that every row has one place', () => {
    const calls = model();
    calls.load([call('c2', { bNumber: '+452' }), call('c1', { bNumber: '+452' }), call('c3', { bNumber: '+451' })]);
    calls.setSort({ key: 'bNumber', descending: false });
    expect(ids(calls)).toEqual(['c3', 'c1', 'c2']);
  });

  it('by customer name', () => {
    const calls = model();
    calls.load([
      call('riga', { direction: 'I', sourceCustomerId: undefined, destinationCustomerId: 'BBBBBBBBBBBBBBBBBBBBBBBB' }),
      call('hansen', { direction: 'O' }),
    ]);
    calls.setSort({ key: 'customer', descending: false });
    expect(ids(calls)).toEqual(['hansen', 'riga']);
  });

  it('an incrementally kept view equals one sorted from scratch after many random events', () => {
    const calls = model();
    calls.setSort({ key: 'bNumber', descending: true });
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const id = `c${Math.floor(random() * 300)}`;
      const session = call(id, { bNumber: `+45${Math.floor(random() * 50)}`, started: at(Math.floor(random() * 60)) });
      const kind = random();
      if (kind < 0.5) calls.apply(event('started', session));
      else if (kind < 0.8) calls.apply(event('answered', { ...session, answered: at(59) }));
      else calls.apply(event('ended', { ...session, ended: at(59) }));
    }
    const incremental = ids(calls);
    calls.rebuild();
    expect(incremental).toEqual(ids(calls));
    expect(incremental.length).toBeGreaterThan(50);
  });
});

describe('batching per frame', () => {
  it('hands over everything pushed before the frame, once, in order', () => {
    const frames: Array<() => void> = [];
    const batches: number[][] = [];
    const batch = new FrameBatch<number>((run) => frames.push(run), (items) => batches.push(items));
    batch.push(1);
    batch.push(2);
    batch.push(3);
    expect(frames).toHaveLength(1);
    expect(batches).toEqual([]);
    frames.shift()!();
    expect(batches).toEqual([[1, 2, 3]]);
    batch.push(4);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('applying a frame\'s events to the model reports whether the screen must render (a hidden row still changes the count)', () => {
    const calls = model();
    expect(calls.applyAll([event('started', call('a')), event('answered', call('a', { answered: '2026-01-01T12:00:05.000Z' }))])).toBe(true);
    calls.setFilter({ ...noFilter, direction: 'I' });
    expect(calls.applyAll([event('started', call('b', { direction: 'O' }))])).toBe(true);
    expect(calls.applyAll([{ id: 99, type: 'terminate', callId: 'b', time: '2026-01-01T12:00:00.000Z', sbcServer: '2.1.1.3' }])).toBe(false);
  });
});
