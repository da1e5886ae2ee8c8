import type { SessionList } from '@sbc/contract';
import { describe, expect, it } from 'vitest';
import { send } from '../../src/http/send.js';
import { describeExchange, exchange } from '../../src/server/exchange.js';
import { customers, jsonRequest, sbcNodes, sessions } from '../../src/server/world.js';
import { parseEventStream } from '../../src/spec/event-stream.js';
import type { WireRequest } from '../../src/spec/wire-request.js';
import { useServer } from './server-fixture.js';

const fixture = useServer();
const resellerA = 'RESELLER_ADMIN of A' as const;
const ofB = encodeURIComponent(sessions.liveOfB);
const treeOfA: string[] = [customers.resellerA, customers.customerA1];

async function call(request: WireRequest, as: typeof resellerA | 'ADMIN' = resellerA) {
  const { contract, sut, world, coverage } = fixture;
  const sent = world.as(as, request);
  const result = await exchange(contract, sut.url, sent, coverage, 'isolation');
  expect(result.problem, describeExchange(sent, result)).toBeUndefined();
  return result;
}

const bodyOf = <T>(result: { response: { body: Buffer } }) => JSON.parse(result.response.body.toString('utf8')) as T;

describe("a reseller never sees another reseller's calls", () => {
  it("gets 404 id for B's session, as if it did not exist", async () => {
    const result = await call({ method: 'GET', target: `/sbc/session/${ofB}`, headers: {} });
    expect(result.response.status).toBe(404);
    expect(bodyOf<{ message: string }>(result).message).toBe('id');
  });

  it('lists only sessions of its own customer tree', async () => {
    const list = bodyOf<SessionList>(await call({ method: 'GET', target: '/sbc/session?full=true&limit=1000', headers: {} }));
    expect(list.sessions.map((s) => s.callId)).toContain(sessions.liveOfA);
    for (const session of list.sessions) {
      expect([session.sourceCustomerId, session.destinationCustomerId].some((id) => id !== undefined && treeOfA.includes(id)), session.callId).toBe(true);
    }
  });

  it("finds nothing when it filters by B's customer", async () => {
    const list = bodyOf<SessionList>(await call({ method: 'GET', target: `/sbc/session?customer=${customers.customerB1}`, headers: {} }));
    expect(list).toMatchObject({ total: 0, sessions: [] });
  });

  it("cannot end B's call, which stays as it was", async () => {
    const before = await call({ method: 'GET', target: `/sbc/session/${ofB}`, headers: {} }, 'ADMIN');
    const ended = await call({ method: 'DELETE', target: `/sbc/session/${ofB}`, headers: {} });
    expect(ended.response.status).toBe(404);
    const after = await call({ method: 'GET', target: `/sbc/session/${ofB}`, headers: {} }, 'ADMIN');
    expect(after.response.body.toString('utf8')).toBe(before.response.body.toString('utf8'));
  });

  it("receives no event of B's calls, replayed or live", async () => {
    const { sut, world } = fixture;
    const stream = send(sut.url, world.as(resellerA, { method: 'GET', target: '/sbc/events', headers: { 'last-event-id': '0' } }), { streamMs: 600 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = '2026-01-03T09:00:00.000Z';
    const newOfA = `new-a-${Date.now()}@10.0.0.1`;
    const newOfB = `new-b-${Date.now()}@10.0.0.2`;
    const ingest = jsonRequest('POST', '/sbc/ingest', {
      sessions: [
        { callId: newOfB, sbcServer: sbcNodes.b, started, sourceCustomerId: customers.customerB1 },
        { callId: newOfA, sbcServer: sbcNodes.a, started, sourceCustomerId: customers.customerA1 },
      ],
    });
    expect((await send(sut.url, world.as('ADMIN', ingest))).status).toBe(200);
    const callIds = parseEventStream((await stream).body.toString('utf8')).map((m) => (JSON.parse(m.data) as { callId: string }).callId);
    expect(callIds).toContain(sessions.liveOfA);
    expect(callIds).toContain(newOfA);
    expect(callIds.filter((id) => id === sessions.liveOfB || id === newOfB)).toEqual([]);
  });
});
