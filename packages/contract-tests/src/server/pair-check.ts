import type { Contract } from '@sbc/contract';
import { send } from '../http/send.js';
import type { CoverageRecorder } from '../report/coverage.js';
import { parseEventStream } from '../spec/event-stream.js';
import type { DocumentedPair } from '../spec/matrix.js';
import type { WireRequest } from '../spec/wire-request.js';
import { describeExchange, exchange, type Exchange } from './exchange.js';
import { scenarioFor, type Scenario } from './scenarios.js';
import { withFailingStore } from './server-under-test.js';
import type { SessionStore } from '@sbc/server';
import type { World } from './world.js';

export interface PairTarget {
  contract: Contract;
  url: string;
  world: World;
  /** The store of the server behind `url`, to take down for the 5xx scenarios. */
  store: SessionStore;
  coverage: CoverageRecorder;
  /** A server that allows each token one request, and its world, for the 429 scenarios. */
  rateLimited?: () => Promise<{ url: string; world: World }>;
}

/** Makes the server give one documented answer; says what went wrong (no scenario, another status, an undocumented answer), or undefined. */
export async function pairProblem(target: PairTarget, pair: DocumentedPair): Promise<string | undefined> {
  const scenario = scenarioFor(target.contract, pair);
  if (!scenario) return `no scenario makes ${pair.label} answer ${pair.status}: add one to src/server/scenarios.ts`;
  const sent = scenario.overRateLimit ? await sendOverRateLimit(target, scenario.request) : await sendAsScenarioSays(target, scenario);
  if (typeof sent === 'string') return sent;
  const { request, result } = sent;
  if (result.response.status !== Number(pair.status)) return `expected ${pair.status}: ${describeExchange(request, result)}`;
  return result.problem ? describeExchange(request, result) : undefined;
}

type Sent = { request: WireRequest; result: Exchange };

async function sendAsScenarioSays(target: PairTarget, scenario: Scenario): Promise<Sent> {
  // With the store down, a token the server may have cached would let the request past the store.
  const request = scenario.storeDown && scenario.as === 'ADMIN' ? await target.world.asNewAdmin(scenario.request) : target.world.as(scenario.as, scenario.request);
  // A stream is read until its first event (the scenario replays stored ones), so that there is an Event to check.
  const firstEvent = { streamMs: 5000, until: (text: string) => parseEventStream(text).length > 0 };
  const run = () => exchange(target.contract, target.url, request, target.coverage, 'scenario', firstEvent);
  return { request, result: scenario.storeDown ? await withFailingStore(target.store, run, scenario.storeDown) : await run() };
}

/** A new token uses up its one request on the rate-limited server with another operation; then the scenario's request goes. */
async function sendOverRateLimit(target: PairTarget, scenarioRequest: WireRequest): Promise<Sent | string> {
  if (!target.rateLimited) return 'a 429 scenario needs a rate-limited server: give the check one';
  const { url, world } = await target.rateLimited();
  const request = await world.asNewAdmin(scenarioRequest);
  const first = await send(url, { method: 'GET', target: '/sbc/customer?limit=1', headers: { authorization: request.headers['authorization']! } });
  if (first.status !== 200) return `the request that uses up the token's one request got ${first.status}`;
  return { request, result: await exchange(target.contract, url, request, target.coverage, 'scenario') };
}
