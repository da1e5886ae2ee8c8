import { resolve } from 'node:path';
import { isPostgresUrl } from './store/location.js';

/** The server's settings, read from the environment and checked before anything starts. */
export interface Config {
  port: number;
  host: string;
  dbPath: string;
  dbPoolSize: number;
  homeCountryCode: string;
  retentionHours: number;
  maxCallHours: number;
  endRequestTimeoutSeconds: number;
  bodyLimit: number;
  logLevel: LogLevel;
  heartbeatSeconds: number;
  jobIntervalSeconds: number;
  shutdownTimeoutSeconds: number;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  requestTimeoutSeconds: number;
  maxStreamsPerToken: number;
  maxStreams: number;
  streamBufferTotal: number;
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

interface Variable<K extends keyof Config> {
  name: string;
  key: K;
  fallback: string;
  describe: string;
  parse(text: string): Config[K] | undefined;
}

const integer = (min: number, max: number) => (text: string) => {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
};
const positiveNumber = (max: number) => (text: string) => {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 && n <= max ? n : undefined;
};
// At least one request in 1000 s, so that Retry-After stays within the contract's bound.
const rate = (text: string) => {
  if (text === '0') return 0;
  const n = positiveNumber(1_000_000)(text);
  return n !== undefined && n >= 0.001 ? n : undefined;
};
const byteSizeUpTo = (max: number) => (text: string) => {
  const match = /^([0-9]+)\s*(b|kb|mb)?$/i.exec(text);
  if (!match) return undefined;
  const unit = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
  const n = Number(match[1]) * unit;
  return n >= 1024 && n <= max ? n : undefined;
};
const byteSize = byteSizeUpTo(64 * 1024 * 1024);

/** Every variable the server reads, with its default: the README's table is this list. */
export const variables = [
  { name: 'PORT', key: 'port', fallback: '8080', describe: 'an integer from 0 to 65535', parse: integer(0, 65535) },
  { name: 'HOST', key: 'host', fallback: '127.0.0.1', describe: 'an address or host name to listen on', parse: (t: string) => (/^[A-Za-z0-9.:_-]+$/.test(t) ? t : undefined) },
  { name: 'SBC_DB', key: 'dbPath', fallback: './data/sessions.db', describe: 'a file path, :memory:, or a postgres:// URL', parse: (t: string) => (t.trim() ? t : undefined) },
  { name: 'SBC_DB_POOL_SIZE', key: 'dbPoolSize', fallback: '12', describe: 'an integer number of connections from 2 to 1000 (PostgreSQL only)', parse: integer(2, 1000) },
  { name: 'HOME_COUNTRY_CODE', key: 'homeCountryCode', fallback: '45', describe: 'a country calling code of 1 to 3 digits, without +', parse: (t: string) => (/^[1-9][0-9]{0,2}$/.test(t) ? t : undefined) },
  { name: 'RETENTION_HOURS', key: 'retentionHours', fallback: '24', describe: 'a number of hours above 0 and at most 8760', parse: positiveNumber(8760) },
  { name: 'MAX_CALL_HOURS', key: 'maxCallHours', fallback: '12', describe: 'a number of hours above 0 and at most 720', parse: positiveNumber(720) },
  { name: 'END_REQUEST_TIMEOUT_SECONDS', key: 'endRequestTimeoutSeconds', fallback: '60', describe: 'an integer number of seconds from 1 to 86400', parse: integer(1, 86400) },
  { name: 'BODY_LIMIT', key: 'bodyLimit', fallback: '2mb', describe: 'a size from 1kb to 64mb, such as 2097152, 512kb or 2mb', parse: byteSize },
  { name: 'LOG_LEVEL', key: 'logLevel', fallback: 'info', describe: `one of ${logLevels.join(', ')}`, parse: (t: string) => (logLevels as readonly string[]).includes(t) ? t : undefined },
  { name: 'HEARTBEAT_SECONDS', key: 'heartbeatSeconds', fallback: '15', describe: 'an integer number of seconds from 1 to 300', parse: integer(1, 300) },
  { name: 'JOB_INTERVAL_SECONDS', key: 'jobIntervalSeconds', fallback: '60', describe: 'an integer number of seconds from 1 to 3600', parse: integer(1, 3600) },
  { name: 'SHUTDOWN_TIMEOUT_SECONDS', key: 'shutdownTimeoutSeconds', fallback: '10', describe: 'an integer number of seconds from 1 to 600', parse: integer(1, 600) },
  { name: 'RATE_LIMIT_PER_SECOND', key: 'rateLimitPerSecond', fallback: '100', describe: 'requests per second per token, from 0.001 to 1000000, or 0 for no limit', parse: rate },
  { name: 'RATE_LIMIT_BURST', key: 'rateLimitBurst', fallback: '200', describe: 'an integer number of requests from 1 to 1000000', parse: integer(1, 1_000_000) },
  { name: 'REQUEST_TIMEOUT_SECONDS', key: 'requestTimeoutSeconds', fallback: '30', describe: 'an integer number of seconds from 1 to 3600', parse: integer(1, 3600) },
  { name: 'MAX_STREAMS_PER_TOKEN', key: 'maxStreamsPerToken', fallback: '20', describe: 'an integer from 1 to 100000', parse: integer(1, 100_000) },
  { name: 'MAX_STREAMS', key: 'maxStreams', fallback: '1000', describe: 'an integer from 1 to 100000', parse: integer(1, 100_000) },
  { name: 'STREAM_BUFFER_TOTAL', key: 'streamBufferTotal', fallback: '64mb', describe: 'a size from 1kb to 4096mb, such as 67108864 or 64mb', parse: byteSizeUpTo(4096 * 1024 * 1024) },
] satisfies Variable<keyof Config>[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads every variable; collects all bad values so that one start reports them all. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const config: Partial<Record<keyof Config, unknown>> = {};
  const problems: string[] = [];
  for (const variable of variables) {
    // Set but empty is a mistake like any other value (`PORT=` in a unit file), not the default.
    const text = env[variable.name] ?? variable.fallback;
    const value = variable.parse(text);
    if (value === undefined) problems.push(`${variable.name}=${JSON.stringify(text)} is not valid: expected ${variable.describe}`);
    else config[variable.key] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // pnpm runs scripts inside the package; a relative path means where the command was typed.
  const dbPath = config.dbPath as string;
  if (dbPath !== ':memory:' && !dbPath.startsWith('file:') && !isPostgresUrl(dbPath)) config.dbPath = resolve(env['INIT_CWD'] ?? process.cwd(), dbPath);
  return config as Config;
}
