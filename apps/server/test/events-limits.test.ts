import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer, ServerOptions } from '../src/index.js';
import { bearer, call, ids, json, resellerTrees, startTestServer, tokenFor } from './helpers.js';
import { EventStreamClient, stalledSubscriber, subscriberCount } from './sse.js';

let server: RunningServer;
const clients: EventStreamClient[] = [];
const started = new Date(Date.UTC(2025, 0, 1, 12)).toISOString();

async function setUp(options: ServerOptions): Promise<void> {
  server = await startTestServer(options);
  await resellerTrees(server);
}
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

async function open(token: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
  const client = await EventStreamClient.open(server, token, '', headers);
  clients.push(client);
  return client;
}
/** A stream refused before it starts: the Error body (checked against the schema) and its headers. */
const refused = (token: string) => call<{ status: number; message: string }>(server, null, '/sbc/events', { headers: bearer(token) });

describe('caps on open streams', () => {
  it('refuses a stream over MAX_STREAMS_PER_TOKEN with 429 too_many_streams and Retry-After', async () => {
    await setUp({ maxStreamsPerToken: 2 });
    const admin = await tokenFor(server, 'ADMIN');
    await open(admin);
    await open(admin);
    const third = await refused(admin);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ status: 429, message: 'too_many_streams' });
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await open(await tokenFor(server, 'ADMIN'))).status).toBe(200);
  });

  it('refuses a stream over MAX_STREAMS, whatever its token, with 429 too_many_streams', async () => {
    await setUp({ maxStreams: 2 });
    await open(await tokenFor(server, 'ADMIN'));
    await open(await tokenFor(server, 'ADMIN'));
    const third = await refused(await tokenFor(server, 'ADMIN'));
    expect(third.body).toMatchObject({ status: 429, message: 'too_many_streams' });
    expect(third.headers.get('retry-after')).not.toBeNull();
  });

  it('counts a closed stream out again', async () => {
    await setUp({ maxStreamsPerToken: 1 });
    const admin = await tokenFor(server, 'ADMIN');
    (await open(admin)).close();
    while ((await subscriberCount(server)) > 0) await new Promise((r) => setTimeout(r, 10));
    expect((await open(admin)).status).toBe(200);
  });
});

describe('memory of queued stream data', () => {
  it('disconnects a stalled subscriber once all streams together pass STREAM_BUFFER_TOTAL, below its own bound', async () => {
    await setUp({ subscriberBufferLimit: 64 * 1024 * 1024, streamBufferTotal: 256 * 1024 });
    const admin = await tokenFor(server, 'ADMIN');
    const sbc = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' });
    const { socket, closed } = await stalledSubscriber(server, admin);
    let batch = 0;
    // Bounded: 40 batches of 1000 events (about 16 MB) pass any socket buffer and the total,
    // and stay far below the subscriber's own 64 MiB.
    while ((await subscriberCount(server)) > 0 && batch < 40) {
      const sessions = Array.from({ length: 1000 }, (_, i) => ({ callId: `stalled-${batch}-${i}@${'x'.repeat(200)}`, started }));
      await call(server, 'ingestSessions', '/sbc/ingest', json(sbc, { sessions }, 'POST'));
      batch++;
    }
    expect(await subscriberCount(server)).toBe(0);
    socket.resume();
    await closed;
  });
});

describe('a replay that finds little for its scope', () => {
  it('reads the event log a page per turn of the event loop: /healthz answers while it runs', async () => {
    await setUp({ replayPageSize: 10 });
    // 2,000 events of reseller B; reseller A's replay reads them all and sends none.
    const reports = Array.from({ length: 2000 }, (_, i) => ({ callId: `b-${i}@x`, report: { started, sourceCustomerId: ids.customerB1 } }));
    await server.store.applyReports(reports, { sbcServer: '10.0.0.1' }, new Date());
    const pagesInAll = 2000 / 10 + 1;
    const eventsAfter = server.store.eventsAfter.bind(server.store);
    let pages = 0;
    let health: Promise<number> | undefined;
    let replayed!: () => void;
    const replayDone = new Promise<void>((resolve) => (replayed = resolve));
    server.store.eventsAfter = async (afterId, limit) => {
      pages++;
      // Asked for as soon as the replay starts: answered only if the replay lets the event loop turn.
      health ??= fetch(`${server.url}/healthz`).then(async (res) => (await res.text(), pages));
      const page = await eventsAfter(afterId, limit);
      if (page.length < limit) replayed();
      return page;
    };
    const reseller = await open(await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA }), { 'last-event-id': '0' });
    await replayDone;
    expect(pages).toBe(pagesInAll);
    expect(await health).toBeLessThan(pagesInAll);
    expect(reseller.messages).toEqual([]);
  });
});
