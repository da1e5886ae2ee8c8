import type { Error as ErrorBody, Session, TrafficStats } from '@sbc/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, ids, resellerTrees, seed, startTestServer, testDatabase, tokenFor } from './helpers.js';

const now = new Date('2026-01-15T12:00:30.000Z');
type Call = Partial<Session> & { callId: string };

/**
 * A server on a database of its own: on SQLite a file, whose statistics are counted on the
 * background connection (an in-memory database counts on the server's own).
 */
async function startFileServer(): Promise<RunningServer> {
  const database = await testDatabase();
  const server = await startTestServer({ now: () => now, dbPath: database.location });
  return { ...server, close: async () => { await server.close(); await database.remove(); } };
}

async function stats(server: RunningServer, token: string, query = ''): Promise<TrafficStats> {
  const answer = await call<TrafficStats>(server, 'getTrafficStats', `/sbc/stats${query}`, { headers: bearer(token) });
  expect(answer.status).toBe(200);
  return answer.body;
}

describe('GET /sbc/stats over a window of known calls', () => {
  // A window of 3 minutes at 12:00:30: 11:58, 11:59 and the current minute 12:00.
  const calls: Call[] = [
    { callId: 'ended-in-window-started-before', started: '2026-01-15T11:50:00.000Z', answered: '2026-01-15T11:50:05.000Z', ended: '2026-01-15T11:58:30.000Z' },
    { callId: 'live-started-before', started: '2026-01-15T11:55:00.000Z', answered: '2026-01-15T11:55:10.000Z' },
    { callId: '58-talked-60s', started: '2026-01-15T11:58:10.000Z', answered: '2026-01-15T11:58:20.000Z', ended: '2026-01-15T11:59:20.000Z' },
    { callId: '58-cancelled', started: '2026-01-15T11:58:40.000Z', ended: '2026-01-15T11:58:50.000Z', endedReason: 'CANCEL', endedBy: 'A' },
    { callId: '59-talking', started: '2026-01-15T11:59:05.000Z', answered: '2026-01-15T11:59:15.000Z' },
    { callId: '59-talked-30s', started: '2026-01-15T11:59:30.000Z', answered: '2026-01-15T11:59:40.000Z', ended: '2026-01-15T12:00:10.000Z' },
    { callId: '00-ringing', started: '2026-01-15T12:00:05.000Z' },
    { callId: 'long-before', started: '2026-01-15T10:00:00.000Z', answered: '2026-01-15T10:00:10.000Z', ended: '2026-01-15T10:05:00.000Z' },
  ];
  let server: RunningServer;
  let admin: string;
  let window: TrafficStats['window'];

  beforeAll(async () => {
    server = await startFileServer();
    admin = await tokenFor(server, 'ADMIN');
    await seed(server, ...calls);
    window = (await stats(server, admin, '?window=3')).window;
  });
  afterAll(() => server.close());

  it('has one bucket per minute, from the start of the first minute to now', () => {
    expect(window).toMatchObject({ from: '2026-01-15T11:58:00.000Z', to: '2026-01-15T12:00:30.000Z', minutes: 3 });
    expect(window.series.map((m) => m.minute)).toEqual(['2026-01-15T11:58:00.000Z', '2026-01-15T11:59:00.000Z', '2026-01-15T12:00:00.000Z']);
  });

  it('counts each call in the minute it started, with what became of it', () => {
    expect(window.series.map(({ started, answered, failed }) => ({ started, answered, failed }))).toEqual([
      { started: 2, answered: 1, failed: 1 },
      { started: 2, answered: 2, failed: 0 },
      { started: 1, answered: 0, failed: 0 },
    ]);
    expect(window).toMatchObject({ started: 5, answered: 3, failed: 1 });
  });

  it('gives the answer-seizure ratio as answered / (answered + failed), a ringing call counting in neither', () => {
    expect(window.series.map((m) => m.asr)).toEqual([0.5, 1, undefined]);
    expect(window.asr).toBe(0.75);
  });

  it('gives the average call duration over the answered calls that have ended', () => {
    expect(window.series.map((m) => m.acdSeconds)).toEqual([60, 30, undefined]);
    expect(window.acdSeconds).toBe(45);
  });

  it('counts the calls going on at the end of each minute, calls from before the window included', () => {
    expect(window.series.map((m) => m.concurrent)).toEqual([2, 3, 3]);
  });

  it('defaults to the last 60 minutes', async () => {
    const body = await stats(server, admin);
    expect(body.window).toMatchObject({ minutes: 60, from: '2026-01-15T11:01:00.000Z' });
    expect(body.window.series).toHaveLength(60);
  });
});

describe('GET /sbc/stats live calls', () => {
  const other = '0000000000000000000000C3';
  let server: RunningServer;
  let live: TrafficStats['live'];

  beforeAll(async () => {
    server = await startTestServer({ now: () => now });
    await server.store.putCustomer({ id: ids.plain, name: 'Plain ApS', features: [] });
    const started = '2026-01-15T12:00:00.000Z';
    await seed(
      server,
      { callId: 'a', sbcServer: '10.0.0.1', direction: 'I', started, answered: '2026-01-15T12:00:01.000Z', sourcePeer: 'Telenor', destinationCustomerId: ids.plain },
      { callId: 'b', sbcServer: '10.0.0.1', direction: 'I', started, sourcePeer: 'Telenor', destinationCustomerId: ids.plain },
      { callId: 'c', sbcServer: '10.0.0.2', direction: 'O', started, answered: '2026-01-15T12:00:02.000Z', sourceCustomerId: ids.plain, destinationPeer: 'TDC' },
      { callId: 'd', sbcServer: '10.0.0.2', direction: 'O', started, sourceCustomerId: other, destinationCustomerId: other, sourcePeer: 'TDC', destinationPeer: 'TDC' },
      { callId: 'ended', sbcServer: '10.0.0.3', direction: 'O', started, ended: '2026-01-15T12:00:03.000Z', sourceCustomerId: other, destinationPeer: 'Telia' },
    );
    live = (await stats(server, await tokenFor(server, 'ADMIN'), '?top=2')).live;
  });
  afterAll(() => server.close());

  it('counts the calls going on now, answered apart from ringing', () => {
    expect(live).toMatchObject({ calls: 4, answered: 2 });
  });

  it('counts live calls by SBC node and by direction', () => {
    expect(live.bySbcServer).toEqual([
      { sbcServer: '10.0.0.1', calls: 2 },
      { sbcServer: '10.0.0.2', calls: 2 },
    ]);
    expect(live.byDirection).toEqual([
      { direction: 'I', calls: 2 },
      { direction: 'O', calls: 2 },
    ]);
  });

  it('names the customers with the most live calls, a call counting once for a customer on both ends', () => {
    expect(live.topCustomers).toEqual([
      { id: ids.plain, name: 'Plain ApS', calls: 3 },
      { id: other, calls: 1 },
    ]);
  });

  it('names the peers with the most live calls, source and destination peer alike, at most top', () => {
    expect(live.topPeers).toEqual([
      { peer: 'TDC', calls: 2 },
      { peer: 'Telenor', calls: 2 },
    ]);
  });
});

describe("GET /sbc/stats in a reseller's scope", () => {
  let server: RunningServer;
  let body: TrafficStats;

  beforeAll(async () => {
    server = await startFileServer();
    await resellerTrees(server);
    const started = '2026-01-15T12:00:00.000Z';
    await seed(
      server,
      { callId: 'a1', started, sourceCustomerId: ids.customerA1 },
      { callId: 'a1sub-to-b1', started, sourceCustomerId: ids.customerA1sub, destinationCustomerId: ids.customerB1 },
      { callId: 'b1', started, sourceCustomerId: ids.customerB1 },
      { callId: 'b1-ended', started, ended: '2026-01-15T12:00:10.000Z', sourceCustomerId: ids.customerB1 },
      { callId: 'nobody', started },
    );
    body = await stats(server, await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA }), '?window=1');
  });
  afterAll(() => server.close());

  it("counts only the calls of the reseller's tree, live and in the window", () => {
    expect(body.live.calls).toBe(2);
    expect(body.window).toMatchObject({ started: 2, failed: 0 });
    expect(body.window.series.map((m) => m.concurrent)).toEqual([2]);
  });

  it('never names a customer outside the tree, even at the other end of its call', () => {
    expect(body.live.topCustomers.map((c) => c.id).sort()).toEqual([ids.customerA1, ids.customerA1sub].sort());
  });

  it('refuses a reseller administrator whose customer lacks TELE, as listing sessions does', async () => {
    const token = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.plain });
    const answer = await call<ErrorBody>(server, 'getTrafficStats', '/sbc/stats', { headers: bearer(token) });
    expect({ status: answer.status, message: answer.body.message }).toEqual({ status: 403, message: 'access_denied' });
  });
});

describe("GET /sbc/stats answers in a reseller's scope", () => {
  it("counts the answered calls of the reseller's tree in the window, live or ended", async () => {
    const server = await startFileServer();
    await resellerTrees(server);
    const started = '2026-01-15T12:00:00.000Z';
    await seed(
      server,
      { callId: 'a1-talking', started, answered: '2026-01-15T12:00:02.000Z', sourceCustomerId: ids.customerA1 },
      { callId: 'a1-talked', started, answered: '2026-01-15T12:00:02.000Z', ended: '2026-01-15T12:00:08.000Z', sourceCustomerId: ids.customerA1 },
      { callId: 'a1-ringing', started, sourceCustomerId: ids.customerA1 },
      { callId: 'b1-talking', started, answered: '2026-01-15T12:00:02.000Z', sourceCustomerId: ids.customerB1 },
    );
    const body = await stats(server, await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA }), '?window=1');
    await server.close();
    expect(body.window).toMatchObject({ started: 3, answered: 2 });
  });
});

describe('GET /sbc/stats window limits', () => {
  let server: RunningServer;
  let admin: string;
  const refusal = async (query: string) => {
    const answer = await call<ErrorBody>(server, 'getTrafficStats', `/sbc/stats${query}`, { headers: bearer(admin) });
    return { status: answer.status, message: answer.body.message };
  };

  beforeAll(async () => {
    server = await startTestServer({ now: () => now, retentionHours: 2 });
    admin = await tokenFor(server, 'ADMIN');
  });
  afterAll(() => server.close());

  it('accepts a window as long as the retention', async () => {
    expect((await stats(server, admin, '?window=120')).window.series).toHaveLength(120);
  });

  it('refuses a window longer than the retention with 400 window', async () => {
    expect(await refusal('?window=121')).toEqual({ status: 400, message: 'window' });
  });

  it.each(['0', '1h', '1e2', '-5', ''])('refuses the window %j with 400 window', async (value) => {
    expect(await refusal(`?window=${value}`)).toEqual({ status: 400, message: 'window' });
  });

  it('refuses more than 100 top customers and peers with 400 top', async () => {
    expect(await refusal('?top=101')).toEqual({ status: 400, message: 'top' });
  });
});

describe('GET /sbc/stats reading answers', () => {
  let server: RunningServer;
  afterAll(() => server.close());

  it('does not take text that reads like an answer, in a name or a user agent, for one', async () => {
    server = await startTestServer({ now: () => now });
    const lookalike = '","answered":"2026-01-15T12:00:01.000Z';
    await seed(server, { callId: 'ringing', started: '2026-01-15T12:00:00.000Z', userName: lookalike, userAgent: `"answered":"2026-01-15T12:00:01.000Z"` });
    const body = await stats(server, await tokenFor(server, 'ADMIN'), '?window=1');
    expect({ live: body.live.answered, window: body.window.answered }).toEqual({ live: 0, window: 0 });
  });
});

describe('GET /sbc/stats and clocks ahead', () => {
  it("counts a call that started and ended ahead of the server's clock in the current minute", async () => {
    const server = await startFileServer();
    await seed(server, { callId: 'ahead', started: '2026-01-15T12:01:10.000Z', answered: '2026-01-15T12:01:15.000Z', ended: '2026-01-15T12:01:45.000Z' });
    const { series } = (await stats(server, await tokenFor(server, 'ADMIN'), '?window=2')).window;
    await server.close();
    expect(series.map(({ started, answered, concurrent }) => ({ started, answered, concurrent }))).toEqual([
      { started: 0, answered: 0, concurrent: 0 },
      { started: 1, answered: 1, concurrent: 0 },
    ]);
  });
});

describe('GET /sbc/stats polled', () => {
  let server: RunningServer;
  let clock: Date;
  let admin: string;

  beforeAll(async () => {
    clock = now;
    server = await startTestServer({ now: () => clock });
    admin = await tokenFor(server, 'ADMIN');
    await seed(server, { callId: 'first', started: '2026-01-15T12:00:00.000Z' });
  });
  afterAll(() => server.close());

  it('gives the same question asked again within 5 seconds the earlier answer, then counts again', async () => {
    const counted = await stats(server, admin, '?window=1');
    await seed(server, { callId: 'second', started: '2026-01-15T12:00:01.000Z' });
    clock = new Date(now.getTime() + 4999);
    expect(await stats(server, admin, '?window=1')).toEqual(counted);
    clock = new Date(now.getTime() + 5000);
    expect((await stats(server, admin, '?window=1')).live.calls).toBe(2);
  });
});
