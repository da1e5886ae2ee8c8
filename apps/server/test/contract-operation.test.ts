import { describe, expect, it } from 'vitest';
import type { Authenticator } from '../src/auth.js';
import { authentication, takesToken } from '../src/contract-operation.js';
import { contract } from './helpers.js';

const noAuthenticator = {} as Authenticator;

describe('which handlers get a caller', () => {
  it('every operation of the contract that takes a token documents 401, and no probe does', () => {
    for (const op of contract.operations.values()) expect({ op: op.operationId, takesToken: takesToken(op) }).toEqual({ op: op.operationId, takesToken: op.requiresToken });
  });

  it('refuses to route an operation that takes a token without documenting 401', () => {
    const op = contract.operation('getSession');
    const undocumented = { ...op, responseStatuses: op.responseStatuses.filter((status) => status !== '401') };
    expect(() => authentication(undocumented, noAuthenticator)).toThrow(/getSession takes a token but does not document 401/);
  });
});
