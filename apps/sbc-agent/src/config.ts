// The agent's configuration, read from the environment once at start. Every problem is reported
// at once, naming the variable and what it must be, so a bad deployment fails before it runs.
import { isIP } from 'node:net';
import { resolve } from 'node:path';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface AgentConfig {
  /** The SBC session API, e.g. `http://10.0.0.2:8080`. */
  apiUrl: string;
  /** This node's SBC token (`pnpm admin token create --level SBC --sbc-server <ip>`). */
  apiToken: string;
  /** This node's IP address: the `sbcServer` of its sessions and the one its token is bound to. */
  sbcServer: string;
  /** Where Kamailio's evapi socket listens (`evapi` `bind_addr`). */
  evapi: { host: string; port: number };
  /** Kamailio's SIP socket, through which the agent sends the BYEs of the calls it ends. */
  kamailioSip: { host: string; port: number };
  /** Kamailio's JSON-RPC over HTTP (jsonrpcs + xhttp), loopback only. */
  rpcUrl: string;
  /** At most this many reports per `POST /sbc/ingest`. */
  batchSize: number;
  /** A report waits at most this long for its batch to fill up. */
  batchMaxLatencyMs: number;
  /** The on-disk buffer of undelivered reports and the resume point of the event stream. */
  bufferDir: string;
  /** The buffer's bound: reports beyond it are dropped (and counted) rather than filling the disk. */
  bufferMaxReports: number;
  health: { host: string; port: number };
  /** How long a graceful shutdown keeps delivering before it leaves the rest on disk. */
  shutdownFlushMs: number;
  /** Country calling code that national numbers are completed with. */
  homeCountryCode: string;
  logLevel: LogLevel;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

interface Setting<T> {
  name: string;
  fallback?: string;
  describe: string;
  parse: (text: string) => T | undefined;
}

const integer = (min: number, max: number) => (text: string) => {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
};

const httpUrl = (text: string) => {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString().replace(/\/$/, '') : undefined;
  } catch {
    return undefined;
  }
};

const hostPort = (minPort: number) => (text: string) => {
  const match = /^(.+):([0-9]{1,5})$/.exec(text);
  const port = match ? integer(minPort, 65535)(match[2]!) : undefined;
  return match && port !== undefined ? { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port } : undefined;
};

const settings = {
  apiUrl: { name: 'SBC_API_URL', describe: 'an http(s) URL', parse: httpUrl },
  apiToken: { name: 'SBC_API_TOKEN', describe: 'the SBC token of this node', parse: (t: string) => (t.trim() ? t.trim() : undefined) },
  sbcServer: { name: 'SBC_SERVER_IP', describe: "this node's IPv4 or IPv6 address", parse: (t: string) => (isIP(t) ? t : undefined) },
  evapi: { name: 'KAMAILIO_EVAPI_ADDRESS', fallback: '127.0.0.1:8448', describe: 'host:port of Kamailio evapi', parse: hostPort(1) },
  kamailioSip: { name: 'KAMAILIO_SIP_ADDRESS', fallback: '127.0.0.1:5060', describe: "host:port of Kamailio's SIP (UDP) socket", parse: hostPort(1) },
  rpcUrl: { name: 'KAMAILIO_RPC_URL', fallback: 'http://127.0.0.1:5071/RPC', describe: "an http URL of Kamailio's JSON-RPC", parse: httpUrl },
  batchSize: { name: 'SBC_AGENT_BATCH_SIZE', fallback: '200', describe: 'an integer from 1 to 1000', parse: integer(1, 1000) },
  batchMaxLatencyMs: { name: 'SBC_AGENT_BATCH_MAX_LATENCY_MS', fallback: '200', describe: 'an integer number of ms from 0 to 60000', parse: integer(0, 60_000) },
  bufferDir: { name: 'SBC_AGENT_BUFFER_DIR', fallback: './data/sbc-agent', describe: 'a directory path', parse: (t: string) => (t.trim() ? resolve(t) : undefined) },
  bufferMaxReports: { name: 'SBC_AGENT_BUFFER_MAX_REPORTS', fallback: '100000', describe: 'an integer from 1 to 10000000', parse: integer(1, 10_000_000) },
  health: { name: 'SBC_AGENT_HEALTH_ADDRESS', fallback: '127.0.0.1:9464', describe: 'host:port for /healthz and /metrics (port 0 picks a free one)', parse: hostPort(0) },
  shutdownFlushMs: { name: 'SBC_AGENT_SHUTDOWN_FLUSH_MS', fallback: '5000', describe: 'an integer number of ms from 0 to 600000', parse: integer(0, 600_000) },
  homeCountryCode: { name: 'HOME_COUNTRY_CODE', fallback: '45', describe: 'a country calling code of 1 to 3 digits, without +', parse: (t: string) => (/^[1-9][0-9]{0,2}$/.test(t) ? t : undefined) },
  logLevel: { name: 'LOG_LEVEL', fallback: 'info', describe: `one of ${logLevels.join(', ')}`, parse: (t: string) => ((logLevels as readonly string[]).includes(t) ? (t as LogLevel) : undefined) },
} satisfies { [K in keyof AgentConfig]: Setting<AgentConfig[K]> };

export function loadConfig(env: Env = process.env): AgentConfig {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings) as [keyof AgentConfig, Setting<unknown>][]) {
    const text = env[setting.name] ?? setting.fallback;
    if (text === undefined || text === '') {
      problems.push(`${setting.name} is required: ${setting.describe}`);
      continue;
    }
    const value = setting.parse(text);
    if (value === undefined) problems.push(`${setting.name}=${setting.name === 'SBC_API_TOKEN' ? '<redacted>' : text} is not ${setting.describe}`);
    else config[key] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as unknown as AgentConfig;
}
