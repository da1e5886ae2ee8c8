import type { Context } from 'koa';
import { ApiError, accessDenied } from './errors.js';
import type { AccessLevel, Scope, SessionStore } from './store/session-store.js';

/** Who is calling, as far as authorisation needs it. */
export interface Principal {
  tokenId: string;
  level: AccessLevel;
  customerId?: string;
  sbcServer?: string;
  features: readonly string[];
}

/** The token from `Authorization: Bearer`, `X-API-Key` or `?token=`, in that order of preference. */
export function presentedToken(ctx: Context): string | undefined {
  const authorization = ctx.get('authorization');
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return bearer[1];
  const apiKey = ctx.get('x-api-key').trim();
  if (apiKey) return apiKey;
  const query = ctx.query['token'];
  const fromQuery = Array.isArray(query) ? query[0] : query;
  return fromQuery ? fromQuery : undefined;
}

export async function authenticate(store: SessionStore, secret: string | undefined, now: Date): Promise<Principal> {
  if (secret === undefined) {
    throw new ApiError(401, 'credentials_invalid', 'No token: send Authorization: Bearer <token>, X-API-Key or ?token=', {
      'WWW-Authenticate': 'Bearer',
    });
  }
  const token = await store.findToken(secret);
  if (!token || token.revokedAt) {
    throw new ApiError(401, 'invalid_token', 'The token is unknown or revoked', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  }
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) {
    throw new ApiError(401, 'expired', `The token expired at ${token.expiresAt.toISOString()}`, {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
  }
  const customer = token.customerId === undefined ? undefined : await store.getCustomer(token.customerId);
  return {
    tokenId: token.id,
    level: token.level,
    ...(token.customerId !== undefined ? { customerId: token.customerId } : {}),
    ...(token.sbcServer !== undefined ? { sbcServer: token.sbcServer } : {}),
    features: customer?.features ?? [],
  };
}

/**
 * Checks the caller against an operation's `x-access-level` list: each entry is a level,
 * optionally with a feature its customer must have (`RESELLER_ADMIN+TELE`).
 */
export function authorize(principal: Principal, accessLevels: readonly string[]): void {
  const allowed = accessLevels.some((entry) => {
    const [level, feature] = entry.split('+');
    return principal.level === level && (feature === undefined || principal.features.includes(feature));
  });
  if (!allowed) throw accessDenied();
}

/** ADMIN sees everything; a RESELLER_ADMIN its customer and every customer below it. */
export function scopeOf(principal: Principal): Scope {
  if (principal.level === 'ADMIN') return { all: true };
  if (principal.customerId === undefined) throw accessDenied();
  return { all: false, resellerId: principal.customerId };
}
