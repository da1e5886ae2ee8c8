import type { Event } from '@sbc/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { call, ids, json, resellerTrees, sessionPath, startTestServer, tokenFor } from './helpers.js';
import { EventStreamClient } from './sse.js';

let server: RunningServer;
let admin: string;
let sbc: string;
const clients: EventStreamClient[] = [];
const started = new Date(Date.UTC(2030, 0, 1, 12)).toISOString();

beforeEach(async () => {
  server = await startTestServer();
  await resellerTrees(server);
  admin = await tokenFor(server, 'ADMIN');
  sbc = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' });
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

async function openAs(resellerId: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
  const client = await EventStreamClient.open(server, await tokenFor(server, 'RESELLER_ADMIN', { customerId: resellerId }), '', headers);
  clients.push(client);
  return client;
}
const startCall = (callId: string, sourceCustomerId: string) =>
  call(server, 'reportSession', sessionPath(callId), json(sbc, { started, sourceCustomerId }));
/** Moves customer A1 (and A1 sub below it) from reseller A to reseller B. */
const moveA1ToB = () =>
  call(server, 'putCustomer', `/sbc/customer/${ids.customerA1}`, json(admin, { name: 'A1', parentReseller: ids.resellerB }, 'PUT'));
const callIds = (events: Event[]) => events.map((e) => e.callId);

describe("a stream's scope follows the customer tree", () => {
  it("after a customer moves to another reseller, its calls go to the new reseller's open stream, not the old one's", async () => {
    const [a, b] = [await openAs(ids.resellerA), await openAs(ids.resellerB)];
    await startCall('before-move@x', ids.customerA1);
    expect(callIds(await a.waitFor(1))).toEqual(['before-move@x']);
    await moveA1ToB();
    await startCall('after-move@x', ids.customerA1sub);
    // A's own call after the moved one: once it arrives, the moved one would have arrived too.
    await startCall('still-a@x', ids.resellerA);
    expect(callIds(await a.waitFor(2))).toEqual(['before-move@x', 'still-a@x']);
    expect(callIds(await b.waitFor(1))).toEqual(['after-move@x']);
  });

  it('a replay judges each event by the customer tree of now, as a GET does', async () => {
    await startCall('moved@x', ids.customerA1);
    await startCall('stays@x', ids.resellerA);
    await moveA1ToB();
    const [a, b] = [await openAs(ids.resellerA, { 'last-event-id': '0' }), await openAs(ids.resellerB, { 'last-event-id': '0' })];
    expect(callIds(await a.waitFor(1))).toEqual(['stays@x']);
    expect(callIds(await b.waitFor(1))).toEqual(['moved@x']);
  });
});
