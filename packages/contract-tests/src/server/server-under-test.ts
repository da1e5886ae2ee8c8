import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerOptions, type SessionStore } from '@sbc/server';

export interface ServerUnderTest {
  server: RunningServer;
  url: string;
  stop(): Promise<void>;
}

/** The rate limit of a server under test; by default none, as the fuzz and the matrices send far more than a token's default rate. */
export type RateLimit = Pick<ServerOptions, 'rateLimitPerSecond' | 'rateLimitBurst'>;

/** The real server on a free loopback port, with a database of its own in a temporary directory. */
export async function startServerUnderTest(rateLimit: RateLimit = { rateLimitPerSecond: 0 }): Promise<ServerUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'sbc-contract-'));
  const server = await startServer({
    dbPath: join(dir, 'sessions.db'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    jobIntervalSeconds: 0,
    ...rateLimit,
  });
  return {
    server,
    url: server.url,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes every method of the store fail while `during` runs: the database has gone away. The
 * server holds this very object, so its handlers meet the fault; afterwards the store is whole again.
 */
export async function withFailingStore<T>(store: SessionStore, during: () => Promise<T>): Promise<T> {
  const target = store as unknown as Record<string, unknown>;
  const names = methodNames(store);
  for (const name of names) {
    target[name] = () => Promise.reject(new Error(`contract test: the store is down (${name})`));
  }
  try {
    return await during();
  } finally {
    for (const name of names) delete target[name];
  }
}

function methodNames(object: object): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(object) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && name !== 'close' && typeof (object as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}
