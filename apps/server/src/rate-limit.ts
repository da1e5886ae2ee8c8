import { performance } from 'node:perf_hooks';
import type { OperationContract } from '@sbc/contract';
import type { Context } from 'koa';
import type { Principal } from './auth.js';
import { tooManyRequests } from './errors.js';
import type { Metrics } from './metrics.js';

export interface RateLimitSettings {
  /** Requests a token may make per second, sustained. */
  requestsPerSecond: number;
  /** Requests a token may make at once after a quiet spell: the bucket's size. */
  burst: number;
}

interface Bucket {
  tokens: number;
  /** `clock()` when `tokens` was last computed. */
  at: number;
}

/** More tokens than this are seldom active at once; past it the least recently seen bucket is dropped. */
const defaultMaxBuckets = 10_000;

/**
 * One token bucket per API token id. Memory stays bounded: a bucket that has been idle long
 * enough to be full again is the same as no bucket and is dropped, and the map never holds more
 * than `maxBuckets` (the least recently used go first; that token merely starts with a full
 * bucket again). Only authenticated callers reach it, so unknown tokens never make buckets.
 */
export class RateLimiter {
  /** In order of last use: the oldest first. */
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillMs: number;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly clock: () => number = () => performance.now(),
    private readonly maxBuckets = defaultMaxBuckets,
  ) {
    this.refillMs = (settings.burst / settings.requestsPerSecond) * 1000;
  }

  /** Takes one request from the token's bucket: undefined if it may go on, else the seconds to wait. */
  take(tokenId: string): number | undefined {
    const now = this.clock();
    const { requestsPerSecond, burst } = this.settings;
    const kept = this.buckets.get(tokenId);
    const tokens = kept ? Math.min(burst, kept.tokens + ((now - kept.at) / 1000) * requestsPerSecond) : burst;
    this.buckets.delete(tokenId);
    this.dropIdle(now);
    const allowed = tokens >= 1;
    this.buckets.set(tokenId, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return allowed ? undefined : Math.ceil((1 - tokens) / requestsPerSecond);
  }

  get size(): number {
    return this.buckets.size;
  }

  private dropIdle(now: number): void {
    for (const [id, bucket] of this.buckets) {
      if (now - bucket.at < this.refillMs && this.buckets.size < this.maxBuckets) break;
      this.buckets.delete(id);
    }
  }
}

/**
 * 429 `too_many_requests` with `Retry-After` once a token has used up its bucket. The contract
 * says which operations are limited: those that document a 429. The SBC reports (ingest) do not:
 * throttling them would only delay calls or, for a reporter with no buffer, lose them.
 */
export function rateLimit(op: OperationContract, limiter: RateLimiter | undefined, metrics: Metrics): (ctx: Context) => void {
  if (limiter === undefined || !op.requiresToken || !op.responseStatuses.includes('429')) return () => {};
  return (ctx) => {
    const principal = ctx.state['principal'] as Principal | undefined;
    const waitSeconds = principal ? limiter.take(principal.tokenId) : undefined;
    if (waitSeconds !== undefined) {
      metrics.rateLimited();
      throw tooManyRequests(waitSeconds);
    }
  };
}
