import type { Session } from '@sbc/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, ids, json, resellerTrees, sessionPath, startTestServer, tokenFor } from './helpers.js';
import { EventStreamClient } from './sse.js';

let server: RunningServer;
let admin: string;
let sbc1: string;
let sbc2: string;
const callId = 'end-me@10.0.0.1';
const clients: EventStreamClient[] = [];

const open = async (token: string, query = '') => {
  const client = await EventStreamClient.open(server, token, query);
  clients.push(client);
  return client;
};
const end = (id = callId, token = admin) => call(server, 'endCall', sessionPath(id), { method: 'DELETE', headers: bearer(token) });
const report = (body: object, token = sbc1, id = callId) => call<Session>(server, 'reportSession', sessionPath(id), json(token, body));

beforeEach(async () => {
  server = await startTestServer();
  await resellerTrees(server);
  admin = await tokenFor(server, 'ADMIN');
  sbc1 = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' });
  sbc2 = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.2' });
  await report({ started: '2025-01-01T12:00:00.000Z', sourceCustomerId: ids.customerA1 });
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

describe('DELETE /sbc/session/{id}', () => {
  it('answers {success: true} for a live call', async () => {
    const res = await end();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
  });

  it('sends the terminate command to the owning SBC stream only', async () => {
    const own = await open(sbc1);
    const other = await open(sbc2);
    await end();
    const [command] = await own.waitFor(1);
    expect(command).toMatchObject({ type: 'terminate', callId, sbcServer: '10.0.0.1' });
    await report({ started: '2025-01-01T12:00:00.000Z' }, sbc2, 'other@10.0.0.2');
    await end('other@10.0.0.2');
    const [second] = await other.waitFor(1);
    expect(second).toMatchObject({ callId: 'other@10.0.0.2' });
    expect(own.events()).toHaveLength(1);
  });

  it('tells watchers that termination was requested', async () => {
    const watcher = await open(admin);
    await end();
    const [event] = await watcher.waitFor(1);
    expect(event).toMatchObject({ type: 'terminationRequested', callId, session: { callId, sbcServer: '10.0.0.1' } });
  });

  it('keeps the command for an SBC that connects later', async () => {
    await end();
    const late = await open(sbc1);
    expect(await late.waitFor(1)).toMatchObject([{ type: 'terminate', callId }]);
  });

  it('sends the command again on every reconnection until the end is reported', async () => {
    await end();
    const first = await open(sbc1);
    const [command] = await first.waitFor(1);
    first.close();
    const second = await open(sbc1);
    expect(await second.waitFor(1)).toEqual([command]);
    second.close();
    await report({ ended: '2025-01-01T12:01:00.000Z', endedReason: 'BYE' });
    const third = await open(sbc1);
    await third.waitForComment('connected');
    // A marker command for another call proves the stream is live and the old command is gone.
    await report({ started: '2025-01-01T12:00:00.000Z' }, sbc1, 'marker@10.0.0.1');
    await end('marker@10.0.0.1');
    expect(await third.waitFor(1)).toMatchObject([{ callId: 'marker@10.0.0.1' }]);
  });

  it('records the end with endedBy S when the SBC does not say who ended it', async () => {
    await end();
    const res = await report({ ended: '2025-01-01T12:01:00.000Z', endedReason: 'BYE' });
    expect(res.body).toMatchObject({ ended: '2025-01-01T12:01:00.000Z', endedBy: 'S' });
  });

  it("keeps the SBC's endedBy when it gives one", async () => {
    await end();
    const res = await report({ ended: '2025-01-01T12:01:00.000Z', endedReason: 'BYE', endedBy: 'A' });
    expect(res.body.endedBy).toBe('A');
  });

  it('is idempotent: ending twice answers success and sends nothing new', async () => {
    await end();
    const res = await end();
    expect(res.body).toEqual({ success: true });
    const events = await server.store.eventsAfter(0, 100);
    expect(events.map((e) => e.type)).toEqual(['started', 'terminationRequested', 'terminate']);
  });

  it('answers success for an already ended call and sends no command', async () => {
    await report({ ended: '2025-01-01T12:01:00.000Z', endedReason: 'BYE', endedBy: 'A' });
    expect((await end()).body).toEqual({ success: true });
    expect(await server.store.pendingTerminates('10.0.0.1')).toEqual([]);
  });

  it('answers 404 id for an unknown call', async () => {
    expect((await end('nobody@x')).body).toMatchObject({ status: 404, message: 'id' });
  });

  it('lets a RESELLER_ADMIN with TELE end a call in its scope', async () => {
    const reseller = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA });
    expect((await end(callId, reseller)).body).toEqual({ success: true });
  });

  it('refuses a RESELLER_ADMIN out of scope with 404 id', async () => {
    const reseller = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerB });
    expect((await end(callId, reseller)).body).toMatchObject({ status: 404, message: 'id' });
    expect(await server.store.pendingTerminates('10.0.0.1')).toEqual([]);
  });

  it('refuses an SBC token with 403 access_denied', async () => {
    expect((await end(callId, sbc1)).body).toMatchObject({ status: 403, message: 'access_denied' });
  });

  it('answers 400 bad_request without an id', async () => {
    const res = await call(server, 'endCall', '/sbc/session/', { method: 'DELETE', headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 400, message: 'bad_request' });
  });
});
