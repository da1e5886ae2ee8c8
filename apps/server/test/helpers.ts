import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { loadContract, type AccessLevel, type Session } from '@sbc/contract';
import { openStore, startServer, temporarySchema, type RunningServer, type ServerOptions } from '../src/index.js';
import type { SessionStore } from '../src/domain/session-store.js';

export const contract = loadContract();

/**
 * The PostgreSQL database the tests of the `postgres` project run on (vitest.config.ts), or
 * undefined: SQLite.
 */
export const testPostgresUrl = process.env['SBC_TEST_STORE'] === 'postgres' ? process.env['SBC_TEST_POSTGRES_URL'] : undefined;

/** Every test schema's name starts with this; each server's own is dropped when it closes. */
export const testSchemaPrefix = 'sbc_test_';

/**
 * A server on a database of its own: in memory on SQLite, or a new schema on PostgreSQL in the
 * `postgres` project, dropped when the server closes. A test that names its dbPath gets that.
 */
export async function startTestServer(options: ServerOptions = {}): Promise<RunningServer> {
  const defaults: ServerOptions = { dbPath: ':memory:', port: 0, host: '127.0.0.1', logLevel: 'silent', jobIntervalSeconds: 0 };
  if (testPostgresUrl === undefined || options.dbPath !== undefined) return startServer({ ...defaults, ...options });
  const schema = await temporarySchema(testPostgresUrl, testSchemaPrefix);
  let server: RunningServer;
  try {
    server = await startServer({ ...defaults, ...options, dbPath: schema.url });
  } catch (error) {
    await schema.drop();
    throw error;
  }
  const close = server.close;
  return { ...server, close: async () => { await close(); await schema.drop(); } };
}

/**
 * A database of its own for a test that opens stores itself: a file in a temporary directory
 * on SQLite, a new schema on PostgreSQL. `remove` deletes it once its stores are closed.
 */
export async function testDatabase(): Promise<{ location: string; remove(): Promise<void> }> {
  if (testPostgresUrl !== undefined) {
    const schema = await temporarySchema(testPostgresUrl, testSchemaPrefix);
    return { location: schema.url, remove: () => schema.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sbc-test-'));
  return { location: join(dir, 'sessions.db'), remove: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** A store (no server) on a database of its own (testDatabase), removed when the store closes. */
export async function openTestStore(): Promise<SessionStore> {
  const database = await testDatabase();
  const store = await openStore(database.location);
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await database.remove();
  };
  return store;
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * fetch, then the answer checked against the contract: a status, media type or body the
 * operation does not document fails the test. Requests outside the contract are checked
 * against the `Error` schema.
 */
export async function call<T = any>(server: Pick<RunningServer, 'url'>, operationId: string | null, path: string, init: RequestInit = {}): Promise<Answer<T>> {
  const response = await fetch(server.url + path, init);
  const mediaType = response.headers.get('content-type') ?? undefined;
  const text = await response.text();
  const body = mediaType?.includes('json') ? JSON.parse(text) : text;
  const issue =
    operationId === null
      ? contract.schema('Error')(body)
      : contract.operation(operationId).validateResponse(response.status, mediaType, body);
  if (issue) throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status} against the contract: ${issue.description}\n${text}`);
  if (!response.headers.get('x-request-id')) throw new Error(`${path} answered without X-Request-Id`);
  return { status: response.status, body: body as T, headers: response.headers };
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
export const json = (token: string, body: unknown, method = 'PATCH', type = 'application/json'): RequestInit => ({
  method,
  headers: { ...bearer(token), 'content-type': type },
  body: JSON.stringify(body),
});
export const sessionPath = (callId: string) => `/sbc/session/${encodeURIComponent(callId)}`;

export async function tokenFor(server: RunningServer, level: AccessLevel, extra: { customerId?: string; sbcServer?: string; expiresAt?: Date } = {}): Promise<string> {
  return (await server.store.createToken({ level, ...extra })).token;
}

/** Stores sessions as an administrator would report them. */
export async function seed(server: RunningServer, ...sessions: Array<Partial<Session> & { callId: string }>): Promise<void> {
  const reports = sessions.map(({ callId, ...rest }) => ({ callId, report: { sbcServer: '10.0.0.1', ...rest } }));
  const { outcomes } = await server.store.applyReports(reports, {}, new Date());
  const rejected = outcomes.find((o) => o.result === 'rejected');
  if (rejected) throw new Error(`seed rejected: ${JSON.stringify(rejected)}`);
}

/** Hex customer ids that read as what they are in tests. */
export const ids = {
  resellerA: 'AAAAAAAAAAAAAAAAAAAAAAAA',
  customerA1: 'A1A1A1A1A1A1A1A1A1A1A1A1',
  customerA1sub: 'A2A2A2A2A2A2A2A2A2A2A2A2',
  resellerB: 'BBBBBBBBBBBBBBBBBBBBBBBB',
  customerB1: 'B1B1B1B1B1B1B1B1B1B1B1B1',
  plain: 'CCCCCCCCCCCCCCCCCCCCCCCC',
};

/** Two reseller trees (A three deep, B one deep), both with TELE, and one customer without. */
export async function resellerTrees(server: RunningServer): Promise<void> {
  await server.store.putCustomer({ id: ids.resellerA, name: 'Reseller A', features: ['TELE'] });
  await server.store.putCustomer({ id: ids.customerA1, name: 'A1', parentReseller: ids.resellerA, features: [] });
  await server.store.putCustomer({ id: ids.customerA1sub, name: 'A1 sub', parentReseller: ids.customerA1, features: [] });
  await server.store.putCustomer({ id: ids.resellerB, name: 'Reseller B', features: ['TELE'] });
  await server.store.putCustomer({ id: ids.customerB1, name: 'B1', parentReseller: ids.resellerB, features: [] });
  await server.store.putCustomer({ id: ids.plain, name: 'No TELE', features: [] });
}

/** Holds every call of a store method until the returned release() is called: a request caught in flight. */
export function holdStore(store: SessionStore, method: 'getSessionJson' | 'eventsAfter' | 'pendingTerminates'): () => void {
  const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  (store as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    await gate;
    return original(...args);
  };
  return release;
}

/** A logger whose JSON lines are kept in `lines`, for tests of what the server logs. */
export function capturedLogs(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}
