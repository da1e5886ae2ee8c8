import { describe, expect, it } from 'vitest';
import { authProblem, callers } from '../../src/server/auth-expectations.js';
import { describeExchange, exchange } from '../../src/server/exchange.js';
import { acceptedRequest } from '../../src/server/scenarios.js';
import { presentations } from '../../src/server/world.js';
import { useServer } from './server-fixture.js';

const fixture = useServer();

describe('the auth matrix: every operation, every caller, every way to present a token', () => {
  const operations = [...fixture.contract.operations.values()];

  it.each(operations.map((op) => [op.operationId, op] as const))('%s gives each caller its documented answer', async (_id, op) => {
    const { contract, sut, world, coverage } = fixture;
    const wrong: string[] = [];
    for (const caller of callers) {
      for (const presentation of caller === 'no token' ? presentations.slice(0, 1) : presentations) {
        const request = world.as(caller, acceptedRequest(op.operationId), presentation);
        const result = await exchange(contract, sut.url, request, coverage, 'auth');
        const problem = authProblem(op, caller, result);
        if (problem) wrong.push(`${caller} via ${presentation}: ${problem}; ${describeExchange(request, result)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
