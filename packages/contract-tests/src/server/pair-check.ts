import type { Contract } from '@sbc/contract';
import type { CoverageRecorder } from '../report/coverage.js';
import { parseEventStream } from '../spec/event-stream.js';
import type { DocumentedPair } from '../spec/matrix.js';
import { describeExchange, exchange } from './exchange.js';
import { scenarioFor } from './scenarios.js';
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
}

/** Makes the server give one documented answer; says what went wrong (no scenario, another status, an undocumented answer), or undefined. */
export async function pairProblem(target: PairTarget, pair: DocumentedPair): Promise<string | undefined> {
  const scenario = scenarioFor(target.contract, pair);
  if (!scenario) return `no scenario makes ${pair.label} answer ${pair.status}: add one to src/server/scenarios.ts`;
  // With the store down, a token the server may have cached would let the request past the store.
  const request = scenario.storeDown && scenario.as === 'ADMIN' ? await target.world.asNewAdmin(scenario.request) : target.world.as(scenario.as, scenario.request);
  // A stream is read until its first event (the scenario replays stored ones), so that there is an Event to check.
  const firstEvent = { streamMs: 5000, until: (text: string) => parseEventStream(text).length > 0 };
  const run = () => exchange(target.contract, target.url, request, target.coverage, 'scenario', firstEvent);
  const result = scenario.storeDown ? await withFailingStore(target.store, run) : await run();
  if (result.response.status !== Number(pair.status)) return `expected ${pair.status}: ${describeExchange(request, result)}`;
  return result.problem ? describeExchange(request, result) : undefined;
}
