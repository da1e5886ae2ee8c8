// Two server nodes (in this process) on one PostgreSQL schema: what one node commits reaches
// the other's streams, and what one revokes the other refuses. The two-process suite (kill -9,
// concurrent ingest through both) is the multi-node suite's.
import { afterEach, describe, expect, it } from 'vitest';
import { temporarySchema, type RunningServer } from '../../src/index.js';
import { bearer, call, json, sessionPath, startTestServer, testPostgresUrl, testSchemaPrefix, tokenFor } from '../helpers.js';
import { EventStreamClient } from '../sse.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function twoNodes(): Promise<[RunningServer, RunningServer]> {
  const schema = await temporarySchema(testPostgresUrl!, testSchemaPrefix);
  cleanup.push(() => schema.drop());
  const a = await startTestServer({ dbPath: schema.url });
  cleanup.push(() => a.close());
  const b = await startTestServer({ dbPath: schema.url });
  cleanup.push(() => b.close());
  return [a, b];
}

async function follow(server: RunningServer, token: string): Promise<EventStreamClient> {
  const stream = await EventStreamClient.open(server, token);
  cleanup.push(async () => stream.close());
  return stream;
}

describe('two nodes on one PostgreSQL database', () => {
  it("a DELETE answered by node B reaches the owning SBC's stream on node A, once", async () => {
    const [a, b] = await twoNodes();
    const admin = await tokenFor(b, 'ADMIN');
    const sbc = await follow(a, await tokenFor(a, 'SBC', { sbcServer: '10.0.0.1' }));
    await sbc.waitForComment('connected');
    await call(b, 'reportSession', sessionPath('far@x'), json(admin, { sbcServer: '10.0.0.1', started: '2026-01-01T10:00:00.000Z' }));

    expect((await call(b, 'endCall', sessionPath('far@x'), { method: 'DELETE', headers: bearer(admin) })).status).toBe(200);
    const [command] = await sbc.waitFor(1);
    expect(command).toMatchObject({ type: 'terminate', callId: 'far@x', sbcServer: '10.0.0.1' });
    // A marker, after the command: the stream is live, and the command came once.
    await call(b, 'reportSession', sessionPath('marker@x'), json(admin, { sbcServer: '10.0.0.1', started: '2026-01-01T10:00:00.000Z' }));
    await call(b, 'endCall', sessionPath('marker@x'), { method: 'DELETE', headers: bearer(admin) });
    expect((await sbc.waitFor(2)).map((e) => [e.type, e.callId])).toEqual([
      ['terminate', 'far@x'],
      ['terminate', 'marker@x'],
    ]);
  });

  it('ingest through node A reaches a subscriber on node B with the ids stored, in order', async () => {
    const [a, b] = await twoNodes();
    const admin = await tokenFor(a, 'ADMIN');
    const watcher = await follow(b, admin);
    await watcher.waitForComment('connected');
    const call1 = { callId: 'one@x', sbcServer: '10.0.0.1', started: '2026-01-01T10:00:00.000Z' };
    await call(a, 'ingestSessions', '/sbc/ingest', json(admin, { sessions: [call1, { ...call1, answered: '2026-01-01T10:00:02.000Z' }, { ...call1, ended: '2026-01-01T10:00:09.000Z' }] }, 'POST'));
    const seen = await watcher.waitFor(3);
    expect(seen.map((e) => e.type)).toEqual(['started', 'answered', 'ended']);
    expect(seen).toEqual(await a.store.eventsAfter(0, 10));
  });

  it('a token revoked through node B is refused by node A once its one-second cache has passed', async () => {
    const [a, b] = await twoNodes();
    const ops = await tokenFor(a, 'ADMIN');
    expect((await call(a, 'listSessions', '/sbc/session', { headers: bearer(ops) })).status).toBe(200);
    await b.store.revokeToken(ops);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call(a, 'listSessions', '/sbc/session', { headers: bearer(ops) })).status).toBe(401);
  });
});
