import type { Session } from '@sbc/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer, ServerOptions } from '../src/index.js';
import type { SessionStore } from '../src/domain/session-store.js';
import { call, holdStore, ids, json, resellerTrees, sessionPath, startTestServer, tokenFor } from './helpers.js';
import { EventStreamClient, stalledSubscriber, subscriberCount } from './sse.js';

let server: RunningServer;
let admin: string;
let sbc: string;
const clients: EventStreamClient[] = [];
const t = (seconds: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, seconds)).toISOString();

async function setUp(options: ServerOptions = {}) {
  server = await startTestServer(options);
  await resellerTrees(server);
  admin = await tokenFor(server, 'ADMIN');
  sbc = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' });
}
const open = async (token: string, query = '', headers: Record<string, string> = {}) => {
  const client = await EventStreamClient.open(server, token, query, headers);
  clients.push(client);
  return client;
};
const report = (id: string, body: object) => call<Session>(server, 'reportSession', sessionPath(id), json(sbc, body));

/** One whole answered call: started, answered, ended. */
async function wholeCall(id: string, extra: object = {}) {
  await report(id, { aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O', started: t(0), ...extra });
  await report(id, { answered: t(5) });
  await report(id, { ended: t(60), endedReason: 'BYE', endedBy: 'A' });
}

beforeEach(() => setUp());
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

describe('GET /sbc/events', () => {
  it('streams started, answered and ended of a call with increasing ids and the summary', async () => {
    const watcher = await open(admin);
    await wholeCall('w@x');
    const events = await watcher.waitFor(3);
    expect(events.map((e) => e.type)).toEqual(['started', 'answered', 'ended']);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    expect(events[2]).toMatchObject({
      callId: 'w@x',
      time: t(60),
      session: { callId: 'w@x', aNumber: '+4581808888', ended: t(60), endedReason: 'BYE', endedBy: 'A' },
    });
  });

  it('streams the events of every write of the store, not only those through the API', async () => {
    const watcher = await open(admin);
    await server.store.applyReports([{ callId: 'direct@x', report: { sbcServer: '10.0.0.1', started: t(0) } }], {}, new Date());
    const [event] = await watcher.waitFor(1);
    expect(event).toMatchObject({ type: 'started', callId: 'direct@x' });
  });

  it('starts with a connected comment', async () => {
    const watcher = await open(admin);
    await watcher.waitForComment('connected');
    expect(watcher.comments[0]).toBe('connected');
  });

  it('starts after the events committed before it opened, even those this server has not handed to its streams yet', async () => {
    // On PostgreSQL the event feed reads committed events back from the store: held, it lags behind the commit.
    const release = holdStore((server.store as unknown as { backend: SessionStore }).backend, 'eventsAfter');
    await report('before@x', { started: t(0) });
    const watcher = await open(admin);
    await watcher.waitForComment('connected');
    release();
    await report('after@x', { started: t(1) });
    const [event] = await watcher.waitFor(1);
    expect(event).toMatchObject({ type: 'started', callId: 'after@x' });
  });

  it('sends nothing for a replayed report', async () => {
    const watcher = await open(admin);
    await report('r@x', { started: t(0) });
    await report('r@x', { started: t(0) });
    await report('r@x', { answered: t(1) });
    expect((await watcher.waitFor(2)).map((e) => e.type)).toEqual(['started', 'answered']);
  });

  it('gives a RESELLER_ADMIN with TELE only sessions in its scope', async () => {
    const reseller = await open(await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA }));
    await report('b@x', { started: t(0), sourceCustomerId: ids.customerB1 });
    await report('a@x', { started: t(0), destinationCustomerId: ids.customerA1sub });
    const [event] = await reseller.waitFor(1);
    expect(event!.callId).toBe('a@x');
    await report('a@x', { answered: t(1) });
    expect((await reseller.waitFor(2)).map((e) => e.callId)).toEqual(['a@x', 'a@x']);
  });

  it('accepts the token as ?token=, for EventSource clients that cannot set headers', async () => {
    const watcher = await open('', `?token=${admin}`);
    await report('q@x', { started: t(0) });
    expect((await watcher.waitFor(1)).map((e) => e.callId)).toEqual(['q@x']);
  });

  it('refuses a RESELLER_ADMIN without TELE with 403', async () => {
    const client = await open(await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.plain }));
    expect(client.status).toBe(403);
  });

  it('refuses a VIEWER with 403 and no token with 401', async () => {
    expect((await open(await tokenFor(server, 'VIEWER'))).status).toBe(403);
    expect((await open('')).status).toBe(401);
  });

  it('gives an SBC token no session events', async () => {
    const node = await open(sbc);
    await report('s@x', { started: t(0) });
    await call(server, 'endCall', sessionPath('s@x'), { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect((await node.waitFor(1)).map((e) => e.type)).toEqual(['terminate']);
  });

  it('filters by event types', async () => {
    const watcher = await open(admin, '?types=started,ended');
    await wholeCall('f@x');
    await report('g@x', { started: t(1) });
    expect((await watcher.waitFor(3)).map((e) => e.type)).toEqual(['started', 'ended', 'started']);
  });

  it('filters by customer', async () => {
    const watcher = await open(admin, `?customer=${ids.customerB1}`);
    await report('x@x', { started: t(0), sourceCustomerId: ids.customerA1 });
    await report('y@x', { started: t(0), destinationCustomerId: ids.customerB1 });
    expect((await watcher.waitFor(1)).map((e) => e.callId)).toEqual(['y@x']);
  });

  it('filters by number, with a + sent unencoded', async () => {
    const watcher = await open(admin, '?number=+4570');
    await report('n1@x', { started: t(0), bNumber: '+4533457000' });
    await report('n2@x', { started: t(0), bNumber: '+4570301234' });
    expect((await watcher.waitFor(1)).map((e) => e.callId)).toEqual(['n2@x']);
  });

  it('refuses an unknown event type: 400 types', async () => {
    const res = await call(server, 'streamEvents', '/sbc/events?types=exploded', { headers: { authorization: `Bearer ${admin}` } });
    expect(res.body).toMatchObject({ status: 400, message: 'types' });
  });

  it('refuses a Last-Event-ID that is not a number: 400', async () => {
    const res = await call(server, 'streamEvents', '/sbc/events', { headers: { authorization: `Bearer ${admin}`, 'last-event-id': 'abc' } });
    expect(res.status).toBe(400);
  });
});

describe('resuming with Last-Event-ID', () => {
  it('replays every missed event in order with no duplicates, then continues live', async () => {
    const first = await open(admin);
    await report('c1@x', { started: t(0) });
    const [seen] = await first.waitFor(1);
    first.close();
    await report('c1@x', { answered: t(3) });
    await report('c2@x', { started: t(4) });
    const resumed = await open(admin, '', { 'last-event-id': String(seen!.id) });
    await report('c1@x', { ended: t(9), endedReason: 'BYE' });
    const events = await resumed.waitFor(3);
    expect(events.map((e) => `${e.type} ${e.callId}`)).toEqual(['answered c1@x', 'started c2@x', 'ended c1@x']);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    expect(events.every((e) => e.id > seen!.id)).toBe(true);
  });

  it('replays within the scope of the subscriber', async () => {
    await report('in@x', { started: t(0), sourceCustomerId: ids.customerA1 });
    await report('out@x', { started: t(0), sourceCustomerId: ids.customerB1 });
    await report('in2@x', { started: t(0), sourceCustomerId: ids.resellerA });
    const reseller = await open(await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA }), '', { 'last-event-id': '0' });
    expect((await reseller.waitFor(2)).map((e) => e.callId)).toEqual(['in@x', 'in2@x']);
  });

  it('replays more than one page of events', async () => {
    const sessions = Array.from({ length: 1200 }, (_, i) => ({ callId: `p${i}@x`, started: t(0) }));
    await call(server, 'ingestSessions', '/sbc/ingest', json(sbc, { sessions: sessions.slice(0, 1000) }, 'POST'));
    await call(server, 'ingestSessions', '/sbc/ingest', json(sbc, { sessions: sessions.slice(1000) }, 'POST'));
    const resumed = await open(admin, '', { 'last-event-id': '0' });
    const events = await resumed.waitFor(1200);
    expect(events.map((e) => e.callId)).toEqual(sessions.map((s) => s.callId));
  });
});

describe('stream housekeeping', () => {
  it('sends heartbeat comments', async () => {
    await server.close();
    await setUp({ heartbeatSeconds: 0.05 });
    const watcher = await open(admin);
    await watcher.waitForComment('heartbeat');
    expect(watcher.comments).toContain('heartbeat');
  });

  it('ends every stream when the server shuts down', async () => {
    const watcher = await open(admin);
    await watcher.waitForComment('connected');
    await server.close();
    await watcher.waitForEnd();
    expect(watcher.ended).toBe(true);
    await setUp();
  });

  it('disconnects a subscriber that stops reading once its buffer passes the bound', async () => {
    await server.close();
    await setUp({ subscriberBufferLimit: 64 * 1024 });
    const { socket, closed } = await stalledSubscriber(server, admin);
    let batch = 0;
    // Bounded: 40 batches of 1000 events is far beyond any socket buffer plus the bound.
    while ((await subscriberCount(server)) > 0 && batch < 40) {
      const sessions = Array.from({ length: 1000 }, (_, i) => ({ callId: `slow-${batch}-${i}@x`, started: t(0), userAgent: 'x'.repeat(200) }));
      await call(server, 'ingestSessions', '/sbc/ingest', json(sbc, { sessions }, 'POST'));
      batch++;
    }
    expect(await subscriberCount(server)).toBe(0);
    socket.resume();
    await closed;
  });

  it('bounds the live events held back while a replay runs, too', async () => {
    await server.close();
    await setUp({ subscriberBufferLimit: 16 * 1024 });
    const release = holdStore(server.store, 'eventsAfter');
    const resuming = await open(admin, '', { 'last-event-id': '0' });
    const sessions = Array.from({ length: 200 }, (_, i) => ({ callId: `held-${i}@x`, started: t(0), userAgent: 'x'.repeat(100) }));
    await call(server, 'ingestSessions', '/sbc/ingest', json(sbc, { sessions }, 'POST'));
    await resuming.waitForEnd();
    release();
    expect(resuming.ended).toBe(true);
    expect(resuming.messages).toEqual([]);
  });
});
