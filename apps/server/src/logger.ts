import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** How long a log line may wait in the buffer on a quiet server. */
const flushIntervalMs = 1000;

/**
 * Structured JSON lines on stdout. A busy server writes them in blocks of 8 KiB rather than
 * one system call per request; a quiet one at least every second. Exit through
 * `logger.flush(() => process.exit(code))`. Nothing that carries a secret is ever passed to
 * it: request URLs go through `redactUrl`, and headers are not logged.
 */
export function createLogger(level: LogLevel): Logger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 8192 });
  setInterval(() => destination.flush(), flushIntervalMs).unref();
  return pino({ level, base: { service: 'sbc-session-api' } }, destination);
}

/** The URL as it may be logged: a `token` query parameter is replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[REDACTED]');
}
