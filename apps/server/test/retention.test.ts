import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from '@sbc/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, json, sessionPath, startTestServer, tokenFor } from './helpers.js';
import { EventStreamClient } from './sse.js';

const hour = 3_600_000;
const start = Date.parse('2030-01-01T00:00:00.000Z');
let clock = start;
let server: RunningServer;
let admin: string;
let sbc: string;

const at = (hours: number) => new Date(start + hours * hour).toISOString();
const report = (id: string, body: object) => call<Session>(server, 'reportSession', sessionPath(id), json(sbc, body));
const get = (id: string) => call<Session>(server, 'getSession', sessionPath(id), { headers: bearer(admin) });

beforeEach(async () => {
  clock = start;
  server = await startTestServer({ now: () => new Date(clock), retentionHours: 24, maxCallHours: 12 });
  admin = await tokenFor(server, 'ADMIN');
  sbc = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' });
});
afterEach(() => server.close());

describe('retention of ended sessions', () => {
  it('keeps an ended session readable until RETENTION_HOURS after its end', async () => {
    clock = start + hour;
    await report('r@x', { started: at(0), ended: at(1), endedReason: 'BYE' });
    clock = start + 24.9 * hour;
    await server.runMaintenance();
    expect((await get('r@x')).status).toBe(200);
  });

  it('deletes it once RETENTION_HOURS have passed', async () => {
    clock = start + hour;
    await report('r@x', { started: at(0), ended: at(1), endedReason: 'BYE' });
    clock = start + 25.1 * hour;
    expect((await server.runMaintenance()).deletedSessions).toBe(1);
    expect((await get('r@x')).status).toBe(404);
  });

  it('never deletes a live session', async () => {
    await report('live@x', { started: at(0) });
    clock = start + 6 * hour;
    await server.runMaintenance();
    expect((await get('live@x')).status).toBe(200);
  });

  it('deletes in batches until everything expired is gone', async () => {
    const sessions = Array.from({ length: 1200 }, (_, i) => ({ callId: `old-${i}@x`, started: at(0), ended: at(0.5), endedReason: 'BYE' }));
    clock = start + 0.5 * hour;
    await call(server, 'ingestSessions', '/sbc/ingest', json(sbc, { sessions: sessions.slice(0, 1000) }, 'POST'));
    await call(server, 'ingestSessions', '/sbc/ingest', json(sbc, { sessions: sessions.slice(1000) }, 'POST'));
    clock = start + 30 * hour;
    expect((await server.runMaintenance()).deletedSessions).toBe(1200);
  });

  it('drops events older than the retention from the replay, and ids keep increasing', async () => {
    await report('e@x', { started: at(0) });
    const [old] = await server.store.eventsAfter(0, 10);
    clock = start + 25 * hour;
    await report('e@x', { answered: at(0.01) });
    clock = start + 49.5 * hour;
    await server.runMaintenance();
    const left = await server.store.eventsAfter(0, 10);
    expect(left.map((e) => e.type)).toEqual(['ended']);
    expect(left[0]!.id).toBeGreaterThan(old!.id);
  });
});

describe('stale calls', () => {
  it('ends a call with no end after MAX_CALL_HOURS: endedBy S, endedReason TIMEOUT', async () => {
    await report('stale@x', { started: at(0), answered: at(0.001) });
    clock = start + 12.5 * hour;
    expect((await server.runMaintenance()).endedStale).toBe(1);
    expect((await get('stale@x')).body).toMatchObject({ ended: at(12.5), endedReason: 'TIMEOUT', endedBy: 'S' });
  });

  it('leaves a call younger than MAX_CALL_HOURS alone', async () => {
    await report('young@x', { started: at(0) });
    clock = start + 11.9 * hour;
    await server.runMaintenance();
    expect((await get('young@x')).body.ended).toBeUndefined();
  });

  it('ends a call that never reported started by when it was first seen', async () => {
    await report('nostart@x', { aNumber: '+4512345678' });
    clock = start + 13 * hour;
    await server.runMaintenance();
    expect((await get('nostart@x')).body.endedReason).toBe('TIMEOUT');
  });

  it('says so in an ended event', async () => {
    const watcher = await EventStreamClient.open(server, admin);
    await report('stale@x', { started: at(0) });
    clock = start + 13 * hour;
    await server.runMaintenance();
    const events = await watcher.waitFor(2);
    expect(events[1]).toMatchObject({ type: 'ended', callId: 'stale@x', session: { endedReason: 'TIMEOUT', endedBy: 'S' } });
    watcher.close();
  });

  it('clears a pending terminate command of a call it ends', async () => {
    await report('cmd@x', { started: at(0) });
    await call(server, 'endCall', sessionPath('cmd@x'), { method: 'DELETE', headers: bearer(admin) });
    clock = start + 13 * hour;
    await server.runMaintenance();
    expect(await server.store.pendingTerminates('10.0.0.1')).toEqual([]);
  });
});

describe('the background job', () => {
  it('runs on its own every JOB_INTERVAL_SECONDS', async () => {
    const own = await startTestServer({ now: () => new Date(clock), jobIntervalSeconds: 0.05 });
    const token = await tokenFor(own, 'SBC', { sbcServer: '10.0.0.1' });
    await call(own, 'reportSession', sessionPath('bg@x'), json(token, { started: at(0) }));
    clock = start + 13 * hour;
    while ((await own.store.getSession('bg@x', { all: true }))?.ended === undefined) await new Promise((r) => setTimeout(r, 20));
    expect((await own.store.getSession('bg@x', { all: true }))!.endedReason).toBe('TIMEOUT');
    await own.close();
  });
});

describe('retention of a database file', () => {
  it('deletes expired sessions and events through the background connection, and the server reads the file without them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbc-retention-'));
    const own = await startTestServer({ dbPath: join(dir, 'sessions.db'), now: () => new Date(clock), retentionHours: 24 });
    try {
      const token = await tokenFor(own, 'SBC', { sbcServer: '10.0.0.1' });
      const reader = await tokenFor(own, 'ADMIN');
      const sessions = Array.from({ length: 300 }, (_, i) => ({ callId: `file-${i}@x`, started: at(0), ended: at(0.5), endedReason: 'BYE' }));
      clock = start + 0.5 * hour;
      await call(own, 'ingestSessions', '/sbc/ingest', json(token, { sessions }, 'POST'));
      await call(own, 'reportSession', sessionPath('kept@x'), json(token, { started: at(0) }));
      clock = start + 30 * hour;
      // Each call that starts and ends in one report made two events, started and ended.
      expect(await own.runMaintenance()).toMatchObject({ deletedSessions: 300, deletedEvents: 2 * 300 + 1 });
      expect((await call(own, 'getSession', sessionPath('file-7@x'), { headers: bearer(reader) })).status).toBe(404);
      expect((await call(own, 'getSession', sessionPath('kept@x'), { headers: bearer(reader) })).status).toBe(200);
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
