import { describe, expect, it } from 'vitest';
import { isolationChecks } from '../../src/server/isolation-checks.js';
import { useServer } from './server-fixture.js';

const fixture = useServer();

describe("a reseller never sees another reseller's calls", () => {
  it.each(Object.entries(isolationChecks))('%s', async (_name, check) => {
    const { contract, sut, world, coverage } = fixture;
    expect(await check({ contract, url: sut.url, world, coverage })).toBeUndefined();
  });
});
