import type { OperationContract } from '@sbc/contract';
import type { Exchange } from './exchange.js';
import type { BadCredentialName, PrincipalName } from './world.js';

/** Each principal's level and its customer's features, as the world gives them. */
export const principals: Record<PrincipalName, { level: string; features: readonly string[] }> = {
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
export const refusedCredentials: Record<BadCredentialName, string> = {
  'no token': 'credentials_invalid',
  'unknown token': 'invalid_token',
  'expired token': 'expired',
  'revoked token': 'invalid_token',
};

export const callers = [...(Object.keys(principals) as PrincipalName[]), ...(Object.keys(refusedCredentials) as BadCredentialName[])];

/** Does `x-access-level` (`LEVEL` or `LEVEL+FEATURE` entries) let this principal call the operation? */
export function allowed(accessLevels: readonly string[], name: PrincipalName): boolean {
  const { level, features } = principals[name];
  return accessLevels.some((entry) => {
    const [needed, feature] = entry.split('+');
    return needed === level && (feature === undefined || features.includes(feature));
  });
}

/** What is wrong with the answer a caller got from an operation, by the contract's access rules; undefined when it is right. */
export function authProblem(op: OperationContract, caller: PrincipalName | BadCredentialName, result: Exchange): string | undefined {
  if (result.problem) return result.problem;
  const { status } = result.response;
  const message = status >= 400 ? (JSON.parse(result.response.body.toString('utf8')) as { message?: string }).message : undefined;
  if (!op.requiresToken) return status < 400 ? undefined : `expected its answer to anyone (no token needed), got ${status}`;
  if (caller in refusedCredentials) {
    const token = refusedCredentials[caller as BadCredentialName];
    return status === 401 && message === token ? undefined : `expected 401 ${token}, got ${status} ${message ?? ''}`;
  }
  if (allowed(op.accessLevels, caller as PrincipalName)) {
    return status !== 401 && status !== 403 ? undefined : `expected neither 401 nor 403, got ${status} ${message ?? ''}`;
  }
  return status === 403 && message === 'access_denied' ? undefined : `expected 403 access_denied, got ${status} ${message ?? ''}`;
}
