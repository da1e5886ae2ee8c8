// When and how long to wait before trying a call again.

export interface RetryOptions {
  /** Attempts after the first one; 0 turns retries off. Default 2. */
  attempts?: number;
  /** The first backoff step; each retry doubles it. Default 200 ms. */
  baseDelayMs?: number;
  /** The longest wait before a retry, `Retry-After` included. Default 5000 ms. */
  maxDelayMs?: number;
  /**
   * Also retry `reportSession` (PATCH). Off by default: a replayed report changes nothing, but a
   * retried report that lands after a newer report from the same call would put back the older
   * values of the properties it carries. Turn it on when one writer reports each call in order.
   */
  reports?: boolean;
}

export type RetryPolicy = Required<RetryOptions>;

export function retryPolicy(retries: number | RetryOptions | undefined): RetryPolicy {
  const options = typeof retries === 'number' ? { attempts: retries } : (retries ?? {});
  return {
    attempts: options.attempts ?? 2,
    baseDelayMs: options.baseDelayMs ?? 200,
    maxDelayMs: options.maxDelayMs ?? 5000,
    reports: options.reports ?? false,
  };
}

/** Statuses that say "try again later": rate limited, or a gateway without an answer. */
export const retryableStatuses: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * How long to wait before retry number `retry` (0 for the first retry): the server's
 * `Retry-After` when it sends one, otherwise exponential backoff with full jitter.
 * Undefined when the server asks for a longer wait than `maxDelayMs`: giving up is then
 * better than hanging.
 */
export function retryDelayMs(
  retry: number,
  retryAfter: string | null,
  policy: RetryPolicy,
  now: number = Date.now(),
  random: () => number = Math.random,
): number | undefined {
  const asked = parseRetryAfter(retryAfter, now);
  if (asked !== undefined) return asked <= policy.maxDelayMs ? asked : undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(random() * ceiling);
}

/** `Retry-After` is either delay-seconds or an HTTP date. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
