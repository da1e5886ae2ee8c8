import type { IngestResponse, Session } from '@sbc/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, json, sessionPath, startTestServer, tokenFor } from './helpers.js';

// The server's clock, fixed: what "ahead of the server's clock" is measured from.
const now = new Date('2026-06-01T12:00:00.000Z');
const minutesFromNow = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();

let server: RunningServer;
let sbc: string;
let admin: string;

const report = (body: object, id = 'times@10.0.0.1') => call<Session>(server, 'reportSession', sessionPath(id), json(sbc, body));

beforeEach(async () => {
  server = await startTestServer({ now: () => now });
  sbc = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' });
  admin = await tokenFor(server, 'ADMIN');
});
afterEach(() => server.close());

describe('reported times', () => {
  it.each([
    ['a leap second', '2025-12-31T23:59:60.000Z'],
    ['February 30th', '2026-02-30T10:00:00.000Z'],
    ['hour 24', '2026-05-31T24:00:00.000Z'],
    ['month 13', '2026-13-01T10:00:00.000Z'],
  ])('refuses a time that names no real instant (%s): 422 naming the field', async (_, started) => {
    const res = await report({ started });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ status: 422, message: 'started' });
  });

  it('refuses an answered or ended that names no real instant, naming that field', async () => {
    await report({ started: minutesFromNow(-5) });
    expect((await report({ answered: '2026-05-31T23:59:60.000Z' })).body).toMatchObject({ status: 422, message: 'answered' });
    expect((await report({ ended: '2026-04-31T12:00:00.000Z' })).body).toMatchObject({ status: 422, message: 'ended' });
  });

  it("refuses a time more than 10 minutes ahead of the server's clock", async () => {
    const res = await report({ started: '9999-12-31T23:59:59.999Z' });
    expect(res.body).toMatchObject({ status: 422, message: 'started' });
    expect((await report({ started: minutesFromNow(10.01) })).status).toBe(422);
  });

  it("accepts a time up to 10 minutes ahead of the server's clock (SBC clocks drift)", async () => {
    expect((await report({ started: minutesFromNow(10) })).status).toBe(201);
  });

  it('stores nothing of a refused report, so the call can still be reported correctly', async () => {
    await report({ started: '2026-05-31T23:59:60.000Z' });
    const get = await call(server, 'getSession', sessionPath('times@10.0.0.1'), { headers: bearer(admin) });
    expect(get.status).toBe(404);
    await report({ started: minutesFromNow(-1) });
    const ended = await report({ answered: minutesFromNow(-0.5), ended: minutesFromNow(0) });
    expect(ended.status).toBe(200);
  });

  it('refuses only the bad report of a batch', async () => {
    const sessions = [
      { callId: 'good@10.0.0.1', started: minutesFromNow(-1) },
      { callId: 'future@10.0.0.1', started: '3000-01-01T00:00:00.000Z' },
    ];
    const res = await call<IngestResponse>(server, 'ingestSessions', '/sbc/ingest', json(sbc, { sessions }, 'POST'));
    expect(res.body).toMatchObject({ created: 1, rejected: 1 });
    expect(res.body.results[1]).toMatchObject({ result: 'rejected', error: { status: 422, message: 'started' } });
  });
});
