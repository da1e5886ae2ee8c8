import { describe, expect, it, vi } from 'vitest';
import { SbcApiError, SbcNetworkError, type EventsOptions, type SbcClient, type SbcEvent, type SessionSummary } from '@sbc/client';
import { LiveFeed } from '../src/live/feed.js';
import { stateOf } from '../src/live/row.js';

const call = (callId: string, extra: Partial<SessionSummary> = {}): SessionSummary => ({ callId, direction: 'O', started: '2026-01-01T12:00:00.000Z', ...extra });
const started = (id: number, callId: string): SbcEvent => ({ id, type: 'started', callId, time: '2026-01-01T12:00:00.000Z', session: call(callId) });
const answered = (id: number, callId: string): SbcEvent => ({
  id,
  type: 'answered',
  callId,
  time: '2026-01-01T12:00:05.000Z',
  session: call(callId, { answered: '2026-01-01T12:00:05.000Z' }),
});

/** A client whose list and stream the test controls: each `events()` call plays the next script. */
function fakeClient(snapshot: SessionSummary[], streams: Array<(options: EventsOptions) => AsyncGenerator<SbcEvent>>) {
  let releaseList!: () => void;
  const listed = new Promise<void>((resolve) => (releaseList = resolve));
  const eventCalls: EventsOptions[] = [];
  const client = {
    async *listAllSessions() {
      await listed;
      yield* snapshot;
    },
    events(options: EventsOptions) {
      eventCalls.push(options);
      const next = streams.shift();
      if (!next) return (async function* () {})();
      return next(options);
    },
  } as unknown as SbcClient;
  return { client, releaseList, eventCalls };
}

// Lets the feed's promise chains run, for a check that something has not happened yet; what must
// happen is awaited with vi.waitFor, as a loaded machine may run the feed's timers late.
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

function feedOf(client: SbcClient, failures: unknown[] = []) {
  return new LiveFeed(client, {
    homeCountryCode: '45',
    lingerMs: 5000,
    customerName: () => undefined,
    schedule: (run) => run(),
    onFailure: (error) => failures.push(error),
    reconnectMs: 1,
  });
}

describe('the live feed', () => {
  it('applies events that arrive while the list is read after the list, being newer', async () => {
    const { client, releaseList } = fakeClient([call('a'), call('b')], [
      async function* () {
        yield answered(7, 'a');
        yield started(8, 'c');
      },
    ]);
    const feed = feedOf(client);
    feed.start();
    await settle();
    expect(feed.state.kind).toBe('loading');
    releaseList();
    await vi.waitFor(() => expect(feed.state.kind).toBe('live'));
    expect(stateOf(feed.calls.get('a')!)).toBe('answered');
    expect(feed.calls.liveCount).toBe(3);
    feed.close();
  });

  it('follows the stream again after a drop, from the last event it saw', async () => {
    const { client, releaseList, eventCalls } = fakeClient([], [
      async function* () {
        yield started(41, 'a');
        throw new SbcNetworkError('GET /sbc/events failed: socket hang up');
      },
      async function* () {
        yield answered(42, 'a');
      },
    ]);
    releaseList();
    const feed = feedOf(client);
    feed.start();
    await vi.waitFor(() => expect(stateOf(feed.calls.get('a')!)).toBe('answered'));
    expect(eventCalls.map((options) => options.lastEventId)).toEqual([undefined, 41]);
    feed.close();
  });

  it('stops and reports a refused token, without following again', async () => {
    const refused = new SbcApiError(401, { status: 401, message: 'invalid_token', description: 'The token is unknown or revoked' });
    const { client, releaseList, eventCalls } = fakeClient([], [
      async function* () {
        yield* [];
        throw refused;
      },
    ]);
    releaseList();
    const failures: unknown[] = [];
    const feed = feedOf(client, failures);
    feed.start();
    await vi.waitFor(() => expect(failures).toEqual([refused]));
    expect(feed.state.kind).toBe('failed');
    await settle();
    expect(eventCalls).toHaveLength(1);
    feed.close();
  });
});
