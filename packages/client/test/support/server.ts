// The real server, started in-process on port 0 with an in-memory database, and clients for it.
import { startServer, type RunningServer } from '@sbc/server';
import { createSbcClient, type SbcClientOptions } from '../../src/index.js';

export interface TestServer {
  server: RunningServer;
  /** An ADMIN token. */
  admin: string;
  /** The machine token of the SBC node 2.1.1.3. */
  sbc: string;
  client(token: string, options?: Partial<SbcClientOptions>): ReturnType<typeof createSbcClient>;
}

export const sbcServer = '2.1.1.3';

export async function startTestServer(): Promise<TestServer> {
  const server = await startServer({ dbPath: ':memory:', port: 0, host: '127.0.0.1', logLevel: 'silent', jobIntervalSeconds: 0 });
  const admin = (await server.store.createToken({ level: 'ADMIN', name: 'client tests' })).token;
  const sbc = (await server.store.createToken({ level: 'SBC', sbcServer, name: 'client tests sbc' })).token;
  return {
    server,
    admin,
    sbc,
    client: (token, options = {}) => createSbcClient({ baseUrl: server.url, token, retries: { attempts: 2, baseDelayMs: 1, maxDelayMs: 50 }, ...options }),
  };
}

export const started = '2026-01-01T12:00:00.000Z';
