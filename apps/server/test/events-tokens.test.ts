import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { call, contract, ids, json, resellerTrees, startTestServer } from './helpers.js';
import { EventStreamClient } from './sse.js';

// An open stream checks its token again every second: these tests wait for the server to end
// the stream, and would time out if it never did.

let server: RunningServer;
let clock = new Date(Date.UTC(2030, 0, 1, 12));
const clients: EventStreamClient[] = [];

async function open(token: string): Promise<EventStreamClient> {
  const client = await EventStreamClient.open(server, token);
  clients.push(client);
  await client.waitForComment('connected');
  return client;
}

/** The Error body of the stream's last comment, `: closed {...}`. */
function closedBecause(client: EventStreamClient): unknown {
  const last = client.comments.at(-1) ?? '';
  expect(last).toMatch(/^closed \{/);
  const body = JSON.parse(last.slice('closed '.length)) as unknown;
  expect(contract.schema('Error')(body)).toBeNull();
  return body;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

describe('a stream whose token stops being valid', () => {
  it('ends after the token is revoked, with a last comment saying so', async () => {
    server = await startTestServer();
    const { token, id } = await server.store.createToken({ level: 'ADMIN' });
    const watcher = await open(token);
    await server.store.revokeToken(id);
    await watcher.waitForEnd();
    expect(closedBecause(watcher)).toMatchObject({ status: 401, message: 'invalid_token' });
  });

  it('ends when the token expires, with a last comment saying so', async () => {
    server = await startTestServer({ now: () => clock });
    const { token } = await server.store.createToken({ level: 'ADMIN', expiresAt: new Date(clock.getTime() + 60_000) });
    const watcher = await open(token);
    clock = new Date(clock.getTime() + 61_000);
    await watcher.waitForEnd();
    expect(closedBecause(watcher)).toMatchObject({ status: 401, message: 'expired' });
  });

  it("ends when the reseller's customer loses the TELE feature", async () => {
    server = await startTestServer();
    await resellerTrees(server);
    const admin = (await server.store.createToken({ level: 'ADMIN' })).token;
    const { token } = await server.store.createToken({ level: 'RESELLER_ADMIN', customerId: ids.resellerA });
    const watcher = await open(token);
    await call(server, 'putCustomer', `/sbc/customer/${ids.resellerA}`, json(admin, { name: 'Reseller A', features: [] }, 'PUT'));
    await watcher.waitForEnd();
    expect(closedBecause(watcher)).toMatchObject({ status: 403, message: 'access_denied' });
  });

  it('keeps a stream whose token stays valid', async () => {
    server = await startTestServer({ heartbeatSeconds: 0.5 });
    const { token } = await server.store.createToken({ level: 'ADMIN' });
    const watcher = await open(token);
    // Four heartbeats span more than one token check.
    while (watcher.comments.filter((c) => c === 'heartbeat').length < 4 && !watcher.ended) await new Promise((r) => setTimeout(r, 100));
    expect(watcher.ended).toBe(false);
  });
});
