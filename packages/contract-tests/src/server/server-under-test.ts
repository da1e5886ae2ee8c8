import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, StoreUnavailableError, temporarySchema, type RunningServer, type ServerOptions, type SessionStore } from '@sbc/server';

export interface ServerUnderTest {
  server: RunningServer;
  url: string;
  stop(): Promise<void>;
}

/** The rate limit of a server under test; by default none, as the fuzz and the matrices send far more than a token's default rate. */
export type RateLimit = Pick<ServerOptions, 'rateLimitPerSecond' | 'rateLimitBurst'>;

/**
 * The real server on a free loopback port, with a database of its own: a file in a temporary
 * directory, or in the `postgres` project (vitest.config.ts) a schema of its own on
 * SBC_TEST_POSTGRES_URL, dropped when the server stops.
 */
export async function startServerUnderTest(rateLimit: RateLimit = { rateLimitPerSecond: 0 }): Promise<ServerUnderTest> {
  const database = await temporaryDatabase();
  let server: RunningServer;
  try {
    server = await startServer({ dbPath: database.location, port: 0, host: '127.0.0.1', logLevel: 'silent', jobIntervalSeconds: 0, ...rateLimit });
  } catch (error) {
    await database.remove();
    throw error;
  }
  return {
    server,
    url: server.url,
    async stop() {
      await server.close();
      await database.remove();
    },
  };
}

async function temporaryDatabase(): Promise<{ location: string; remove(): Promise<void> }> {
  const postgres = process.env['SBC_TEST_STORE'] === 'postgres' ? process.env['SBC_TEST_POSTGRES_URL'] : undefined;
  if (postgres !== undefined) {
    const schema = await temporarySchema(postgres, 'sbc_test_');
    return { location: schema.url, remove: () => schema.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sbc-contract-'));
  return { location: join(dir, 'sessions.db'), remove: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** How a store fails: with a fault (a bug, a broken file), or because the database cannot be reached. */
export type StoreFault = 'fault' | 'unreachable';

/**
 * Makes every method of the store fail while `during` runs. The server holds this very object,
 * so its handlers meet the fault; afterwards the store is whole again.
 */
export async function withFailingStore<T>(store: SessionStore, during: () => Promise<T>, fault: StoreFault = 'fault'): Promise<T> {
  const target = store as unknown as Record<string, unknown>;
  const names = methodNames(store);
  for (const name of names) {
    const reason = `contract test: the store is down (${name})`;
    target[name] = () => Promise.reject(fault === 'fault' ? new Error(reason) : new StoreUnavailableError(reason));
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
