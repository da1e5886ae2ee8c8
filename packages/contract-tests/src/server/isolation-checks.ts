import type { Contract, SessionList, TrafficStats } from '@sbc/contract';
import { send } from '../http/send.js';
import type { CoverageRecorder } from '../report/coverage.js';
import { parseEventStream } from '../spec/event-stream.js';
import type { WireRequest } from '../spec/wire-request.js';
import { describeExchange, exchange } from './exchange.js';
import { customers, jsonRequest, sbcNodes, sessions, type World } from './world.js';

/** Where the checks send their requests, and as whom: reseller A, who must never see reseller B's calls. */
export interface IsolationTarget {
  contract: Contract;
  url: string;
  world: World;
  coverage: CoverageRecorder;
}

const resellerA = 'RESELLER_ADMIN of A' as const;
const ofB = encodeURIComponent(sessions.liveOfB);
const treeOfA: readonly string[] = [customers.resellerA, customers.customerA1];

async function call(target: IsolationTarget, request: WireRequest, as: typeof resellerA | 'ADMIN' = resellerA) {
  const sent = target.world.as(as, request);
  const result = await exchange(target.contract, target.url, sent, target.coverage, 'isolation');
  const body = () => JSON.parse(result.response.body.toString('utf8')) as unknown;
  return { ...result, body, text: describeExchange(sent, result) };
}

/** Each check says what leaked, or undefined. */
export const isolationChecks: Record<string, (target: IsolationTarget) => Promise<string | undefined>> = {
  async "gets 404 id for B's session, as if it did not exist"(target) {
    const result = await call(target, { method: 'GET', target: `/sbc/session/${ofB}`, headers: {} });
    if (result.problem) return result.text;
    return result.response.status === 404 && (result.body() as { message: string }).message === 'id' ? undefined : `B's session answered: ${result.text}`;
  },

  async 'lists only sessions of its own customer tree'(target) {
    const result = await call(target, { method: 'GET', target: '/sbc/session?full=true&limit=1000', headers: {} });
    if (result.problem || result.response.status !== 200) return result.text;
    const list = result.body() as SessionList;
    if (!list.sessions.some((s) => s.callId === sessions.liveOfA)) return `its own session is missing: ${result.text}`;
    const foreign = list.sessions.filter((s) => ![s.sourceCustomerId, s.destinationCustomerId].some((id) => id !== undefined && treeOfA.includes(id)));
    return foreign.length === 0 ? undefined : `listed sessions of others: ${foreign.map((s) => s.callId).join(', ')}`;
  },

  async "finds nothing when it filters by B's customer"(target) {
    const result = await call(target, { method: 'GET', target: `/sbc/session?customer=${customers.customerB1}`, headers: {} });
    if (result.problem || result.response.status !== 200) return result.text;
    const list = result.body() as SessionList;
    return list.total === 0 && list.sessions.length === 0 ? undefined : `B's customer's sessions were listed: ${result.text}`;
  },

  async "counts only its own tree's calls in traffic statistics, and names no customer of B"(target) {
    const result = await call(target, { method: 'GET', target: '/sbc/stats?top=100', headers: {} });
    if (result.problem || result.response.status !== 200) return result.text;
    const { live } = result.body() as TrafficStats;
    const named = live.topCustomers.map((c) => c.id);
    if (!named.includes(customers.customerA1)) return `its own customer is missing: ${result.text}`;
    const foreign = named.filter((id) => !treeOfA.includes(id));
    if (foreign.length > 0) return `named customers of others: ${foreign.join(', ')}`;
    // As many live calls as it may list.
    const listed = await call(target, { method: 'GET', target: '/sbc/session?live=true', headers: {} });
    const own = (listed.body() as SessionList).total;
    return live.calls === own ? undefined : `counted ${live.calls} live calls, but lists ${own}: ${result.text}`;
  },

  async "cannot end B's call, which stays as it was"(target) {
    const before = await call(target, { method: 'GET', target: `/sbc/session/${ofB}`, headers: {} }, 'ADMIN');
    const ended = await call(target, { method: 'DELETE', target: `/sbc/session/${ofB}`, headers: {} });
    const after = await call(target, { method: 'GET', target: `/sbc/session/${ofB}`, headers: {} }, 'ADMIN');
    if (ended.problem || ended.response.status !== 404) return `ending B's call answered: ${ended.text}`;
    return after.response.body.equals(before.response.body) ? undefined : `B's session changed: ${after.text}`;
  },

  async "receives no event of B's calls, replayed or live"(target) {
    const { url, world } = target;
    const started = '2026-01-03T09:00:00.000Z';
    const unique = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const newOfA = `new-a-${unique}@10.0.0.1`;
    const newOfB = `new-b-${unique}@10.0.0.2`;
    // B's new call is ingested first: once A's own new call has arrived, B's would have too.
    const untilOwn = (text: string) => parseEventStream(text).some((m) => m.data.includes(newOfA));
    const stream = send(url, world.as(resellerA, { method: 'GET', target: '/sbc/events', headers: { 'last-event-id': '0' } }), { streamMs: 5000, until: untilOwn });
    // Whether the stream is live before the ingest or replays it after, A's new call reaches it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ingest = jsonRequest('POST', '/sbc/ingest', {
      sessions: [
        { callId: newOfB, sbcServer: sbcNodes.b, started, sourceCustomerId: customers.customerB1 },
        { callId: newOfA, sbcServer: sbcNodes.a, started, sourceCustomerId: customers.customerA1 },
      ],
    });
    const ingested = await send(url, world.as('ADMIN', ingest));
    if (ingested.status !== 200) return `could not add sessions: ${ingested.status}`;
    const callIds = parseEventStream((await stream).body.toString('utf8')).map((m) => (JSON.parse(m.data) as { callId: string }).callId);
    if (!callIds.includes(sessions.liveOfA) || !callIds.includes(newOfA)) return `its own events are missing: ${callIds.join(', ')}`;
    const leaked = callIds.filter((id) => id === sessions.liveOfB || id === newOfB);
    return leaked.length === 0 ? undefined : `events of B's calls were sent: ${leaked.join(', ')}`;
  },
};
