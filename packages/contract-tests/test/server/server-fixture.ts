import { loadContract, type Contract } from '@sbc/contract';
import { afterAll, beforeAll, inject } from 'vitest';
import { CoverageRecorder } from '../../src/report/coverage.js';
import { startServerUnderTest, type ServerUnderTest } from '../../src/server/server-under-test.js';
import { buildWorld, type World } from '../../src/server/world.js';

export interface ServerFixture {
  contract: Contract;
  coverage: CoverageRecorder;
  sut: ServerUnderTest;
  world: World;
}

/**
 * One real server with the seeded world for a test file, stopped after it. What it answered goes
 * to the coverage table, unless `reportCoverage` is false (the tests of the tests talk to broken servers).
 */
export function useServer({ reportCoverage = true } = {}): ServerFixture {
  const fixture = { contract: loadContract(), coverage: new CoverageRecorder(inject('coverageDir')) } as ServerFixture;
  beforeAll(async () => {
    fixture.sut = await startServerUnderTest();
    fixture.world = await buildWorld(fixture.sut);
  });
  afterAll(async () => {
    if (reportCoverage) fixture.coverage.flush();
    await fixture.sut?.stop();
  });
  return fixture;
}
