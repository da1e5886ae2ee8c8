import { describe, expect, it } from 'vitest';
import { describeExchange, exchange } from '../../src/server/exchange.js';
import { acceptedRequest } from '../../src/server/scenarios.js';
import { presentations, type BadCredentialName, type PrincipalName } from '../../src/server/world.js';
import { useServer } from './server-fixture.js';

const fixture = useServer();

/** Each principal's level and its customer's features, as the world gives them. */
const principals: Record<PrincipalName, { level: string; features: string[] }> = {
  NO_LOGIN: { level: 'NO_LOGIN', features: [] },
  PERSONAL: { level: 'PERSONAL', features: [] },
  VIEWER: { level: 'VIEWER', features: [] },
  MANAGER: { level: 'MANAGER', features: [] },
  OWNER: { level: 'OWNER', features: [] },
  RESELLER: { level: 'RESELLER', features: ['TELE'] },
  'RESELLER_ADMIN of A': { level: 'RESELLER_ADMIN', features: ['TELE'] },
  'RESELLER_ADMIN of B': { level: 'RESELLER_ADMIN', features: ['TELE'] },
  'RESELLER_ADMIN without TELE': { level: 'RESELLER_ADMIN', features: [] },
  ADMIN: { level: 'ADMIN', features: [] },
  SBC: { level: 'SBC', features: [] },
};

/** The 401 message token the contract gives for each kind of bad credentials. */
const refusedCredentials: Record<BadCredentialName, string> = {
  'no token': 'credentials_invalid',
  'unknown token': 'invalid_token',
  'expired token': 'expired',
  'revoked token': 'invalid_token',
};

/** Does `x-access-level` (`LEVEL` or `LEVEL+FEATURE` entries) let this principal call the operation? */
function allowed(accessLevels: readonly string[], name: PrincipalName): boolean {
  const { level, features } = principals[name];
  return accessLevels.some((entry) => {
    const [needed, feature] = entry.split('+');
    return needed === level && (feature === undefined || features.includes(feature));
  });
}

describe('the auth matrix: every operation, every caller, every way to present a token', () => {
  const operations = [...fixture.contract.operations.values()];

  it.each(operations.map((op) => [op.operationId, op] as const))('%s gives each caller its documented answer', async (_id, op) => {
    const { contract, sut, world, coverage } = fixture;
    const wrong: string[] = [];
    const callers = [...(Object.keys(principals) as PrincipalName[]), ...(Object.keys(refusedCredentials) as BadCredentialName[])];
    for (const caller of callers) {
      for (const presentation of caller === 'no token' ? presentations.slice(0, 1) : presentations) {
        const request = world.as(caller, acceptedRequest(op.operationId), presentation);
        const result = await exchange(contract, sut.url, request, coverage, 'auth');
        const { status } = result.response;
        const message = status >= 400 ? (JSON.parse(result.response.body.toString('utf8')) as { message?: string }).message : undefined;
        let expected: string;
        let ok: boolean;
        if (!op.requiresToken) {
          expected = 'its answer to anyone (no token needed)';
          ok = status < 400;
        } else if (caller in refusedCredentials) {
          const token = refusedCredentials[caller as BadCredentialName];
          expected = `401 ${token}`;
          ok = status === 401 && message === token;
        } else if (allowed(op.accessLevels, caller as PrincipalName)) {
          expected = 'neither 401 nor 403';
          ok = status !== 401 && status !== 403;
        } else {
          expected = '403 access_denied';
          ok = status === 403 && message === 'access_denied';
        }
        if (!ok || result.problem) wrong.push(`${caller} via ${presentation}: expected ${expected}; ${describeExchange(request, result)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
