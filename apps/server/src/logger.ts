import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** Structured JSON lines on stdout; secrets are cut out before they reach a line. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'sbc-session-api' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'token', '*.token'],
      censor: '[REDACTED]',
    },
  });
}

/** The URL as it may be logged: a `token` query parameter is replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[REDACTED]');
}
