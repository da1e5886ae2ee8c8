import { describe, expect, it } from 'vitest';
import { pairProblem } from '../../src/server/pair-check.js';
import { documentedPairs } from '../../src/spec/matrix.js';
import { useServer } from './server-fixture.js';

const fixture = useServer();

describe('the server gives every answer the contract documents', () => {
  it.each(documentedPairs(fixture.contract))('$label answers $status', async (pair) => {
    const { contract, sut, world, coverage, rateLimited } = fixture;
    expect(await pairProblem({ contract, url: sut.url, world, store: sut.server.store, coverage, rateLimited }, pair)).toBeUndefined();
  });
});
