import fc from 'fast-check';
import { loadContract } from '@sbc/contract';
import { describe, expect, it } from 'vitest';
import { applicableMalformations, malformedRequestArbitrary } from '../../src/generate/malformed-requests.js';
import type { RequestContext } from '../../src/generate/request-context.js';
import { validRequestArbitrary } from '../../src/generate/valid-requests.js';
import { checkRequest } from '../../src/spec/request-check.js';

const contract = loadContract();
const context: RequestContext = {
  contract,
  credentials: { authorization: 'Bearer a-token' },
  knownIds: { CallId: ['known@10.0.0.1'], HexId: ['1234567890abcdef12345678'] },
};
const operations = [...contract.operations.values()];
const seed = 20261126;

describe('request generators read from the spec', () => {
  it.each(operations.map((op) => [op.operationId, op] as const))('make requests the contract accepts for %s', (_id, op) => {
    for (const request of fc.sample(validRequestArbitrary(context, op), { numRuns: 20, seed })) {
      expect(checkRequest(contract, request)).toMatchObject({ kind: 'valid', operation: { operationId: op.operationId } });
    }
  });

  const spoilt = operations.flatMap((op) =>
    applicableMalformations(op, context)
      .filter((m) => m.refused)
      .map((m) => [op.operationId, m.name, op, m] as const),
  );
  it.each(spoilt)('spoil %s requests with %s, and the contract refuses each', (_id, _name, op, malformation) => {
    for (const request of fc.sample(malformedRequestArbitrary(context, op, malformation), { numRuns: 10, seed })) {
      const verdict = checkRequest(contract, request);
      expect(verdict.kind, `${request.method} ${request.target.slice(0, 200)} ${request.body?.toString('utf8').slice(0, 200) ?? ''}`).not.toBe('valid');
    }
  });

  it('cover every operation that documents a client error with malformed input', () => {
    // An operation that takes no input (whoAmI) can only be spoilt in its method, path and query string.
    const least = (op: (typeof operations)[number]) => (op.parameters.length > 0 || op.requestMediaTypes.length > 0 ? 5 : 3);
    const without = operations.filter((op) => op.responseStatuses.includes('400') && applicableMalformations(op, context).length < least(op));
    expect(without.map((op) => op.operationId)).toEqual([]);
  });
});
