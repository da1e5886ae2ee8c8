import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer, ServerOptions } from '../src/index.js';
import { bearer, call, json, sessionPath, startTestServer, tokenFor } from './helpers.js';
import { EventStreamClient, stalledSubscriber, subscriberCount } from './sse.js';

let server: RunningServer;
const clients: EventStreamClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

const started = '2025-01-01T12:00:00.000Z';
const ended = '2025-01-01T12:05:00.000Z';

async function metricsOf(s: RunningServer): Promise<string> {
  return (await call<string>(s, 'getMetrics', '/metrics')).body;
}

/** The value of one series, as `name{labels}` reads in the exposition (labels in its order). */
async function sample(s: RunningServer, series: string): Promise<number | undefined> {
  const line = (await metricsOf(s)).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function ingestAs(token: string, sessions: object[]) {
  return call(server, 'ingestSessions', '/sbc/ingest', json(token, { sessions }, 'POST'));
}

async function withServer(options: ServerOptions = {}): Promise<{ admin: string; sbc: string }> {
  server = await startTestServer(options);
  return { admin: await tokenFor(server, 'ADMIN'), sbc: await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' }) };
}

describe('/metrics', () => {
  it("serves prom-client's text format with the process and Node.js collectors under their standard names", async () => {
    await withServer();
    const res = await call<string>(server, 'getMetrics', '/metrics');
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const family of ['process_start_time_seconds', 'process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds']) {
      expect(res.body).toMatch(new RegExp(`^# TYPE ${family} `, 'm'));
    }
  });

  it('counts reports applied by outcome, and the group commit that applied them', async () => {
    const { sbc } = await withServer();
    await ingestAs(sbc, [{ callId: 'm1@x', started }, { callId: 'm2@x', started }, { callId: 'm3@x', started: ended, ended: started }]);
    await ingestAs(sbc, [{ callId: 'm1@x', started }]);
    expect(await sample(server, 'sbc_reports_applied_total{outcome="created"}')).toBe(2);
    expect(await sample(server, 'sbc_reports_applied_total{outcome="rejected"}')).toBe(1);
    expect(await sample(server, 'sbc_reports_applied_total{outcome="unchanged"}')).toBe(1);
    expect(await sample(server, 'sbc_reports_applied_total{outcome="updated"}')).toBe(0);
    expect(await sample(server, 'sbc_ingest_commit_reports_sum')).toBe(4);
    expect(await sample(server, 'sbc_ingest_commit_reports_count')).toBe(2);
    expect(await sample(server, 'sbc_ingest_commit_duration_seconds_count')).toBe(2);
  });

  it('counts the events published, by type', async () => {
    const { sbc } = await withServer();
    await ingestAs(sbc, [{ callId: 'e1@x', started }, { callId: 'e2@x', started, ended }]);
    expect(await sample(server, 'sbc_events_published_total{type="started"}')).toBe(2);
    expect(await sample(server, 'sbc_events_published_total{type="ended"}')).toBe(1);
  });

  it('counts end requests by outcome, and the termination the SBC completes by reporting the end', async () => {
    const { admin, sbc } = await withServer();
    await ingestAs(sbc, [{ callId: 't1@x', started }]);
    const end = () => call(server, 'endCall', sessionPath('t1@x'), { method: 'DELETE', headers: bearer(admin) });
    await end();
    await end();
    expect(await sample(server, 'sbc_terminate_requests_total{outcome="requested"}')).toBe(1);
    expect(await sample(server, 'sbc_terminate_requests_total{outcome="alreadyRequested"}')).toBe(1);
    expect(await sample(server, 'sbc_terminate_completed_total')).toBe(0);
    await ingestAs(sbc, [{ callId: 't1@x', started, ended }]);
    expect(await sample(server, 'sbc_terminate_completed_total')).toBe(1);
  });

  it('times each store call by its operation', async () => {
    const { admin } = await withServer();
    await call(server, 'getSession', sessionPath('nobody@x'), { headers: bearer(admin) });
    expect(await sample(server, 'sbc_store_call_duration_seconds_count{operation="getSessionJson"}')).toBe(1);
  });

  it('counts token checks answered from the cache and from the store', async () => {
    const { admin } = await withServer();
    await call(server, 'getSession', sessionPath('nobody@x'), { headers: bearer(admin) });
    await call(server, 'getSession', sessionPath('nobody@x'), { headers: bearer(admin) });
    expect(await sample(server, 'sbc_token_cache_lookups_total{result="miss"}')).toBe(1);
    expect(await sample(server, 'sbc_token_cache_lookups_total{result="hit"}')).toBe(1);
  });

  it('counts the requests refused by the rate limit', async () => {
    const { admin } = await withServer({ rateLimitPerSecond: 0.01, rateLimitBurst: 1 });
    await call(server, 'getSession', sessionPath('nobody@x'), { headers: bearer(admin) });
    expect((await call(server, 'getSession', sessionPath('nobody@x'), { headers: bearer(admin) })).status).toBe(429);
    expect(await sample(server, 'sbc_rate_limited_requests_total')).toBe(1);
  });

  it('counts event streams refused by a cap, by the cap', async () => {
    const { admin } = await withServer({ maxStreamsPerToken: 1 });
    clients.push(await EventStreamClient.open(server, admin));
    clients.push(await EventStreamClient.open(server, admin));
    expect(clients[1]!.status).toBe(429);
    expect(await sample(server, 'sbc_event_streams_refused_total{cap="per_token"}')).toBe(1);
    expect(await sample(server, 'sbc_event_streams_refused_total{cap="total"}')).toBe(0);
  });

  it('counts a stream closed because its token was revoked', async () => {
    server = await startTestServer();
    const { token, id } = await server.store.createToken({ level: 'ADMIN' });
    const watcher = await EventStreamClient.open(server, token);
    clients.push(watcher);
    await server.store.revokeToken(id);
    await watcher.waitForEnd();
    expect(await sample(server, 'sbc_event_stream_disconnects_total{reason="token_no_longer_valid"}')).toBe(1);
  });

  it('counts a slow subscriber disconnected', async () => {
    const { admin, sbc } = await withServer({ subscriberBufferLimit: 16 * 1024 });
    const { socket, closed } = await stalledSubscriber(server, admin);
    // Bounded: enough events to fill any socket buffer and pass the subscriber's bound.
    for (let batch = 0; (await subscriberCount(server)) > 0 && batch < 40; batch++) {
      await ingestAs(sbc, Array.from({ length: 1000 }, (_, i) => ({ callId: `slow-${batch}-${i}@${'x'.repeat(200)}`, started })));
    }
    socket.resume();
    await closed;
    expect(await sample(server, 'sbc_event_stream_disconnects_total{reason="slow_subscriber"}')).toBe(1);
  });
});
