import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AccessLevel } from '@sbc/contract';
import type { Context } from 'koa';
import { ApiError, accessDenied } from './errors.js';
import type { Metrics } from './metrics.js';
import type { Scope, SessionStore, TokenRecord } from './domain/session-store.js';

/** Who is calling, as far as authorisation needs it. */
export interface Principal {
  tokenId: string;
  level: AccessLevel;
  customerId?: string;
  sbcServer?: string;
  features: readonly string[];
  /** The token's own name and expiry, for the caller to read back (`GET /sbc/whoami`). */
  name?: string;
  expiresAt?: Date;
}

/** The token from `Authorization: Bearer`, `X-API-Key` or `?token=`, in that order of preference. */
export function presentedToken(ctx: Context): string | undefined {
  // Node's own header object: Koa's `ctx.get` lower-cases the name and goes through two delegates.
  const { authorization = '', 'x-api-key': key = '' } = ctx.req.headers;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return bearer[1];
  const apiKey = (key as string).trim();
  if (apiKey) return apiKey;
  const query = ctx.query['token'];
  const fromQuery = Array.isArray(query) ? query[0] : query;
  return fromQuery ? fromQuery : undefined;
}

/** Tokens are stored and looked up only by this hash. */
export const hashToken = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

interface Known {
  token: TokenRecord;
  features: readonly string[];
  until: number;
  /** The caller it stands for, made at its first use: a request with a kept token allocates none. */
  principal?: Principal;
}

/** How long a looked-up token is trusted before it is read again: a revocation takes this long. */
const tokenCacheMs = 1000;
const tokenCacheMax = 10_000;

/**
 * Turns a presented token into the caller. The store is asked only by the token's SHA-256 hash; a
 * found token is kept for a second, so a busy client costs one lookup a second, not one per
 * request. Revocation and expiry are checked on every request against what is kept.
 */
export class Authenticator {
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly store: SessionStore,
    private readonly now: () => Date,
    private readonly metrics: Metrics,
  ) {}

  /**
   * The caller, or a 401. A token checked within the last second is answered synchronously: the
   * common request waits on no promise here (a Koa request already goes through several).
   */
  authenticate(secret: string | undefined): Principal | Promise<Principal> {
    if (secret === undefined) {
      throw new ApiError(401, 'credentials_invalid', 'No token: send Authorization: Bearer <token>, X-API-Key or ?token=', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const kept = this.known.get(secret);
    const hit = kept !== undefined && kept.until > performance.now();
    this.metrics.tokenLookup(hit);
    return hit ? this.principalOf(kept) : this.lookUp(secret).then((found) => this.principalOf(found));
  }

  /** The caller a kept or looked-up token stands for, once it is known, unrevoked and unexpired. */
  private principalOf(known: Known | undefined): Principal {
    const token = known?.token;
    if (!token || token.revokedAt) {
      throw new ApiError(401, 'invalid_token', 'The token is unknown or revoked', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    }
    if (token.expiresAt && token.expiresAt.getTime() <= this.now().getTime()) {
      throw new ApiError(401, 'expired', `The token expired at ${token.expiresAt.toISOString()}`, {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    }
    return (known.principal ??= {
      tokenId: token.id,
      level: token.level,
      ...(token.customerId !== undefined ? { customerId: token.customerId } : {}),
      ...(token.sbcServer !== undefined ? { sbcServer: token.sbcServer } : {}),
      ...(token.name !== undefined ? { name: token.name } : {}),
      ...(token.expiresAt !== undefined ? { expiresAt: token.expiresAt } : {}),
      features: known.features,
    });
  }

  /**
   * For a request that outlives its authentication (an event stream): why its token no longer
   * gives the access it was let in with (revoked, expired, or its customer lost a feature), or
   * undefined while it still does. As current as a new request's check (the same one-second trust).
   */
  async stillAllowed(secret: string, accessLevels: readonly string[]): Promise<ApiError | undefined> {
    try {
      authorize(await this.authenticate(secret), accessLevels);
      return undefined;
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
  }

  /** Kept by the presented text itself, so a hit costs no hashing; the store is asked by the hash. */
  private async lookUp(secret: string): Promise<Known | undefined> {
    const token = await this.store.findToken(secret);
    if (!token) return undefined;
    const customer = token.customerId === undefined ? undefined : await this.store.getCustomer(token.customerId);
    if (this.known.size >= tokenCacheMax) this.known.clear();
    const known = { token, features: customer?.features ?? [], until: performance.now() + tokenCacheMs };
    this.known.set(secret, known);
    return known;
  }
}

/**
 * Checks the caller against an operation's `x-access-level` list: each entry is a level,
 * optionally with a feature its customer must have (`RESELLER_ADMIN+TELE`).
 */
export function authorize(principal: Principal, accessLevels: readonly string[]): void {
  if (!mayCall(principal, accessLevels)) throw accessDenied();
}

/** Whether an operation's `x-access-level` list admits the caller. */
export function mayCall(principal: Principal, accessLevels: readonly string[]): boolean {
  return accessCheck(accessLevels)(principal);
}

/**
 * An `x-access-level` list read once into a check of the caller: an operation's route makes it
 * at start, so that a request splits no entries (each split made two strings and an array).
 */
export function accessCheck(accessLevels: readonly string[]): (principal: Principal) => boolean {
  const entries = accessLevels.map((entry) => {
    const [level, feature] = entry.split('+');
    return { level, feature };
  });
  return (principal) => {
    for (const { level, feature } of entries) if (principal.level === level && (feature === undefined || principal.features.includes(feature))) return true;
    return false;
  };
}

/** ADMIN sees everything; a RESELLER_ADMIN its customer and every customer below it. */
export function scopeOf(principal: Principal): Scope {
  if (principal.level === 'ADMIN') return { all: true };
  if (principal.customerId === undefined) throw accessDenied();
  return { all: false, resellerId: principal.customerId };
}
