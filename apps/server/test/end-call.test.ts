import type { Session } from '@sbc/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, holdStore, ids, json, resellerTrees, sessionPath, startTestServer, tokenFor } from './helpers.js';
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
  it('answers 200 outcome requested for a live call, with the session as it is now', async () => {
    const res = await end();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, outcome: 'requested', session: { callId, sbcServer: '10.0.0.1' } });
  });

  it('shows on the session that its end was requested, and when', async () => {
    const res = await end();
    const requested = res.body.session.terminationRequested;
    expect(Date.parse(requested)).not.toBeNaN();
    const got = await call<Session>(server, 'getSession', sessionPath(callId), { headers: bearer(admin) });
    expect(got.body).toMatchObject({ terminationRequested: requested });
    expect(got.body.ended).toBeUndefined();
  });

  it('shows it in the list summary too', async () => {
    const requested = (await end()).body.session.terminationRequested;
    const list = await call(server, 'listSessions', '/sbc/session?live=true', { headers: bearer(admin) });
    expect(list.body.sessions).toEqual([expect.objectContaining({ callId, terminationRequested: requested })]);
  });

  it('keeps the time of the request after the call ended', async () => {
    const requested = (await end()).body.session.terminationRequested;
    const res = await report({ ended: '2025-01-01T12:01:00.000Z', endedReason: 'BYE' });
    expect(res.body).toMatchObject({ terminationRequested: requested, ended: '2025-01-01T12:01:00.000Z' });
  });

  it('is not set on a call whose end nobody requested', async () => {
    const got = await call<Session>(server, 'getSession', sessionPath(callId), { headers: bearer(admin) });
    expect(got.body.terminationRequested).toBeUndefined();
  });

  it('cannot be set by a report', async () => {
    const res = await report({ terminationRequested: '2025-01-01T12:00:30.000Z' });
    expect(res.body).toMatchObject({ status: 422, message: 'terminationRequested' });
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

  it('tells watchers that termination was requested, at the time the session shows', async () => {
    const watcher = await open(admin);
    const requested = (await end()).body.session.terminationRequested;
    const [event] = await watcher.waitFor(1);
    expect(event).toMatchObject({ type: 'terminationRequested', callId, time: requested, session: { callId, sbcServer: '10.0.0.1', terminationRequested: requested } });
  });

  it('keeps the command for an SBC that connects later', async () => {
    await end();
    const late = await open(sbc1);
    expect(await late.waitFor(1)).toMatchObject([{ type: 'terminate', callId }]);
  });

  it('sends a command once to an SBC that connects while it is being issued', async () => {
    const release = holdStore(server.store, 'pendingTerminates');
    const sbc = await open(sbc1);
    const watcher = await open(admin);
    await watcher.waitForComment('connected');
    await end();
    // The live command has reached the stream, which is still reading its pending ones.
    await watcher.waitFor(1);
    release();
    await report({ started: '2025-01-01T12:00:00.000Z' }, sbc1, 'marker@10.0.0.1');
    await end('marker@10.0.0.1');
    expect((await sbc.waitFor(2)).map((e) => e.callId)).toEqual([callId, 'marker@10.0.0.1']);
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

  it('is idempotent: ending twice answers outcome alreadyRequested, keeps the first time and sends nothing new', async () => {
    const first = await end();
    const res = await end();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, outcome: 'alreadyRequested', session: { terminationRequested: first.body.session.terminationRequested } });
    const events = await server.store.eventsAfter(0, 100);
    expect(events.map((e) => e.type)).toEqual(['started', 'terminationRequested', 'terminate']);
  });

  it('answers outcome alreadyEnded for an ended call, saying when and how it ended, and sends no command', async () => {
    await report({ ended: '2025-01-01T12:01:00.000Z', endedReason: 'BYE', endedBy: 'A' });
    const res = await end();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, outcome: 'alreadyEnded', session: expect.objectContaining({ ended: '2025-01-01T12:01:00.000Z', endedReason: 'BYE', endedBy: 'A' }) });
    expect(res.body.session.terminationRequested).toBeUndefined();
    expect(await server.store.pendingTerminates('10.0.0.1')).toEqual([]);
  });

  it('answers alreadyEnded for a call that ended after its end was requested', async () => {
    await end();
    await report({ ended: '2025-01-01T12:01:00.000Z', endedReason: 'BYE' });
    expect((await end()).body).toMatchObject({ outcome: 'alreadyEnded', session: { endedBy: 'S' } });
  });

  it('answers 404 id for an unknown call', async () => {
    expect((await end('nobody@x')).body).toMatchObject({ status: 404, message: 'id' });
  });

  it('lets a RESELLER_ADMIN with TELE end a call in its scope', async () => {
    const reseller = await tokenFor(server, 'RESELLER_ADMIN', { customerId: ids.resellerA });
    expect((await end(callId, reseller)).body).toMatchObject({ success: true, outcome: 'requested' });
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

describe('a terminate command follows the session to another SBC node', () => {
  // An administrator's report moves the call from 10.0.0.1 to 10.0.0.2 after its end was requested.
  const move = () => report({ sbcServer: '10.0.0.2' }, admin);

  it('goes to the new owner, live and on every connection', async () => {
    await end();
    const live = await open(sbc2);
    await live.waitForComment('connected');
    await move();
    const [command] = await live.waitFor(1);
    expect(command).toMatchObject({ type: 'terminate', callId, sbcServer: '10.0.0.2' });
    const later = await open(sbc2);
    expect(await later.waitFor(1)).toEqual([command]);
  });

  it('keeps the time the end was requested', async () => {
    await end();
    const [original] = await server.store.pendingTerminates('10.0.0.1');
    await move();
    const [moved] = await server.store.pendingTerminates('10.0.0.2');
    expect(moved!.time).toBe(original!.time);
  });

  it('is no longer sent to the old owner', async () => {
    await end();
    await move();
    expect(await server.store.pendingTerminates('10.0.0.1')).toEqual([]);
  });

  it('is retired once the new owner reports the end', async () => {
    await end();
    await move();
    const res = await report({ ended: '2025-01-01T12:01:00.000Z', endedReason: 'BYE' }, sbc2);
    expect(res.body).toMatchObject({ endedBy: 'S', sbcServer: '10.0.0.2' });
    expect(await server.store.pendingTerminates('10.0.0.2')).toEqual([]);
  });

  it('is not created by a move when no end was requested', async () => {
    await move();
    expect(await server.store.pendingTerminates('10.0.0.2')).toEqual([]);
  });
});
