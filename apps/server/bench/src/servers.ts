import { closeSync, openSync, readSync } from 'node:fs';
import { nodeFlags } from '@sbc/server';
import { children, startServerProcess, type ServerProcess, type SpawnOptions } from './processes.js';

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
  wrapper?: SpawnOptions['wrapper'];
  cwd?: string;
}

export function startNamed(name: ServerName, dbPath: string, options: ServerOptions = {}): Promise<ServerProcess> {
  const server = SERVERS[name];
  readIntoPageCache(dbPath);
  return startServerProcess({
    name,
    script: children(server.script),
    readyPath: server.readyPath,
    env: { SBC_DB: dbPath, ...(options.logLevel ? { LOG_LEVEL: options.logLevel } : {}), ...options.env },
    nodeOptions: [...server.nodeFlags, ...(options.nodeOptions ?? [])],
    ...(options.wrapper ? { wrapper: options.wrapper } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
}

/**
 * Reads a database file through once, so that each server under test starts with its file in
 * the OS page cache, as a running server's file is. These machines take an idle file's pages out
 * of the cache at about 25 MB/s (`free -m` every 10 s, nothing running), so without this a
 * stage's figures depended on how much of the file earlier stages had happened to read: the
 * same build's `--only search` gave a p95 of 13.8 to 24.0 ms as the first run of a series, 9.2
 * to 11.9 ms right after the file was read through.
 */
function readIntoPageCache(path: string): void {
  const file = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  try {
    while (readSync(file, buffer, 0, buffer.length, null) > 0);
  } finally {
    closeSync(file);
  }
}
