import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/** Structured JSON logs on stdout; the API token never appears in them. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    name: 'sbc-agent',
    level,
    redact: { paths: ['apiToken', 'token', '*.apiToken', 'headers.authorization'], censor: '[redacted]' },
  });
}
