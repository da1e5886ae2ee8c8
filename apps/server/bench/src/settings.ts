/**
 * The server settings every benchmark process uses. Retention is 48 hours rather than the
 * default 24 so that a long run's moving clock never starts deleting the data set's oldest
 * ended calls in the middle of a measurement. The events stage opens its 100 subscribers on one
 * ADMIN token, above the default MAX_STREAMS_PER_TOKEN of 20. The per-token rate limit is off: the
 * load generators send thousands of requests a second with one token, to measure the server, not the limit.
 */
export const BENCH_SETTINGS = {
  homeCountryCode: '45',
  retentionHours: 48,
  maxCallHours: 12,
  rateLimitPerSecond: 0,
  maxStreamsPerToken: 1000,
} as const;
