// What happens to a requested end that no agent of the owning SBC node answers.
import { Writable } from 'node:stream';
import type { Session } from '@sbc/contract';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, json, sessionPath, startTestServer, tokenFor } from './helpers.js';

// The end of asked@x is requested at `start`; the tests move the clock on from there.
const start = Date.parse('2030-01-01T00:00:00.000Z');
const second = 1000;
const hour = 3600 * second;
let clock = start;
let server: RunningServer;
let tokens: { admin: string; sbc: string };
let warnings: Array<Record<string, unknown>>;

const report = (id: string, body: object) => call<Session>(server, 'reportSession', sessionPath(id), json(tokens.sbc, body));
const end = (id: string) => call(server, 'endCall', sessionPath(id), { method: 'DELETE', headers: bearer(tokens.admin) });
const get = (id: string) => call<Session>(server, 'getSession', sessionPath(id), { headers: bearer(tokens.admin) });

beforeEach(async () => {
  clock = start;
  warnings = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      const line = JSON.parse(String(chunk)) as Record<string, unknown>;
      if (line['level'] === 40) warnings.push(line);
      done();
    },
  });
  server = await startTestServer({ now: () => new Date(clock), logger: pino({ level: 'warn' }, sink), maxCallHours: 12, endRequestTimeoutSeconds: 60 });
  tokens = { admin: await tokenFor(server, 'ADMIN'), sbc: await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' }) };
  await report('asked@x', { started: new Date(start).toISOString() });
  await end('asked@x');
});
afterEach(() => server.close());

describe('an end request no SBC agent answers', () => {
  it('leaves the call live, flagged, and its command waiting for the SBC', async () => {
    clock = start + 2 * hour;
    await server.runMaintenance();
    expect((await get('asked@x')).body).toMatchObject({ terminationRequested: new Date(start).toISOString() });
    expect((await get('asked@x')).body.ended).toBeUndefined();
    expect(await server.store.pendingTerminates('10.0.0.1')).toHaveLength(1);
  });

  it('is not reported before END_REQUEST_TIMEOUT_SECONDS', async () => {
    clock = start + 59 * second;
    expect((await server.runMaintenance()).endRequestsUnanswered).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('is logged as a warning naming its SBC node once END_REQUEST_TIMEOUT_SECONDS have passed', async () => {
    clock = start + 61 * second;
    expect((await server.runMaintenance()).endRequestsUnanswered).toBe(1);
    expect(warnings).toEqual([
      expect.objectContaining({ sbcServer: '10.0.0.1', unanswered: 1, oldestRequested: new Date(start).toISOString(), msg: expect.stringContaining('not confirmed') }),
    ]);
  });

  it('is no longer reported once the SBC reports the end', async () => {
    clock = start + 61 * second;
    await report('asked@x', { ended: new Date(clock).toISOString(), endedReason: 'BYE' });
    expect((await server.runMaintenance()).endRequestsUnanswered).toBe(0);
    expect((await get('asked@x')).body).toMatchObject({ endedBy: 'S', endedReason: 'BYE' });
  });

  it('still ends with the call after MAX_CALL_HOURS, as TIMEOUT', async () => {
    clock = start + 12.5 * hour;
    const totals = await server.runMaintenance();
    expect(totals).toMatchObject({ endedStale: 1, endRequestsUnanswered: 0 });
    expect((await get('asked@x')).body).toMatchObject({ endedReason: 'TIMEOUT', endedBy: 'S' });
  });
});
