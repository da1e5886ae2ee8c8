import type { Event, IngestResponse, Session } from '@sbc/contract';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, call, json, sessionPath } from '../../helpers.js';
import { EventStreamClient } from '../../sse.js';
import { admin, eventually, rollbacks, scratchDatabase, sleep, startNode, type ServerNode } from './nodes.js';

// Two server processes, A and B, on one PostgreSQL database behave as one server: what is
// written through either reaches every subscriber of both, in one order, and what one node
// is told (a revocation, an end request) the other acts on.

const baseUrl = process.env['SBC_TEST_POSTGRES_URL'];
vi.setConfig({ testTimeout: 60_000, hookTimeout: 90_000 });

let database: Awaited<ReturnType<typeof scratchDatabase>>;
let a: ServerNode;
let b: ServerNode;
let adminToken: string;
let sbcToken: string;
const subscribers: EventStreamClient[] = [];

const sbcNode = '10.0.0.1';
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const ofCalls = (prefix: string) => (event: Event) => event.callId.startsWith(prefix);

async function subscribe(node: ServerNode, token = adminToken, headers: Record<string, string> = {}): Promise<EventStreamClient> {
  const client = await EventStreamClient.open(node, token, '', headers);
  expect(client.status).toBe(200);
  subscribers.push(client);
  return client;
}

/** The events of these calls as the database holds them: a replay from the start, through `node`. */
async function storedEvents(node: ServerNode, prefix: string, count: number): Promise<Event[]> {
  const replay = await subscribe(node, adminToken, { 'Last-Event-ID': '0' });
  await eventually(`${count} stored events of ${prefix}`, () => replay.events().filter(ofCalls(prefix)).length >= count);
  replay.close();
  return replay.events().filter(ofCalls(prefix));
}

const ingest = (node: ServerNode, sessions: object[], token = sbcToken) =>
  call<IngestResponse>(node, 'ingestSessions', '/sbc/ingest', json(token, { sessions }, 'POST'));
const endCall = (node: ServerNode, callId: string) => call(node, 'endCall', sessionPath(callId), { method: 'DELETE', headers: bearer(adminToken) });
const ids = (events: Event[]) => events.map((event) => event.id);

describe.skipIf(!baseUrl)('two server nodes on one PostgreSQL database', () => {
  beforeAll(async () => {
    database = await scratchDatabase(baseUrl!, 'multinode_suite');
    // Both start together on the empty database: one of them makes the first ADMIN token.
    [a, b] = [startNode('A', database.url), startNode('B', database.url)];
    await Promise.all([a.ready(), b.ready()]);
    const shown = [a, b].map((node) => /Bearer (sbc_[A-Za-z0-9_-]+)/.exec(node.stdout())?.[1]).filter((token) => token !== undefined);
    expect(shown).toHaveLength(1);
    adminToken = shown[0]!;
    sbcToken = await admin(database.url, 'token', 'create', '--level', 'SBC', '--sbc-server', sbcNode);
  });

  afterAll(async () => {
    for (const subscriber of subscribers) subscriber.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  it('printed one first ADMIN token between the two nodes that started together', async () => {
    expect((await call(a, 'listSessions', '/sbc/session', { headers: bearer(adminToken) })).status).toBe(200);
    expect((await call(b, 'listSessions', '/sbc/session', { headers: bearer(adminToken) })).status).toBe(200);
  });

  it('a subscriber of B gets a call reported through A started, answered and ended, in order, with the ids stored', async () => {
    const onB = await subscribe(b);
    const callId = 'lifecycle@10.0.0.1';
    await ingest(a, [{ callId, aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O', started: ago(3000) }]);
    await ingest(a, [{ callId, answered: ago(2000) }]);
    await ingest(a, [{ callId, ended: ago(1000), endedReason: 'BYE', endedBy: 'A' }]);
    await eventually('three events on B', () => onB.events().filter(ofCalls(callId)).length >= 3);
    const received = onB.events().filter(ofCalls(callId));
    expect(received.map((event) => event.type)).toEqual(['started', 'answered', 'ended']);
    expect(ids(received)).toEqual(ids(await storedEvents(a, callId, 3)));
  });

  it('concurrent ingest and DELETEs through both nodes reach every subscriber of both in one order, none missed, none twice', async () => {
    const prefix = 'mixed-';
    const listeners = [await subscribe(a), await subscribe(a), await subscribe(b), await subscribe(b)];
    const calls = Array.from({ length: 240 }, (_, i) => `${prefix}${i}@10.0.0.1`);
    const start = (callId: string) => ({ callId, aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O', started: ago(5000) });
    // Each node ingests its half of the calls in batches of 20 while the other half's first
    // calls are ended through both nodes: every live call ended once (one event each).
    const half = calls.length / 2;
    const batches = (list: string[]) => Array.from({ length: list.length / 20 }, (_, i) => list.slice(i * 20, i * 20 + 20).map(start));
    await Promise.all([ingest(a, calls.slice(0, 20).map(start)), ingest(b, calls.slice(half, half + 20).map(start))]);
    const ended = [...calls.slice(0, 20), ...calls.slice(half, half + 20)];
    const answers = await Promise.all([
      ...batches(calls.slice(20, half)).map((batch) => ingest(a, batch)),
      ...batches(calls.slice(half + 20)).map((batch) => ingest(b, batch)),
      ...ended.map((callId, i) => endCall(i % 2 === 0 ? a : b, callId)),
    ]);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const expected = calls.length + ended.length;
    const stored = await storedEvents(b, prefix, expected);
    expect(stored).toHaveLength(expected);
    for (const listener of listeners) {
      await eventually('every event at every subscriber', () => listener.events().filter(ofCalls(prefix)).length >= expected);
      expect(ids(listener.events().filter(ofCalls(prefix)))).toEqual(ids(stored));
    }
    const all = ids(stored);
    expect(all).toEqual([...all].sort((x, y) => x - y));
    expect(new Set(all).size).toBe(all.length);
  });

  it('concurrent ingest through both nodes of the same calls in opposite orders loses no report and refuses none', async () => {
    const rolledBack = await rollbacks(database.url);
    for (let round = 0; round < 5; round++) {
      const calls = Array.from({ length: 100 }, (_, i) => `crossing-${round}-${i}@10.0.0.1`);
      const started = ago(4000);
      const answered = ago(3000);
      // The same rows in opposite orders: the shape that makes two transactions deadlock.
      const [throughA, throughB] = await Promise.all([
        ingest(a, calls.map((callId) => ({ callId, aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O', started }))),
        ingest(b, [...calls].reverse().map((callId) => ({ callId, started, answered }))),
      ]);
      for (const answer of [throughA, throughB]) {
        expect(answer.status).toBe(200);
        expect(answer.body.results.filter((result) => result.result === 'rejected')).toEqual([]);
      }
      for (const callId of [calls[0]!, calls[99]!]) {
        const session = (await call<Session>(a, 'getSession', sessionPath(callId), { headers: bearer(adminToken) })).body;
        expect(session).toMatchObject({ aNumber: '+4581808888', started, answered });
      }
    }
    // The batches did collide (a Call-ID inserted by both, or a deadlock), and the node ran its
    // transaction again: without a retry this test would show nothing.
    await eventually('a transaction rolled back and run again', async () => (await rollbacks(database.url)) > rolledBack, 15_000);
  });

  it('a DELETE answered by B reaches the SBC agent following A within a second', async () => {
    const agent = await subscribe(a, sbcToken);
    const callId = 'to-end@10.0.0.1';
    await ingest(a, [{ callId, started: ago(1000) }]);
    const asked = Date.now();
    expect((await endCall(b, callId)).status).toBe(200);
    await eventually('the terminate command on A', () => agent.events().some((event) => event.type === 'terminate' && event.callId === callId), 1000);
    expect(Date.now() - asked).toBeLessThan(1000);
  });

  it('a token revoked through the admin command line is refused by both nodes within the second a node trusts it', async () => {
    const token = await admin(database.url, 'token', 'create', '--level', 'ADMIN', '--name', 'to revoke');
    const list = (node: ServerNode) => call(node, 'listSessions', '/sbc/session?limit=1', { headers: bearer(token) });
    // Both nodes have looked it up (and keep it for a second) when it is revoked.
    expect([(await list(a)).status, (await list(b)).status]).toEqual([200, 200]);
    await admin(database.url, 'token', 'revoke', token);
    const revoked = Date.now();
    for (const node of [a, b]) await eventually(`401 on ${node.name}`, async () => (await list(node)).status === 401, 1500);
    // A lookup is trusted for one second (auth.ts): that, and no more than a moment besides.
    expect(Date.now() - revoked).toBeLessThan(1500);
  });

  it('ends a call that outlived MAX_CALL_HOURS once, whichever node runs the job', async () => {
    const listener = await subscribe(a);
    const callId = 'stale@10.0.0.1';
    await ingest(b, [{ callId, started: ago(13 * 3_600_000) }]);
    await eventually('the stale call ended', async () => (await call<Session>(b, 'getSession', sessionPath(callId), { headers: bearer(adminToken) })).body.ended !== undefined);
    // Three more rounds of each node's job, which must leave it ended once.
    await sleep(3000);
    expect(listener.events().filter((event) => event.callId === callId).map((event) => event.type)).toEqual(['started', 'ended']);
  });

  it('a client streaming from A when A is killed resumes on B with Last-Event-ID and misses nothing', async () => {
    const prefix = 'crash-';
    const onA = await subscribe(a);
    const writes = (async () => {
      for (let i = 0; i < 30; i++) {
        await ingest(b, Array.from({ length: 5 }, (_, j) => ({ callId: `${prefix}${i}-${j}@10.0.0.1`, started: ago(1000) })));
        if (i === 10) await a.crash();
        await sleep(20);
      }
    })();
    await onA.waitForEnd();
    const last = onA.messages.at(-1)?.id ?? '0';
    const onB = await subscribe(b, adminToken, { 'Last-Event-ID': last });
    await writes;
    const expected = 30 * 5;
    await eventually('every event of the run, across both streams', () => [...onA.events(), ...onB.events()].filter(ofCalls(prefix)).length >= expected);
    const received = [...onA.events(), ...onB.events()].filter(ofCalls(prefix));
    expect(ids(received)).toEqual(ids(await storedEvents(b, prefix, expected)));
  });
});
