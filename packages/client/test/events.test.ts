import { afterEach, describe, expect, it } from 'vitest';
import { createSbcClient, type SbcEvent } from '../src/index.js';
import { baseUrl, contractFake, eventStreamReply, sseMessage, type ContractFake, type FakeHandler } from './support/contract-fake.js';
import { sessionEvent } from './support/sessions.js';

let fake: ContractFake;
afterEach(() => expect(fake.violations).toEqual([]));

function clientOn(handler: FakeHandler) {
  fake = contractFake(handler);
  return createSbcClient({ baseUrl, token: 't0ken', fetch: fake.fetch, retries: { attempts: 2, baseDelayMs: 1, maxDelayMs: 20 } });
}

async function take(events: AsyncGenerator<SbcEvent>, count: number): Promise<SbcEvent[]> {
  const taken: SbcEvent[] = [];
  for await (const event of events) {
    taken.push(event);
    if (taken.length === count) break;
  }
  return taken;
}

describe('events()', () => {
  it('yields the events of the stream as typed objects', async () => {
    const client = clientOn(({ signal }) =>
      eventStreamReply([': connected\n\n', sseMessage(sessionEvent(1)), sseMessage(sessionEvent(2, 'b@h', 'answered'))], 'stay-open', signal),
    );
    const events = await take(client.events(), 2);
    expect(events.map((e) => [e.id, e.type, e.callId])).toEqual([
      [1, 'started', 'call-1@10.0.0.1'],
      [2, 'answered', 'b@h'],
    ]);
  });

  it('sends types as one comma-separated value, and lastEventId as Last-Event-ID', async () => {
    const client = clientOn(({ signal }) => eventStreamReply([sseMessage(sessionEvent(8))], 'stay-open', signal));
    await take(client.events({ types: ['started', 'ended'], lastEventId: 7 }), 1);
    expect(fake.requests[0]?.query.get('types')).toBe('started,ended');
    expect(fake.requests[0]?.headers.get('last-event-id')).toBe('7');
  });

  it('reconnects after a drop with Last-Event-ID, and skips what the replay repeats', async () => {
    const client = clientOn(({ headers, signal }) =>
      headers.get('last-event-id') === null
        ? eventStreamReply([sseMessage(sessionEvent(1)), sseMessage(sessionEvent(2))], 'close')
        : // The server replays from its retention; an overlap must not reach the caller twice.
          eventStreamReply([sseMessage(sessionEvent(2)), sseMessage(sessionEvent(3))], 'stay-open', signal),
    );
    const events = await take(client.events(), 3);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(fake.requests.map((r) => r.headers.get('last-event-id'))).toEqual([null, '2']);
  });

  it('reconnects after a connection that fails with 503', async () => {
    let n = 0;
    const client = clientOn(({ signal }) =>
      n++ === 0 ? new Response('busy', { status: 503 }) : eventStreamReply([sseMessage(sessionEvent(5))], 'stay-open', signal),
    );
    expect((await take(client.events(), 1)).map((e) => e.id)).toEqual([5]);
  });

  it('delivers a repeated terminate command again: the SBC must act until the call has ended', async () => {
    const terminate = { id: 4, type: 'terminate', callId: 'a@b', sbcServer: '2.1.1.3', time: '2026-01-01T12:00:00.000Z' } as const;
    const client = clientOn(({ headers, signal }) =>
      headers.get('last-event-id') === null
        ? eventStreamReply([sseMessage(terminate)], 'close')
        : eventStreamReply([sseMessage(terminate)], 'stay-open', signal),
    );
    expect((await take(client.events(), 2)).map((e) => [e.id, e.type])).toEqual([
      [4, 'terminate'],
      [4, 'terminate'],
    ]);
  });

  it('throws an SbcApiError for a refused token instead of reconnecting', async () => {
    const client = clientOn(() => ({ status: 401, body: { status: 401, message: 'expired', description: 'Token expired' } }));
    await expect(take(client.events(), 1)).rejects.toMatchObject({ name: 'SbcApiError', status: 401, token: 'expired' });
    expect(fake.requests).toHaveLength(1);
  });

  it('gives up when the stream keeps closing without an event', async () => {
    const client = clientOn(() => eventStreamReply([': connected\n\n'], 'close'));
    await expect(take(client.events(), 1)).rejects.toMatchObject({ name: 'SbcNetworkError' });
    expect(fake.requests).toHaveLength(3);
  });

  it('ends without error when the signal aborts', async () => {
    const controller = new AbortController();
    const client = clientOn(({ signal }) => eventStreamReply([sseMessage(sessionEvent(1))], 'stay-open', signal));
    const seen: number[] = [];
    for await (const event of client.events({ signal: controller.signal })) {
      seen.push(event.id);
      controller.abort();
    }
    expect(seen).toEqual([1]);
  });

  it('takes a silent stream (no heartbeat) as dropped and reconnects', async () => {
    let n = 0;
    const client = clientOn(({ signal }) =>
      n++ === 0
        ? eventStreamReply([sseMessage(sessionEvent(1))], 'stay-open', signal)
        : eventStreamReply([sseMessage(sessionEvent(2))], 'stay-open', signal),
    );
    const events = await take(client.events({ heartbeatTimeoutMs: 30 }), 2);
    expect(events.map((e) => e.id)).toEqual([1, 2]);
    expect(fake.requests.map((r) => r.headers.get('last-event-id'))).toEqual([null, '1']);
  });
});
