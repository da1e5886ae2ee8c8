import { unescape } from 'node:querystring';
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

/**
 * The URL as it may be logged: the value of every query parameter whose name decodes to `token`
 * is replaced. Decoding the name as the query parser does matters: `?%74oken=` authenticates
 * like `?token=`, so a match on the literal text would log such a token in clear.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const end = url.indexOf('#', start) === -1 ? url.length : url.indexOf('#', start);
  const pairs = url
    .slice(start + 1, end)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return unescape(name.replace(/\+/g, ' ')).toLowerCase() === 'token' ? `${name}=[REDACTED]` : pair;
    });
  return `${url.slice(0, start + 1)}${pairs.join('&')}${url.slice(end)}`;
}
