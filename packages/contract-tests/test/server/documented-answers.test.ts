import { loadContract } from '@sbc/contract';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CoverageRecorder } from '../../src/report/coverage.js';
import { describeExchange, exchange } from '../../src/server/exchange.js';
import { scenarioFor } from '../../src/server/scenarios.js';
import { startServerUnderTest, withFailingStore, type ServerUnderTest } from '../../src/server/server-under-test.js';
import { buildWorld, type World } from '../../src/server/world.js';
import { documentedPairs } from '../../src/spec/matrix.js';

const contract = loadContract();
const coverage = new CoverageRecorder(inject('coverageDir'));
let sut: ServerUnderTest;
let world: World;

beforeAll(async () => {
  sut = await startServerUnderTest();
  world = await buildWorld(sut);
});
afterAll(async () => {
  coverage.flush();
  await sut?.stop();
});

describe('the server gives every answer the contract documents', () => {
  it.each(documentedPairs(contract))('$label answers $status', async (pair) => {
    const scenario = scenarioFor(contract, pair, world);
    expect(scenario, `no scenario makes ${pair.label} answer ${pair.status}: add one to src/server/scenarios.ts`).toBeDefined();
    const request = world.as(scenario!.as, scenario!.request);
    const run = () => exchange(contract, sut.url, request, coverage, 'scenario');
    const result = scenario!.storeDown ? await withFailingStore(sut.server.store, run) : await run();
    expect(result.response.status, describeExchange(request, result)).toBe(Number(pair.status));
    expect(result.problem, describeExchange(request, result)).toBeUndefined();
  });
});
