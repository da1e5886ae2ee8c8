import { describe, expect, it } from 'vitest';
import { describeExchange, exchange } from '../../src/server/exchange.js';
import { scenarioFor } from '../../src/server/scenarios.js';
import { withFailingStore } from '../../src/server/server-under-test.js';
import { documentedPairs } from '../../src/spec/matrix.js';
import { useServer } from './server-fixture.js';

const fixture = useServer();

describe('the server gives every answer the contract documents', () => {
  it.each(documentedPairs(fixture.contract))('$label answers $status', async (pair) => {
    const { contract, sut, world, coverage } = fixture;
    const scenario = scenarioFor(contract, pair, world);
    expect(scenario, `no scenario makes ${pair.label} answer ${pair.status}: add one to src/server/scenarios.ts`).toBeDefined();
    const request = world.as(scenario!.as, scenario!.request);
    const run = () => exchange(contract, sut.url, request, coverage, 'scenario');
    const result = scenario!.storeDown ? await withFailingStore(sut.server.store, run) : await run();
    expect(result.response.status, describeExchange(request, result)).toBe(Number(pair.status));
    expect(result.problem, describeExchange(request, result)).toBeUndefined();
  });
});
