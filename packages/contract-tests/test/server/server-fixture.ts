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
  /** A second server, started on first use, that allows each token one request (then 429 for 1000 s). */
  rateLimited(): Promise<{ url: string; world: World }>;
}

/**
 * One real server with the seeded world for a test file, stopped after it. What it answered goes
 * to the coverage table, unless `reportCoverage` is false (the tests of the tests talk to broken servers).
 */
export function useServer({ reportCoverage = true } = {}): ServerFixture {
  let limited: Promise<{ sut: ServerUnderTest; world: World }> | undefined;
  const fixture = {
    contract: loadContract(),
    coverage: new CoverageRecorder(inject('coverageDir')),
    async rateLimited() {
      limited ??= startServerUnderTest({ rateLimitPerSecond: 0.001, rateLimitBurst: 1 }).then(async (sut) => ({ sut, world: await buildWorld(sut) }));
      const { sut, world } = await limited;
      return { url: sut.url, world };
    },
  } as ServerFixture;
  beforeAll(async () => {
    fixture.sut = await startServerUnderTest();
    fixture.world = await buildWorld(fixture.sut);
  });
  afterAll(async () => {
    if (reportCoverage) fixture.coverage.flush();
    await fixture.sut?.stop();
    await (await limited)?.sut.stop();
  });
  return fixture;
}
