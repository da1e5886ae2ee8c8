import { nodeFlags } from '@sbc/server';
import { children, startServerProcess, type ServerProcess } from './processes.js';

/** The three servers compared on the lookup: the product, with its production node flags, and the two baselines on node's defaults. */
export const SERVERS: Record<'sbc' | 'raw' | 'koa', { label: string; script: string; readyPath: string; nodeFlags: readonly string[] }> = {
  sbc: { label: 'SBC session API', script: 'sbc-server', readyPath: '/readyz', nodeFlags },
  raw: { label: 'raw node:http baseline', script: 'baseline-raw', readyPath: '/readyz', nodeFlags: [] },
  koa: { label: 'bare Koa + @koa/router baseline', script: 'baseline-koa', readyPath: '/readyz', nodeFlags: [] },
};
export type ServerName = keyof typeof SERVERS;

export interface ServerOptions {
  logLevel?: string;
  /** Extra node flags, such as --cpu-prof. */
  nodeOptions?: string[];
  /** More of the server's settings, as environment variables. */
  env?: Record<string, string>;
}

export function startNamed(name: ServerName, dbPath: string, options: ServerOptions = {}): Promise<ServerProcess> {
  const server = SERVERS[name];
  return startServerProcess({
    name,
    script: children(server.script),
    readyPath: server.readyPath,
    env: { SBC_DB: dbPath, ...(options.logLevel ? { LOG_LEVEL: options.logLevel } : {}), ...options.env },
    nodeOptions: [...server.nodeFlags, ...(options.nodeOptions ?? [])],
  });
}
